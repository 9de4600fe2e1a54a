"""Typed work is never lost: "Enviar para análise" saves first, the page saves the draft
while the person types, and a submission without evidence is confirmed."""

from datetime import UTC, datetime, timedelta

import time_machine

from portal.core.models import AuditEvent
from portal.deliverables import services
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories
from tests.factories import PDF, upload


def _draft_saves(deliverable_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "deliverable.draft_saved", AuditEvent.object_id == deliverable_id
    ).order_by(AuditEvent.id)))


def test_submit_is_offered_on_the_first_visit_and_saves_what_was_typed(
    client, users, login, painel
):
    login(users["partner_member"])
    url = f"/entregas/{painel.id}"
    page = client.get(url).get_data(as_text=True)
    assert {"Salvar rascunho", "Enviar para análise"} <= set(factories.buttons(page))

    response = client.post(f"{url}/rascunho", data={
        "report": "Indicamos **Ana** para o Painel.", "covers_from": "01/10/2025",
        "acao": "enviar",
    })
    assert response.status_code == 302 and response.location.endswith(f"{url}/enviar")
    confirm = client.get(response.location).get_data(as_text=True)
    assert "<strong>Ana</strong>" in confirm  # the text just typed, not an older one
    assert services.latest_version(painel).covers_from.isoformat() == "2025-10-01"


def test_a_draft_form_with_errors_keeps_the_text_and_says_the_files_were_not_attached(
    client, users, login, painel
):
    login(users["partner_member"])
    response = client.post(f"/entregas/{painel.id}/rascunho", data={
        "report": "Relato longo que não pode se perder.",
        "covers_from": "10/03/2026", "covers_to": "01/01/2026",
        "files": [upload("oficio.pdf", PDF)],
    })
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Relato longo que não pode se perder." in body
    assert "O início do período deve ser anterior ao fim." in body
    assert "Os arquivos não foram anexados" in body
    assert services.latest_version(painel) is None  # nothing half-saved


def test_autosave_saves_the_text_and_says_when(client, users, login, painel):
    login(users["partner_member"])
    response = client.htmx(f"/entregas/{painel.id}/rascunho/automatico", method="POST",
                           data={"report": "Primeira linha", "covers_from": "", "covers_to": ""})
    assert response.status_code == 200
    assert "Rascunho salvo às" in response.get_data(as_text=True)
    assert services.latest_version(painel).report == "Primeira linha"


def test_autosave_refuses_an_invalid_period_and_keeps_the_saved_text(
    client, users, login, painel
):
    member = users["partner_member"]
    services.save_draft(painel, by=member, report="Salvo antes", covers_from=None, covers_to=None)
    db.session.commit()
    login(member)
    response = client.htmx(f"/entregas/{painel.id}/rascunho/automatico", method="POST", data={
        "report": "Novo texto", "covers_from": "10/03/2026", "covers_to": "01/01/2026",
    })
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Não foi salvo automaticamente" in body and "anterior ao fim" in body
    assert services.latest_version(painel).report == "Salvo antes"


def test_autosave_of_a_sent_deliverable_is_refused(client, users, login, painel):
    member = users["partner_member"]
    factories.submitted(painel, member, "Enviado.")
    db.session.commit()
    login(member)
    response = client.htmx(f"/entregas/{painel.id}/rascunho/automatico", method="POST",
                           data={"report": "mudança"})
    assert response.status_code == 409
    assert "não pode mais ser alterada" in response.get_data(as_text=True)


def test_autosave_needs_the_csrf_token(client, users, login, painel):
    login(users["partner_member"])
    response = client.post(f"/entregas/{painel.id}/rascunho/automatico",
                           data={"report": "x"}, csrf=False)
    assert response.status_code == 400
    assert services.latest_version(painel) is None


def test_autosaves_leave_one_audit_row_per_ten_minutes_of_editing(app, users, painel):
    member = users["partner_member"]
    start = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for minute, text in enumerate(["a", "ab", "abc"]):
            traveller.move_to(start + timedelta(minutes=minute))
            services.save_draft(painel, by=member, report=text, covers_from=None,
                                covers_to=None, automatic=True)
        services.save_draft(painel, by=member, report="abc", covers_from=None, covers_to=None,
                            automatic=True)  # unchanged: nothing to record
        traveller.move_to(start + timedelta(minutes=13))
        services.save_draft(painel, by=member, report="abcd", covers_from=None,
                            covers_to=None, automatic=True)
        db.session.commit()
    saves = _draft_saves(painel.id)
    assert len(saves) == 2 and all(s.details == {"version": 1, "automatic": True} for s in saves)
    assert services.latest_version(painel).report == "abcd"


def test_a_manual_save_is_always_recorded(app, users, painel):
    member = users["partner_member"]
    for text in ("um", "dois"):
        services.save_draft(painel, by=member, report=text, covers_from=None, covers_to=None)
    db.session.commit()
    assert len(_draft_saves(painel.id)) == 2


def test_sending_without_evidence_is_confirmed(client, users, login, painel):
    member = users["partner_member"]
    services.save_draft(painel, by=member, report="Só o relato.", covers_from=None,
                        covers_to=None)
    db.session.commit()
    login(member)
    url = f"/entregas/{painel.id}/enviar"
    page = client.get(url).get_data(as_text=True)
    assert "Nenhuma evidência anexada." in page and "Enviar sem evidências" in factories.buttons(
        page)

    response = client.post(url)  # a form without the confirmation (evidence removed meanwhile)
    assert response.status_code == 302 and response.location.endswith(url)
    assert db.session.get(Deliverable, painel.id).status == "draft"
    assert "confirme se deseja enviá-la assim" in client.get(url).get_data(as_text=True)

    assert client.post(url, data={"sem_evidencias": "1"}).status_code == 302
    assert db.session.get(Deliverable, painel.id).status == "submitted"


def test_an_empty_report_offers_no_confirmation(client, users, login, painel):
    member = users["partner_member"]
    services.save_draft(painel, by=member, report="", covers_from=None, covers_to=None)
    db.session.commit()
    login(member)
    page = client.get(f"/entregas/{painel.id}/enviar").get_data(as_text=True)
    assert "O relato está vazio" in page
    assert not {"Confirmar envio", "Enviar sem evidências"} & set(factories.buttons(page))
    assert "Voltar e escrever o relato" in page
