"""Forum pages through the test client: pages, fragments, validation, CSRF and roles."""

from portal.extensions import db
from portal.forum import services
from portal.forum.models import Post, Topic
from tests.factories import deliverable_of, forum_category, page_text, topic


def _posts(t) -> list[Post]:
    return list(
        db.session.scalars(db.select(Post).where(Post.topic_id == t.id).order_by(Post.number))
    )


def test_forum_home_lists_topics_with_unread_marker_and_fragment_for_htmx(client, users, login):
    t = topic(users["partner_member"], title="Como registrar as horas?")
    login(users["partner_manager"])
    page = client.get("/forum/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "Como registrar as horas?" in html and "forum-unread" in html and "Membro" in html
    assert "Avisos da SEGES" in html
    fragment = client.htmx("/forum/").get_data(as_text=True)
    assert "<html" not in fragment and 'id="lista-topicos"' in fragment
    client.get(f"/forum/topicos/{t.id}")
    assert "forum-unread" not in client.get("/forum/").get_data(as_text=True)


def test_load_more_links_to_the_next_page(app, client, users, login):
    app.config["ITEMS_PER_PAGE"] = 2
    for number in range(3):
        topic(users["partner_member"], title=f"Tópico número {number}")
    login(users["partner_member"])
    html = client.get("/forum/").get_data(as_text=True)
    assert "Carregar mais tópicos" in html and "page=2" in html
    second = client.htmx("/forum/?page=2").get_data(as_text=True)
    assert "Tópico número 0" in second and "Carregar mais" not in second


def test_the_lists_totals_are_the_counts_beside_the_categories(client, users, login):
    member = users["partner_member"]
    for number in range(3):
        topic(member, title=f"Tópico geral {number}")
    moved = topic(member, title="Tópico de boas práticas")
    services.move_topic(moved, forum_category("boas-praticas"), by=users["seges_admin"])
    login(member)
    index = page_text(client.get("/forum/").get_data(as_text=True))
    assert "4 tópicos" in index  # the list's total: no category has 4
    assert "3 tópicos · 3 mensagens" in index and "1 tópico · 1 mensagem" in index
    general = client.get(f"/forum/categorias/{forum_category().id}")
    assert "3 tópicos" in page_text(general.get_data(as_text=True))
    good = client.get(f"/forum/categorias/{forum_category('boas-praticas').id}")
    assert "1 tópico" in page_text(good.get_data(as_text=True))


def test_new_topic_is_published_and_opens_its_page(client, users, login):
    login(users["partner_member"])
    cat = forum_category()
    response = client.post(
        f"/forum/categorias/{cat.id}/novo-topico",
        data={"title": "Prazo da meta 1.1", "body": "Qual o **prazo**?", "goal_id": ""},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Prazo da meta 1.1" in page and "<strong>prazo</strong>" in page


def test_bad_topic_input_is_refused_with_clear_messages(client, users, login):
    login(users["partner_member"])
    url = f"/forum/categorias/{forum_category().id}/novo-topico"
    cases = [
        ({"title": "x" * 300, "body": "Texto"}, "entre 5 e 150 caracteres"),
        ({"title": "Título bom", "body": ""}, "Escreva a mensagem."),
        ({"title": "Título bom", "body": "x" * 100_000}, "no máximo 20.000 caracteres"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Topic)) is None


def test_only_seges_opens_topics_in_seges_notices(client, users, login):
    notices = forum_category("avisos-da-seges")
    login(users["partner_manager"])
    assert client.get(f"/forum/categorias/{notices.id}/novo-topico").status_code == 403
    response = client.post(
        f"/forum/categorias/{notices.id}/novo-topico", data={"title": "Aviso falso", "body": "x"}
    )
    assert response.status_code == 403
    assert "Novo tópico" not in client.get(f"/forum/categorias/{notices.id}").get_data(as_text=True)


def test_reply_with_htmx_returns_the_new_post_and_a_fresh_form(client, users, login):
    t = topic(users["partner_member"])
    login(users["seges_reviewer"])
    response = client.htmx(
        f"/forum/topicos/{t.id}/responder", method="POST", data={"body": "Resposta da **SEGES**"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-swap-oob="beforeend:#mensagens-topico"' in html
    assert "<strong>SEGES</strong>" in html and "forum-badge-seges" in html
    assert 'id="form-resposta"' in html
    assert len(_posts(t)) == 2


def test_reply_without_javascript_redirects_to_the_new_post(client, users, login):
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    response = client.post(f"/forum/topicos/{t.id}/responder", data={"body": "Sem JS"})
    post = _posts(t)[-1]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#mensagem-{post.id}")


def test_empty_or_huge_reply_gets_422_and_the_form_again(client, users, login):
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    for body in ("", "   ", "y" * 100_000):
        response = client.htmx(
            f"/forum/topicos/{t.id}/responder", method="POST", data={"body": body}
        )
        assert response.status_code == 422
        assert 'id="form-resposta"' in response.get_data(as_text=True)
    assert len(_posts(t)) == 1


def test_reply_without_csrf_token_is_refused(client, users, login):
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    response = client.post(f"/forum/topicos/{t.id}/responder", data={"body": "x"}, csrf=False)
    assert response.status_code == 400
    assert len(_posts(t)) == 1


def test_script_payloads_are_shown_as_text_never_executed(client, users, login):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))"
    t = topic(users["partner_member"], body=payload)
    login(users["partner_manager"])
    html = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_quote_prefills_the_reply_form(client, users, login):
    t = topic(users["partner_member"], body="Linha um\nLinha dois")
    question = _posts(t)[0]
    login(users["partner_manager"])
    html = client.htmx(f"/forum/topicos/{t.id}/responder?citar={question.id}").get_data(
        as_text=True
    )
    assert "&gt; Linha um" in html and "escreveu:" in html


def test_preview_renders_sanitised_markdown(client, users, login):
    login(users["partner_member"])
    response = client.htmx(
        "/forum/previa", method="POST", data={"body": "**oi** <script>x</script>"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>oi</strong>" in html
    assert "<script>" not in html


def test_author_edits_own_post_and_everyone_sees_the_history(client, users, login):
    t = topic(users["partner_member"], body="Versão antiga")
    question = _posts(t)[0]
    login(users["partner_member"])
    response = client.htmx(
        f"/forum/mensagens/{question.id}/editar", method="POST", data={"body": "Versão nova"}
    )
    assert response.status_code == 200 and "Versão nova" in response.get_data(as_text=True)
    assert "editada 1 vez" in response.get_data(as_text=True)
    client.post("/logout")
    login(users["other_manager"])
    history = client.get(f"/forum/mensagens/{question.id}/historico").get_data(as_text=True)
    assert "Versão antiga" in history and "Versão nova" in history


def test_nobody_edits_someone_elses_post(client, users, login):
    t = topic(users["partner_member"])
    question = _posts(t)[0]
    for role in ("seges_admin", "partner_manager"):
        login(users[role])
        response = client.post(f"/forum/mensagens/{question.id}/editar", data={"body": "Invadido"})
        assert response.status_code == 403
        client.post("/logout")
    assert _posts(t)[0].body == "Como contar as horas?"


def test_author_marks_the_accepted_answer_shown_under_the_question(client, users, login):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["seges_reviewer"], body="A resposta certa")
    login(users["partner_manager"])
    assert client.post(f"/forum/mensagens/{answer.id}/aceitar").status_code == 403
    client.post("/logout")
    login(users["partner_member"])
    assert client.post(f"/forum/mensagens/{answer.id}/aceitar").status_code == 302
    html = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    summary = html.index("forum-accepted-summary")
    assert html.index("mensagem-") < summary < html.index(f'id="mensagem-{answer.id}"')
    assert "Resolvido" in html


def test_partner_cannot_moderate(client, users, login):
    t = topic(users["partner_member"])
    question = _posts(t)[0]
    login(users["partner_manager"])
    for url in (
        f"/forum/topicos/{t.id}/trancar",
        f"/forum/topicos/{t.id}/fixar",
        f"/forum/mensagens/{question.id}/ocultar",
        f"/forum/topicos/{t.id}/mover",
    ):
        assert client.post(url).status_code == 403, url
    assert client.get("/forum/denuncias").status_code == 403


def test_reviewer_hides_a_post_leaving_a_placeholder(client, users, login):
    t = topic(users["partner_member"], body="Conteúdo impróprio aqui")
    question = _posts(t)[0]
    login(users["seges_reviewer"])
    assert client.post(f"/forum/mensagens/{question.id}/ocultar").status_code == 302
    client.post("/logout")
    login(users["partner_manager"])
    html = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    assert "Mensagem ocultada pela moderação" in html and "Conteúdo impróprio" not in html
    history = client.get(f"/forum/mensagens/{question.id}/historico").get_data(as_text=True)
    assert "Conteúdo impróprio" not in history


def test_locked_topic_shows_no_reply_form_and_refuses_replies(client, users, login):
    t = topic(users["partner_member"])
    services.set_locked(t, True, by=users["seges_admin"])
    login(users["partner_manager"])
    html = client.get(f"/forum/topicos/{t.id}").get_data(as_text=True)
    assert "está trancado" in html and "Publicar resposta" not in html
    assert client.post(f"/forum/topicos/{t.id}/responder", data={"body": "x"}).status_code == 403


def test_reviewer_moves_a_topic(client, users, login):
    t = topic(users["partner_member"])
    target = forum_category("capacitacao")
    login(users["seges_reviewer"])
    response = client.post(f"/forum/topicos/{t.id}/mover", data={"category_id": str(target.id)})
    assert response.status_code == 302
    assert db.session.get(Topic, t.id).category_id == target.id
    same = client.post(f"/forum/topicos/{t.id}/mover", data={"category_id": str(target.id)})
    assert same.status_code == 422 and "já está nesta categoria" in same.get_data(as_text=True)


def test_report_reaches_the_reviewers_queue(client, users, login):
    t = topic(users["partner_member"])
    reply = services.reply(t, by=users["partner_manager"], body="Propaganda")
    login(users["other_manager"])
    assert (
        client.post(f"/forum/mensagens/{reply.id}/denunciar", data={"reason": ""}).status_code
        == 422
    )
    assert (
        client.post(
            f"/forum/mensagens/{reply.id}/denunciar", data={"reason": "É propaganda"}
        ).status_code
        == 302
    )
    client.post("/logout")
    login(users["seges_reviewer"])
    assert "É propaganda" in client.get("/forum/denuncias").get_data(as_text=True)


def test_posting_too_fast_gets_429_with_a_clear_message(app, client, users, login):
    app.config["RATELIMIT_FORUM_POSTS"] = "3 per minute"
    t = topic(users["partner_member"])
    login(users["partner_manager"])
    statuses = [
        client.post(f"/forum/topicos/{t.id}/responder", data={"body": f"Mensagem {n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    response = client.post(f"/forum/topicos/{t.id}/responder", data={"body": "Outra"})
    assert "muitas mensagens em pouco tempo" in response.get_data(as_text=True)


def test_search_page_shows_highlighted_results_and_fragment(client, users, login):
    topic(users["partner_member"], title="Capacitação de multiplicadores", body="Turmas em 2026")
    login(users["partner_manager"])
    html = client.get("/forum/busca?q=capacitacao").get_data(as_text=True)
    assert "<mark>Capacitação</mark>" in html and "<html" in html
    fragment = client.htmx("/forum/busca?q=multiplicador&situacao=resolvidos").get_data(
        as_text=True
    )
    assert "<html" not in fragment and "Nenhum tópico encontrado" in fragment


def test_watching_a_category_from_its_page(client, users, login):
    cat = forum_category()
    login(users["partner_manager"])
    client.post(f"/forum/categorias/{cat.id}/acompanhar")
    assert services.is_watching(users["partner_manager"], category=cat)
    assert "Deixar de acompanhar" in client.get(f"/forum/categorias/{cat.id}").get_data(
        as_text=True
    )


def test_admin_creates_a_category_and_partners_cannot(client, users, login):
    login(users["partner_manager"])
    assert client.post("/forum/categorias/nova", data={"name": "Nova"}).status_code == 403
    client.post("/logout")
    login(users["seges_admin"])
    response = client.post(
        "/forum/categorias/nova", data={"name": "Contratações públicas", "position": "8"}
    )
    assert response.status_code == 302
    assert "Contratações públicas" in client.get("/forum/categorias").get_data(as_text=True)
    again = client.post("/forum/categorias/nova", data={"name": "Contratações públicas"})
    assert again.status_code == 422


def test_a_goal_of_another_institution_is_neither_offered_nor_named(client, users, login, act):
    mg_goal = deliverable_of(act, "1.1", users["partner_member"].institution_id).goal
    url = f"/forum/categorias/{forum_category().id}/novo-topico"
    login(users["other_manager"])  # Espírito Santo
    page = page_text(client.get(f"{url}?meta={mg_goal.id}").get_data(as_text=True))
    assert mg_goal.description[:40] not in page
    refused = client.post(url, data={"title": "Sobre a meta de MG", "body": "Texto.",
                                     "goal_id": str(mg_goal.id)})
    assert refused.status_code == 422
    assert db.session.scalar(db.select(Topic).where(Topic.goal_id == mg_goal.id)) is None
    client.post("/logout")
    login(users["partner_member"])  # Minas Gerais: its own goal is offered and chosen
    page = client.get(f"{url}?meta={mg_goal.id}").get_data(as_text=True)
    assert mg_goal.description[:40] in page_text(page)
