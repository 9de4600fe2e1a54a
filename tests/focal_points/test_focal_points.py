"""Servidores indicados (metas 1.1, 1.2, 2.1), Painel Gerencial access (1.3) and the CSV
snapshot attached to the goal whose role is ``focal_points`` (1.1 in the seed: "Durante a
vigência", so its open deliverable is the partner's yearly follow-up ``R<year>``)."""

from datetime import date

import pytest

from portal.agreements.models import Goal
from portal.core.exceptions import Conflict, DomainError
from portal.core.models import AuditEvent
from portal.core.storage import storage
from portal.deliverables.models import Deliverable, Evidence
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.focal_points.models import FocalPoint
from portal.notifications.models import Notification
from tests import clock, factories
from tests.factories import deliverable_of

CPF = "529.982.247-25"
VALID = {"purpose": "acompanhamento", "name": "Juliana Souza", "cpf": CPF,
         "phone": "(31) 3915-0101", "email": "juliana@mg.test"}


def _name(users, **fields) -> FocalPoint:
    manager = users["partner_manager"]
    return factories.focal_point(manager.institution, manager, **{**VALID, **fields})


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


# Services ------------------------------------------------------------------------------

def test_create_stores_cpf_digits_and_audits(app, users):
    focal_point = _name(users)
    assert focal_point.cpf == "52998224725" and focal_point.email == "juliana@mg.test"
    assert [e.object_id for e in _audits("focal_point.created")] == [focal_point.id]


def test_invalid_cpf_and_duplicates_are_refused(app, users):
    with pytest.raises(DomainError) as error:
        _name(users, cpf="529.982.247-26")
    assert error.value.field == "cpf"
    _name(users)
    db.session.commit()  # the first indication was saved by an earlier request
    with pytest.raises(DomainError, match="já está indicada"):
        _name(users, name="Outra grafia")


def test_editing_ends_the_old_row_and_keeps_history(app, users):
    manager = users["partner_manager"]
    old = _name(users)
    new = focal_points.update(old, by=manager, **{**VALID, "phone": "(31) 99999-0000"})
    assert new.id != old.id and new.replaces_id == old.id and new.phone == "(31) 99999-0000"
    db.session.refresh(old)
    assert old.ended_at is not None and old.ended_by_id == manager.id
    mg = manager.institution_id
    assert [f.id for f in db.session.scalars(focal_points.current_query(mg))] == [new.id]
    assert [f.id for f in db.session.scalars(focal_points.history_query(mg))] == [old.id]
    with pytest.raises(Conflict):
        focal_points.update(old, by=manager, **VALID)


def test_unchanged_edit_creates_nothing(app, users):
    old = _name(users)
    assert focal_points.update(old, by=users["partner_manager"], **VALID) is old
    assert db.session.scalar(db.select(db.func.count(FocalPoint.id))) == 1


@pytest.mark.parametrize(("typed", "stored"), [
    ("(31) 99999-1234", "(31) 99999-1234"),
    ("31999991234", "(31) 99999-1234"),
    ("+55 61 3333-4444", "(61) 3333-4444"),
    ("061 3333 4444", "(61) 3333-4444"),
])
def test_phones_are_stored_in_the_brazilian_national_format(app, users, typed, stored):
    assert focal_points.national_phone(typed) == stored
    assert _name(users, phone=typed).phone == stored


@pytest.mark.parametrize("typed", [
    "31 99999", "(31) 1234-5678", "99999-1234", "+1 202 555 0143", "telefone", "",
])
def test_phones_that_are_not_brazilian_numbers_are_refused(app, users, typed):
    with pytest.raises(DomainError, match="Telefone inválido") as error:
        _name(users, phone=typed)
    assert error.value.field == "phone"


def test_ending_keeps_the_row(app, users):
    focal_point = _name(users)
    focal_points.end(focal_point, by=users["partner_manager"])
    assert db.session.get(FocalPoint, focal_point.id).ended_at is not None
    with pytest.raises(Conflict):
        focal_points.end(focal_point, by=users["partner_manager"])


def test_painel_request_access_granted_and_managers_notified(app, users):
    focal_point = _name(users, purpose="painel")
    admin_notes = db.session.scalars(db.select(Notification).where(
        Notification.user_id == users["seges_admin"].id)).all()
    assert [n.kind for n in admin_notes] == ["focal_point.painel_requested"]
    assert [f.id for f in db.session.scalars(focal_points.pending_painel_query())] == [
        focal_point.id]
    focal_points.grant_access(focal_point, by=users["seges_admin"])
    assert focal_point.access_granted_by_id == users["seges_admin"].id
    assert db.session.scalars(focal_points.pending_painel_query()).all() == []
    notes = db.session.scalars(db.select(Notification).where(
        Notification.kind == "focal_point.access_granted")).all()
    assert [n.user_id for n in notes] == [users["partner_manager"].id]  # managers only
    assert "Juliana Souza" in notes[0].message
    assert _audits("focal_point.access_granted")
    with pytest.raises(Conflict):
        focal_points.grant_access(focal_point, by=users["seges_admin"])


def test_same_person_keeps_painel_access_after_an_edit(app, users):
    focal_point = _name(users, purpose="painel")
    focal_points.grant_access(focal_point, by=users["seges_admin"])
    manager = users["partner_manager"]
    same = focal_points.update(focal_point, by=manager,
                               **{**VALID, "purpose": "painel", "phone": "(31) 3234-5678"})
    assert same.access_granted_at is not None
    other = focal_points.update(same, by=manager, **{**VALID, "purpose": "painel",
                                                     "cpf": "111.444.777-35"})
    assert other.access_granted_at is None


def test_snapshot_csv_masks_cpf(app, users):
    _name(users, name="=cmd")
    text = focal_points.snapshot_csv(users["partner_manager"].institution_id).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Finalidade;Nome;CPF;Telefone;E-mail;Desde"
    assert "***.982.247-**" in lines[1] and "529.982" not in text and "'=cmd" in lines[1]


def _followup_of_1_1(act, institution_id: int, year: int):
    """The partner's follow-up of 1.1 for ``year``, looked up by its key."""
    return db.session.scalar(
        db.select(Deliverable).join(Goal)
        .where(Goal.agreement_id == act.id, Goal.code == "1.1",
               Deliverable.institution_id == institution_id,
               Deliverable.period_key == f"R{year}"))


def test_snapshot_goes_to_the_nearest_editable_1_1(app, users, act):
    mg = users["partner_manager"].institution_id
    first, second = deliverable_of(act, "1.1", mg, 0), deliverable_of(act, "1.1", mg, 1)
    # 1.1 is continuous: its deliverables are the yearly follow-ups, R2025 then R2026.
    assert (first.period_key, first.opens_on, first.due_on, first.deadline_source) == (
        "R2025", date(2025, 10, 1), date(2026, 3, 2), "followup")
    assert (second.period_key, second.opens_on, second.due_on) == (
        "R2026", date(2026, 1, 1), date(2027, 3, 1))
    today = date(2026, 1, 1)  # both are open; R2025 is due first
    assert focal_points.snapshot_deliverable(mg, today).id == first.id
    first.status = "submitted"
    db.session.commit()
    assert focal_points.snapshot_deliverable(mg, today).id == second.id
    assert focal_points.snapshot_deliverable(mg, date(2025, 12, 31)) is None  # R2026 not open
    # A returned report can take the list again; an approved one cannot.
    first.status = "returned"
    db.session.commit()
    assert focal_points.snapshot_deliverable(mg, today).id == first.id
    first.status, second.status = "approved", "waived"
    db.session.commit()
    assert focal_points.snapshot_deliverable(mg, today) is None


def test_seges_has_no_1_1_followup_to_attach_to(app, users, seges, act):
    """1.1 is "SEGES e partícipe", but only the partner reports on a continuous goal."""
    assert _followup_of_1_1(act, seges.id, 2025) is None
    assert focal_points.snapshot_deliverable(seges.id, date(2026, 1, 1)) is None


def test_snapshot_follows_the_goals_role_not_its_code(app, users, act):
    mg = users["partner_manager"].institution_id
    goals = {g.code: g for g in act.goals}
    assert goals["1.1"].roles == ["focal_points"]  # set by the import
    goals["1.1"].roles, goals["3.7"].roles = [], ["focal_points"]
    db.session.commit()
    target = focal_points.snapshot_deliverable(mg, date(2026, 1, 1))
    assert (target.goal_id, target.period_key) == (goals["3.7"].id, "R2025")
    db.session.get(Goal, goals["3.7"].id).roles = []
    db.session.commit()
    assert focal_points.snapshot_deliverable(mg, date(2026, 1, 1)) is None


# Views ---------------------------------------------------------------------------------

def test_manager_sees_full_page_with_unmasked_cpf_and_audit(client, users, login):
    focal_point = _name(users)
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.get(f"/instituicoes/{mg}/servidores")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in body
    assert "Servidores indicados" in body and CPF in body
    [event] = _audits("focal_point.cpf_viewed")
    assert event.details == {"focal_points": [focal_point.id]} and event.institution_id == mg


def test_each_view_of_the_list_writes_one_cpf_audit_row_whatever_it_shows(client, users,
                                                                          login):
    """The demo's three servidores used to write three "CPF exibido" rows per visit."""
    shown = [_name(users, purpose=purpose, name=name, cpf=cpf, email=f"{purpose}@mg.test")
             for purpose, name, cpf in [("acompanhamento", "Juliana", CPF),
                                        ("multiplicador", "Mariana", "390.533.447-05"),
                                        ("painel", "Paulo", "111.444.777-35")]]
    login(users["partner_manager"])
    assert client.get("/servidores").status_code == 302  # the menu entry: one redirect
    client.get("/servidores", follow_redirects=True)
    [event] = _audits("focal_point.cpf_viewed")
    assert event.details == {"focal_points": [fp.id for fp in shown]}
    client.htmx(f"/instituicoes/{users['partner_manager'].institution_id}/servidores")
    assert len(_audits("focal_point.cpf_viewed")) == 2  # one more view, one more row


def test_painel_requests_of_several_institutions_write_one_cpf_audit_row(client, users, login):
    mg_fp = _name(users, purpose="painel")
    es = users["other_manager"]
    es_fp = factories.focal_point(es.institution, es, cpf="390.533.447-05", email="p@es.test")
    login(users["seges_admin"])
    body = client.get("/servidores", follow_redirects=True).get_data(as_text=True)
    assert CPF in body and "390.533.447-05" in body
    [event] = _audits("focal_point.cpf_viewed")
    assert sorted(event.details["focal_points"]) == sorted([mg_fp.id, es_fp.id])
    assert event.institution_id == users["seges_admin"].institution_id  # no single one


def test_list_fragment_for_htmx(client, users, login):
    _name(users)
    login(users["partner_member"])
    response = client.htmx(f"/instituicoes/{users['partner_member'].institution_id}/servidores")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="servidores"')
    assert "***.982.247-**" in body and CPF not in body  # a member sees the mask
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    assert _audits("focal_point.cpf_viewed") == []


def test_reviewer_sees_masked_cpf_and_admin_unmasked_with_audit(client, users, login):
    _name(users)
    url = f"/instituicoes/{users['partner_manager'].institution_id}/servidores"
    login(users["seges_reviewer"])
    body = client.get(url).get_data(as_text=True)
    assert "***.982.247-**" in body and CPF not in body
    assert _audits("focal_point.cpf_viewed") == []
    client.post("/logout")
    login(users["seges_admin"])
    assert CPF in client.get(url).get_data(as_text=True)
    [event] = _audits("focal_point.cpf_viewed")
    assert event.actor_id == users["seges_admin"].id


def test_manager_names_a_servidor(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(f"/instituicoes/{mg}/servidores/novo", data=VALID)
    assert response.status_code == 302
    assert db.session.scalar(db.select(FocalPoint.name)) == "Juliana Souza"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cpf", "123.456.789-00", "CPF inválido"),
    ("email", "sem-arroba", "e-mail válido"),
    ("name", "", "Campo obrigatório"),
])
def test_invalid_input_is_422_and_keeps_what_was_typed(client, users, login, field, value,
                                                       message):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    data = {**VALID, field: value}
    response = client.post(f"/instituicoes/{mg}/servidores/novo", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert 'value="Juliana Souza"' in body or field == "name"
    assert 'value="(31) 3915-0101"' in body
    assert db.session.scalar(db.select(db.func.count(FocalPoint.id))) == 0


def test_a_phone_that_is_not_brazilian_is_refused_on_its_field_keeping_the_form(
        client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(f"/instituicoes/{mg}/servidores/novo",
                           data={**VALID, "phone": "31 99999", "cpf": "123.456.789-00"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = {e.attrs["id"]: e.text for e in factories.parse_html(body).iter()
              if e.attrs.get("id", "").endswith("-erro")}
    assert errors["phone-erro"] == ("Telefone inválido: informe um número brasileiro com DDD, "
                                    "como (31) 99999-1234.")
    assert "CPF inválido" in errors["cpf-erro"]  # every error at once
    for typed in ("31 99999", "123.456.789-00", "Juliana Souza", "juliana@mg.test"):
        assert f'value="{typed}"' in body
    assert db.session.scalar(db.select(db.func.count(FocalPoint.id))) == 0


def test_a_valid_phone_is_saved_and_listed_in_the_national_format(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(f"/instituicoes/{mg}/servidores/novo",
                           data={**VALID, "phone": "+55 61 3333-4444"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(FocalPoint.phone)) == "(61) 3333-4444"
    rows = factories.table_rows(client.get(f"/instituicoes/{mg}/servidores").get_data(
        as_text=True), caption="Servidores indicados atualmente")
    assert rows[0]["Telefone"] == "(61) 3333-4444"


def test_edit_form_prefills_and_replaces(client, users, login):
    focal_point = _name(users)
    login(users["partner_manager"])
    form = client.get(f"/servidores/{focal_point.id}/editar").get_data(as_text=True)
    assert f'value="{CPF}"' in form
    response = client.post(f"/servidores/{focal_point.id}/editar",
                           data={**VALID, "name": "Juliana S. Lima"})
    assert response.status_code == 302
    names = db.session.scalars(db.select(FocalPoint.name).order_by(FocalPoint.id)).all()
    assert names == ["Juliana Souza", "Juliana S. Lima"]


def test_end_with_htmx_returns_the_fragment_and_a_toast(client, users, login):
    focal_point = _name(users)
    login(users["partner_manager"])
    response = client.htmx(f"/servidores/{focal_point.id}/encerrar", method="POST")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="servidores"')
    assert "Histórico de indicações" in body and "portal:toast" in response.headers["HX-Trigger"]
    assert db.session.get(FocalPoint, focal_point.id).ended_at is not None


def test_end_without_csrf_is_refused(client, users, login):
    focal_point = _name(users)
    login(users["partner_manager"])
    response = client.post(f"/servidores/{focal_point.id}/encerrar", csrf=False)
    assert response.status_code == 400
    assert db.session.get(FocalPoint, focal_point.id).ended_at is None


def test_member_cannot_manage(client, users, login):
    focal_point = _name(users)
    login(users["partner_member"])
    mg = users["partner_member"].institution_id
    assert client.get(f"/instituicoes/{mg}/servidores/novo").status_code == 403
    assert client.post(f"/instituicoes/{mg}/servidores/novo", data=VALID).status_code == 403
    assert client.post(f"/servidores/{focal_point.id}/encerrar").status_code == 403
    assert client.htmx(f"/servidores/{focal_point.id}/encerrar", method="POST").status_code == 403
    assert "Indicar servidor" not in client.get(f"/instituicoes/{mg}/servidores").get_data(
        as_text=True)


def test_other_state_manager_is_refused_everywhere(client, users, login):
    focal_point = _name(users, purpose="painel")
    mg = users["partner_manager"].institution_id
    login(users["other_manager"])
    for url in (f"/instituicoes/{mg}/servidores", f"/instituicoes/{mg}/servidores/novo",
                f"/servidores/{focal_point.id}/editar"):
        assert client.get(url).status_code == 403, url
        assert client.htmx(url).status_code == 403, url
    for url in (f"/servidores/{focal_point.id}/encerrar", f"/instituicoes/{mg}/servidores/anexar",
                f"/servidores/{focal_point.id}/acesso-concedido"):
        assert client.post(url).status_code == 403, url
    assert client.get("/servidores/painel").status_code == 403
    assert db.session.get(FocalPoint, focal_point.id).ended_at is None


def test_first_layer_manager_reads_adherent_list_masked(client, users, login):
    adherent = factories.institution(name="Prefeitura de Contagem", uf="MG",
                                     parent_id=users["partner_manager"].institution_id)
    adherent_manager = factories.user("gestor@contagem.test", "partner_manager", adherent)
    focal_points.create(adherent, by=adherent_manager, **VALID)
    login(users["partner_manager"])
    response = client.get(f"/instituicoes/{adherent.id}/servidores")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "***.982.247-**" in body and CPF not in body
    assert client.get(f"/instituicoes/{adherent.id}/servidores/novo").status_code == 403


def test_painel_page_grant_and_notification_flow(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    client.post(f"/instituicoes/{mg}/servidores/novo", data={**VALID, "purpose": "painel"})
    client.post("/logout")
    focal_point = db.session.scalar(db.select(FocalPoint))
    login(users["seges_reviewer"])
    body = client.get("/servidores/painel").get_data(as_text=True)
    assert "Juliana Souza" in body and "***.982.247-**" in body
    assert "Marcar acesso concedido" not in body  # reviewers only see the queue
    assert client.post(f"/servidores/{focal_point.id}/acesso-concedido").status_code == 403
    client.post("/logout")
    login(users["seges_admin"])
    page = client.get("/servidores/painel")
    assert page.status_code == 200 and CPF in page.get_data(as_text=True)
    fragment = client.htmx("/servidores/painel").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="pedidos-painel"')
    assert client.get("/servidores").headers["Location"].endswith("/servidores/painel")
    response = client.post(f"/servidores/{focal_point.id}/acesso-concedido")
    assert response.status_code == 302
    assert "Nenhum pedido de acesso pendente" in client.get("/servidores/painel").get_data(
        as_text=True)
    client.post("/logout")
    login(users["partner_manager"])
    notes = client.get("/notificacoes").get_data(as_text=True)
    assert "acesso ao Painel Gerencial" in notes
    listing = client.get(f"/instituicoes/{mg}/servidores").get_data(as_text=True)
    assert "Acesso concedido em" in listing


def test_one_click_csv_snapshot_is_attached_to_1_1(client, users, login, act, app):
    _name(users)
    _name(users, purpose="multiplicador", name="Mariana", cpf="390.533.447-05",
          email="mariana@mg.test")
    mg = users["partner_manager"].institution_id
    login(users["partner_manager"])
    assert client.get("/servidores").headers["Location"].endswith(f"/instituicoes/{mg}/servidores")
    # The open deliverable due first is R2025 (01/10/2025 to 02/03/2026), late or not.
    target = _followup_of_1_1(act, mg, 2025)
    assert clock.today() >= target.opens_on
    page = client.get(f"/instituicoes/{mg}/servidores").get_data(as_text=True)
    assert "Anexar esta lista à meta 1.1 (Relato de acompanhamento de 2025)" in page
    response = client.post(f"/instituicoes/{mg}/servidores/anexar")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/entregas/{target.id}")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Lista anexada ao rascunho da meta 1.1 (Relato de acompanhamento de 2025): "
            f"servidores-indicados-{clock.today().isoformat()}.csv.") in shown
    evidence = db.session.scalar(db.select(Evidence))
    assert evidence.submission.deliverable_id == target.id and evidence.kind == "file"
    assert evidence.original_name == f"servidores-indicados-{clock.today().isoformat()}.csv"
    assert evidence.content_type == "text/csv"
    with storage().open(evidence.stored_name) as fh:
        text = fh.read().decode("utf-8-sig")
    assert text.splitlines()[0] == "Finalidade;Nome;CPF;Telefone;E-mail;Desde"
    assert "Juliana Souza;***.982.247-**;(31) 3915-0101;juliana@mg.test" in text
    assert "Mariana;***.533.447-**" in text and "52998224725" not in text


NO_OPEN_REPORT = "Não há relato aberto da meta de indicação de servidores"


def test_snapshot_without_an_open_1_1_says_so(client, users, login):
    _name(users)
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(f"/instituicoes/{mg}/servidores/anexar", follow_redirects=True)
    assert NO_OPEN_REPORT in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


def test_snapshot_when_every_open_1_1_report_was_sent_says_so(client, users, login, act):
    _name(users)
    mg = users["partner_manager"].institution_id
    opened = [d for d in (_followup_of_1_1(act, mg, year) for year in range(2025, 2031))
              if d.opens_on <= clock.today()]
    assert opened  # R2025 opened on 01/10/2025
    for deliverable in opened:
        deliverable.status = "submitted"
    db.session.commit()
    login(users["partner_manager"])
    page = client.get(f"/instituicoes/{mg}/servidores").get_data(as_text=True)
    assert "Anexar esta lista" not in page
    response = client.post(f"/instituicoes/{mg}/servidores/anexar", follow_redirects=True)
    assert NO_OPEN_REPORT in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


def test_institution_page_links_to_focal_points(client, users, login):
    login(users["partner_member"])
    mg = users["partner_member"].institution_id
    body = client.get(f"/instituicoes/{mg}").get_data(as_text=True)
    assert f"/instituicoes/{mg}/servidores" in body and "Servidores indicados" in body
