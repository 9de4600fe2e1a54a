"""Minhas entregas, drafting, evidence and submitting, through services and views."""

import hashlib
from datetime import date

import pytest

from portal.core.models import AuditEvent
from portal.core.storage import storage
from portal.deliverables import services
from portal.deliverables.models import Deliverable, Evidence, Submission
from portal.extensions import db
from tests import factories
from tests.factories import PDF, PNG, deliverable_of, upload


def test_home_groups_deliverables_with_counts(client, users, login, act, painel):
    login(users["partner_member"])
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Minhas entregas" in body and "Atrasadas" in body and "Próximos 30 dias" in body
    assert "Indicar responsável (nome, e-mail e CPF)" in body  # 1.2, overdue
    assert "dias de atraso" in body
    assert "Progresso por eixo" in body


def test_home_filters_are_an_htmx_fragment(client, users, login, act):
    login(users["partner_member"])
    response = client.htmx("/?grupo=depois&eixo=2&ano=2028")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="minhas-entregas"')
    assert "2.2" in body and "1.2 —" not in body


def test_tabs_count_what_the_plan_dates_and_follow_ups_apart(app, users, act):
    """MG on 26/11/2026, term 01/10/2025–30/09/2030, nothing sent yet. Dated by the plan:
    1.2 (16/10/2025), 2.1/3.2/3.4 once per term year (Y1 due 30/09/2026), 2.2 per calendar
    year (C2025 due 31/12/2025 … C2030). Late: 1.2, 2.1 Y1, 2.2 C2025, 3.2 Y1, 3.4 Y1.
    Later: 4 + 5 + 4 + 4. Ten continuous goals × six report years (2025–2030) of SEGES
    follow-ups, apart."""
    mg = users["partner_manager"].institution_id
    counts = services.group_counts(services.deliverables_query(mg), date(2026, 11, 26))
    assert counts == {"atrasadas": 5, "devolvidas": 0, "proximas": 0, "depois": 17,
                      "acompanhamento": 60, "em_analise": 0, "concluidas": 0}


def test_returned_and_in_review_have_their_own_tabs_and_labels(app, users, act):
    mg = users["partner_manager"].institution_id
    today = date(2026, 11, 26)
    painel = deliverable_of(act, "1.2", mg)
    painel.status = "returned"
    courses = deliverable_of(act, "3.2", mg)
    courses.status = "submitted"
    db.session.commit()
    counts = services.group_counts(services.deliverables_query(mg), today)
    assert (counts["atrasadas"], counts["devolvidas"], counts["em_analise"]) == (3, 1, 1)
    assert counts["concluidas"] == 0
    assert painel.state_label(today) == "Devolvida"
    assert courses.state_label(today) == "Enviada – em análise"


def test_progress_counts_each_goal_once_per_eixo_group(app, users, act):
    mg = users["partner_manager"].institution_id
    painel = deliverable_of(act, "1.2", mg)
    painel.status = "approved"
    db.session.commit()
    progress = {p.key: p for p in services.progress_by_axis(mg, date(2026, 11, 26))}
    assert (progress["1"].approved, progress["1"].due) == (1, 1)
    assert (progress["2"].approved, progress["2"].due) == (0, 2)  # 2.1 Y1, 2.2 C2025
    assert (progress["3"].approved, progress["3"].due) == (0, 2)  # 3.2 Y1, 3.4 Y1
    assert progress["combinados"].due == 0  # C.4 waits for an adhesion; the rest continuous
    assert sum(p.due for p in progress.values()) == services.counts_for(
        mg, date(2026, 11, 26)).due == 5


def test_seges_sees_its_own_deliverables_on_the_home(client, users, login, act):
    login(users["seges_reviewer"])
    body = client.get("/?grupo=atrasadas").get_data(as_text=True)
    assert "Disponibilizar fórum virtual" in body  # C.1 is owed by SEGES


def test_member_drafts_uploads_links_and_submits(client, users, login, painel, app):
    login(users["partner_member"])
    url = f"/entregas/{painel.id}"
    response = client.post(
        f"{url}/rascunho",
        data={
            "report": "Indicamos **Maria** para o Painel.",
            "covers_from": "2025-10-01",
            "covers_to": "2025-10-15",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"{url}/evidencias", data={"files": [upload("ofício.pdf", PDF), upload("foto.png", PNG)]}
    )
    assert response.status_code == 302
    response = client.htmx(
        f"{url}/links", method="POST", data={"url": "https://www.gov.br/gestao", "title": "Notícia"}
    )
    assert response.status_code == 200 and "Notícia" in response.get_data(as_text=True)
    assert "Salvar rascunho" in factories.buttons(client.get(url).get_data(as_text=True))
    confirm = client.get(f"{url}/enviar").get_data(as_text=True)
    assert "Confirmar envio" in confirm
    assert all(name in confirm for name in ("ofício.pdf", "foto.png", "Notícia"))
    assert client.post(f"{url}/enviar").status_code == 302
    deliverable = db.session.get(Deliverable, painel.id)
    assert deliverable.status == "submitted"
    page = client.get(url).get_data(as_text=True)
    assert "Enviada" in page and "<strong>Maria</strong>" in page
    assert "Salvar rascunho" not in factories.buttons(page)  # read-only now
    assert client.post(f"{url}/rascunho", data={"report": "mudança"}).status_code == 409
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"deliverable.draft_started", "evidence.uploaded", "deliverable.submitted"} <= actions


def test_files_are_stored_by_content_under_random_names(client, users, login, painel):
    member = users["partner_member"]
    first = factories.evidence(painel, member, "relatório final.pdf", PDF)
    again = factories.evidence(painel, member, "relatório final.pdf", PDF)
    # The type and size come from the content; the user's name is kept only to show it.
    assert (first.content_type, first.size) == ("application/pdf", len(PDF))
    assert first.original_name == "relatório final.pdf"
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    on_disk = storage().path(first.stored_name)
    assert on_disk.read_bytes() == PDF
    assert "relat" not in str(on_disk.relative_to(storage().root))  # nothing of the user's name
    assert storage().path(again.stored_name) != on_disk  # random: never the same name twice
    login(member)
    download = client.get(f"/evidencias/{first.id}/arquivo")
    content = download.get_data()
    download.close()
    assert download.status_code == 200 and content == PDF


def test_submitting_without_a_report_is_refused(client, users, login, painel):
    login(users["partner_member"])
    client.post(f"/entregas/{painel.id}/evidencias", data={"files": [upload("a.pdf", PDF)]})
    response = client.post(f"/entregas/{painel.id}/enviar", follow_redirects=True)
    assert "Escreva o relato" in response.get_data(as_text=True)
    assert db.session.get(Deliverable, painel.id).status == "draft"


def test_invalid_dates_are_422_and_keep_the_report(client, users, login, painel):
    login(users["partner_member"])
    response = client.post(
        f"/entregas/{painel.id}/rascunho",
        data={"report": "Texto que não pode se perder", "covers_from": "31/02/2025"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Data inválida" in body and "Texto que não pode se perder" in body


def test_period_end_before_start_is_refused(client, users, login, painel):
    login(users["partner_member"])
    response = client.post(
        f"/entregas/{painel.id}/rascunho",
        data={"report": "x", "covers_from": "2025-10-10", "covers_to": "2025-10-01"},
    )
    assert response.status_code == 422
    assert "O início do período deve ser anterior ao fim." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["ftp://x.org/a", "javascript:alert(1)", "www.sem-protocolo.br"])
def test_links_must_be_http_or_https(client, users, login, painel, url):
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/links", method="POST", data={"url": url, "title": "x"}
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(Evidence)) is None


def test_remove_evidence_before_submitting_deletes_the_file(app, client, users, login, painel):
    login(users["partner_member"])
    client.post(f"/entregas/{painel.id}/evidencias", data={"files": [upload("a.pdf", PDF)]})
    evidence = db.session.scalar(db.select(Evidence))
    path = storage().path(evidence.stored_name)
    assert path.exists()
    response = client.htmx(f"/entregas/{painel.id}/evidencias/{evidence.id}/remover", method="POST")
    assert response.status_code == 200 and "Evidência removida." in response.get_data(as_text=True)
    assert not path.exists() and db.session.scalar(db.select(Evidence)) is None


def test_returned_deliverable_is_edited_as_a_new_version(app, users, painel):
    member = users["partner_member"]
    services.save_draft(painel, by=member, report="v1", covers_from=None, covers_to=None)
    services.add_files(painel, [factories.file_storage("a.pdf", PDF)], by=member)
    first = services.submit(painel, by=member)
    first.status, painel.status = "returned", "returned"  # what a reviewer's return does
    db.session.commit()
    draft = services.save_draft(painel, by=member, report="v2", covers_from=None, covers_to=None)
    assert draft.version == 2 and draft.id != first.id
    assert [e.original_name for e in draft.files] == ["a.pdf"]  # carried over
    services.remove_evidence(draft.files[0], by=member)
    assert storage().exists(first.files[0].stored_name)  # v1 keeps its file
    assert db.session.get(Submission, first.id).report == "v1"


def test_adherents_deliverables_are_read_only_for_the_first_layer(client, users, login, act):
    adhesion = factories.adhesion(act, name="Contagem", cnpj="18715508000131")
    theirs = deliverable_of(adhesion, "2.2", adhesion.partner_id)
    login(users["partner_manager"])
    page = client.get(f"/entregas/{theirs.id}")
    assert page.status_code == 200
    assert "Salvar rascunho" not in factories.buttons(page.get_data(as_text=True))
    assert client.post(f"/entregas/{theirs.id}/rascunho", data={"report": "x"}).status_code == 403


def test_other_state_cannot_open_or_download_anything(client, users, login, painel):
    login(users["partner_member"])
    client.post(f"/entregas/{painel.id}/rascunho", data={"report": "segredo"})
    client.post(f"/entregas/{painel.id}/evidencias", data={"files": [upload("a.pdf", PDF)]})
    evidence = db.session.scalar(db.select(Evidence))
    client.post("/logout")
    login(users["other_manager"])
    base = f"/entregas/{painel.id}"
    assert client.get(base).status_code == 403
    assert client.htmx(base).status_code == 403
    assert client.get(f"/evidencias/{evidence.id}/arquivo").status_code == 403
    assert client.post(f"{base}/rascunho", data={"report": "x"}).status_code == 403
    assert (
        client.post(f"{base}/evidencias", data={"files": [upload("b.pdf", PDF)]}).status_code == 403
    )
    assert client.post(f"{base}/links", data={"url": "https://a.b"}).status_code == 403
    assert client.post(f"{base}/evidencias/{evidence.id}/remover").status_code == 403
    assert client.post(f"{base}/enviar").status_code == 403
    assert client.get(f"{base}/enviar").status_code == 403
    assert "segredo" not in client.get("/").get_data(as_text=True)


def test_deliverable_page_lists_questions_about_its_goal(client, users, login, act, painel):
    factories.topic(
        users["partner_member"],
        title="Quem pode acessar o Painel Gerencial?",
        body="Dúvida sobre a 1.2",
        goal_id=painel.goal.id,
    )
    login(users["partner_member"])
    body = client.get(f"/entregas/{painel.id}").get_data(as_text=True)
    assert "Perguntas sobre esta meta" in body and "Quem pode acessar o Painel" in body


@pytest.mark.parametrize("query", ["grupo=foo", "eixo=abc", "ano=dois-mil", "situacao=xyz"])
def test_bad_home_filters_are_ignored_not_500(client, users, login, act, query):
    login(users["partner_member"])
    assert client.get(f"/?{query}").status_code == 200


def test_form_messages_from_wtforms_are_in_portuguese(client, users, login, act):
    login(users["partner_member"])
    body = client.get("/?eixo=9").get_data(as_text=True)
    assert "Not a valid" not in body
