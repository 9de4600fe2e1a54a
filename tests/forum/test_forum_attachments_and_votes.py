"""Documents in posts (stored like evidence) and "Útil" votes; the htmx reply refreshes the
counters and the follow button."""

import io

from werkzeug.datastructures import FileStorage

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.forum import services
from portal.forum.models import Attachment, Post
from tests.factories import PNG, page_text, topic

PDF = b"%PDF-1.4\n%forum\n1 0 obj<<>>endobj\n"


def _pdf(name: str = "guia.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(PDF), name)


def test_a_reply_with_files_keeps_them_typed_by_content(users):
    t = topic(users["partner_member"])
    post = services.reply(
        t,
        by=users["partner_manager"],
        body="Segue o guia",
        files=[_pdf(), FileStorage(io.BytesIO(PNG), "tela.png")],
    )
    kinds = [(a.original_name, a.content_type, a.is_image) for a in post.attachments]
    assert kinds == [("guia.pdf", "application/pdf", False), ("tela.png", "image/png", True)]


def test_a_file_of_a_refused_type_refuses_the_whole_post(client, users, login):
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    response = client.post(
        f"/forum/topicos/{t.id}/responder",
        data={"body": "Com anexo", "files": (io.BytesIO(b"<html><script>x</script>"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "não é de um tipo permitido" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1
    assert db.session.scalar(db.select(Attachment)) is None


def test_too_many_files_are_refused(users):
    t = topic(users["partner_member"])
    try:
        services.reply(t, by=users["partner_manager"], body="x", files=[_pdf()] * 6)
    except services.DomainError as error:
        assert "no máximo 5 arquivos" in str(error)
    else:  # pragma: no cover
        raise AssertionError("six files were accepted")


def test_attachment_is_downloaded_as_an_audited_attachment_by_any_reader(client, users, login):
    t = topic(users["partner_member"], files=[_pdf()])
    attachment = db.session.scalar(db.select(Attachment))
    login(users["other_manager"])  # another institution: the forum is shared by all
    page = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    assert f"/forum/anexos/{attachment.id}" in page and "guia.pdf" in page_text(page)
    response = client.get(f"/forum/anexos/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response.close()
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "forum.attachment_downloaded")
    )
    assert client.get(f"/forum/anexos/{attachment.id}/imagem").status_code == 404  # a PDF


def test_image_attachment_shows_inline_as_the_image_itself(client, users, login):
    t = topic(users["partner_member"], files=[FileStorage(io.BytesIO(PNG), "tela.png")])
    attachment = db.session.scalar(db.select(Attachment))
    login(users["partner_manager"])
    html = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    assert f'src="/forum/anexos/{attachment.id}/imagem"' in html
    assert 'class="forum-thumbnail"' in html
    response = client.get(f"/forum/anexos/{attachment.id}/imagem")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()


def test_attachments_of_a_hidden_post_are_for_moderators_only(client, users, login):
    t = topic(users["partner_member"])
    post = services.reply(t, by=users["partner_manager"], body="x", files=[_pdf()])
    services.hide_post(post, by=users["seges_reviewer"])
    attachment_id = post.attachments[0].id
    db.session.commit()
    login(users["partner_member"])
    assert client.get(f"/forum/anexos/{attachment_id}").status_code == 403
    client.post("/logout")
    login(users["seges_reviewer"])
    response = client.get(f"/forum/anexos/{attachment_id}")
    assert response.status_code == 200
    response.close()


def test_useful_votes_one_per_person_and_never_ones_own(users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Útil?")
    assert services.toggle_useful(answer, by=users["partner_member"]) is True
    assert services.toggle_useful(answer, by=users["seges_reviewer"]) is True
    assert answer.useful_count == 2
    assert services.toggle_useful(answer, by=users["seges_reviewer"]) is False  # taken back
    assert answer.useful_count == 1
    assert services.useful_votes_received(users["partner_manager"]) == 1
    for voter in (users["partner_manager"],):
        try:
            services.toggle_useful(answer, by=voter)
        except services.DomainError as error:
            assert "própria resposta" in str(error)


def test_vote_with_htmx_swaps_the_button_and_forbidden_for_own_post(client, users, login):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Resposta")
    db.session.commit()
    login(users["partner_member"])
    response = client.htmx(f"/forum/mensagens/{answer.id}/util", method="POST")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'aria-pressed="true"' in html
    assert '<span class="forum-useful-count">1</span>' in html
    assert client.post(f"/forum/mensagens/{answer.id}/util", csrf=False).status_code == 400
    client.post("/logout")
    login(users["partner_manager"])
    assert client.post(f"/forum/mensagens/{answer.id}/util").status_code == 403


def test_accepted_and_most_useful_answers_show_under_the_question(client, users, login):
    t = topic(users["partner_member"])
    plain = services.reply(t, by=users["seges_admin"], body="Resposta comum")
    useful = services.reply(t, by=users["partner_manager"], body="Resposta muito útil")
    accepted = services.reply(t, by=users["seges_reviewer"], body="Resposta aceita")
    services.toggle_useful(useful, by=users["other_manager"])
    services.accept_answer(accepted, by=users["partner_member"])
    best_accepted, best_useful = services.best_answers(t)
    assert best_accepted.id == accepted.id and [p.id for p in best_useful] == [useful.id]
    assert plain.id not in [p.id for p in best_useful]
    login(users["other_manager"])
    text = page_text(client.get(f"/forum/topicos/{t.id}").get_data(as_text=True))
    assert "Resposta aceita e respostas mais úteis" in text
    assert text.index("Resposta muito útil") < text.index("Resposta comum")


def test_htmx_reply_updates_the_reply_count_and_follow_button_out_of_band(
    client, users, login
):
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    assert "0 respostas" in page_text(client.get(f"/forum/topicos/{t.id}").get_data(as_text=True))
    html = client.htmx(
        f"/forum/topicos/{t.id}/responder", method="POST", data={"body": "Primeira resposta"}
    ).get_data(as_text=True)
    assert '<span id="contagem-topico" hx-swap-oob="true">1 resposta</span>' in html
    assert 'id="acompanhar-topico"' in html and "Deixar de acompanhar" in html


def test_htmx_reply_updates_the_message_total_out_of_band(client, users, login):
    t = topic(users["partner_member"])
    services.reply(t, by=users["seges_reviewer"], body="Primeira")
    login(users["partner_manager"])
    html = client.htmx(
        f"/forum/topicos/{t.id}/responder", method="POST", data={"body": "Segunda resposta"}
    ).get_data(as_text=True)
    assert 'id="paginacao-mensagens" hx-swap-oob="true"' in html
    assert "3 mensagens" in page_text(html)
