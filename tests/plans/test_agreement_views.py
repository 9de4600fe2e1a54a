"""Agreement pages: list, detail, edit, goal schedule, plan import and adhesions."""

import io
from datetime import date
from pathlib import Path

import pytest

from portal.agreements.models import Agreement, Goal
from portal.agreements.services import agreements_of
from portal.core.models import AuditEvent
from portal.deliverables.models import Deliverable
from portal.deliverables.services import next_due_dates
from portal.extensions import db
from portal.institutions.models import Institution
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from portal.schedule import engine as schedule
from portal.schedule.engine import describe_schedule
from tests import clock, factories

ADHESION = {
    "name": "Prefeitura Municipal de Contagem",
    "acronym": "PMC",
    "cnpj": "18.715.391/0001-96",
    "sphere": "municipal",
    "uf": "MG",
    "signed_on": "2025-11-20",
}


@pytest.fixture
def act(users) -> Agreement:
    """MG's ACT 160/2025, imported from the seed plan (reuses SEGES and MG by CNPJ)."""
    agreement, created = plans.import_plan(
        parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5
    )
    assert created
    return agreement


def _seed_text() -> str:
    return read_seed_plan().decode("utf-8")


def _deliverables(goal_id: int) -> list[Deliverable]:
    return list(db.session.scalars(db.select(Deliverable).where(Deliverable.goal_id == goal_id)))


# List ------------------------------------------------------------------------


def test_list_full_page_and_fragment(client, users, login, act):
    login(users["seges_reviewer"])
    page = client.get("/acordos")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<html" in body and "Acordos da Rede" in body and 'id="tabela-acordos"' in body
    assert "ACT nº 160/2025" in body and "01/10/2025 a 30/09/2030" in body
    assert factories.table_row(body, "ACT nº 160/2025")["Metas"] == "23"
    fragment = client.htmx("/acordos?q=160")
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and "ACT nº 160/2025" in text
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=160%2F2025", True),
        ("q=minas+gerais", True),
        ("q=SCC", True),
        ("q=19973.011749", True),
        ("q=1997301174920", True),
        ("q=999%2F2099", False),
        ("kind=ACT", True),
        ("kind=TA", False),
        ("uf=MG", True),
        ("uf=ES", False),
        ("elo=Estados", True),
        ("elo=Municípios", False),
        ("status=vigente", True),
        ("status=encerrado", False),
        ("status=a_iniciar", False),
    ],
)
def test_list_filters(client, users, login, act, query, found):
    login(users["seges_admin"])
    body = client.htmx(f"/acordos?{query}").get_data(as_text=True)
    assert ("ACT nº 160/2025" in body) is found, query


def test_status_filter_is_computed_from_the_term(client, users, login, act):
    act.term_start, act.term_end = date(2030, 1, 1), date(2034, 12, 31)
    db.session.commit()
    login(users["seges_admin"])
    assert "ACT nº 160/2025" in client.htmx("/acordos?status=a_iniciar").get_data(as_text=True)
    assert "A iniciar" in client.get("/acordos").get_data(as_text=True)


def test_partners_cannot_list_agreements(client, users, login, act):
    login(users["partner_manager"])
    assert client.get("/acordos").status_code == 403
    assert client.htmx("/acordos").status_code == 403


# Detail ------------------------------------------------------------------------


def test_agreement_page_groups_the_23_goals_and_shows_next_due(client, users, login, act):
    login(users["seges_admin"])
    response = client.get(f"/acordos/{act.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Acordo de Cooperação Técnica nº 160/2025" in body
    assert "Metas (23)" in body
    for heading in (
        "Eixo 1 — Melhoria da Gestão",
        "Eixo 2 — Capacitação",
        "Eixo 3 — Comunicação e Transparência",
        "Eixos combinados",
    ):
        assert heading in body
    assert "19973.011749/2025-70" in body and "SIAPE 1458895" in body
    assert "Uma vez, até 15 dias após o início" in body
    assert "Quando convocado (reunião)" in body
    assert "Anual (mínimo de 60 h por ano civil)" in body
    assert "Contínua, durante a vigência (sem prazo no plano)" in body
    assert "Contínua, a partir do início da vigência (sem prazo no plano)" in body
    assert "Contínua, conforme a norma vigente (sem prazo no plano)" in body
    # The 13 continuous goals other than the annual report (1.1, 1.3–1.6, 2.3, 3.1, 3.3,
    # 3.7, C.2, C.3, C.5, C.6) are "em andamento", never dated by the plan.
    assert body.count("Contínua · em andamento") == 13
    assert body.count("Um por ano · toda a Rede") == 1
    # Next deadlines, of any owner (SEGES sees all): the earliest still owed, late or not.
    today = clock.today()
    for code, due in (("1.2", date(2025, 10, 16)), ("2.2", date(2025, 12, 31)),
                      ("2.1", date(2026, 9, 30))):
        row = _goal_row(body, code)
        assert due.strftime("%d/%m/%Y") in row, code
        assert ("Atrasada" in row) is (due < today), code
    assert "próximo fechamento em 31/03/2026" in _goal_row(body, "3.6")
    assert _goal_row(body, "1.7").count("—") == 1  # nothing owed until SEGES convenes
    assert body.count("/editar") >= 24  # the agreement and each goal
    fragment = client.htmx(f"/acordos/{act.id}").get_data(as_text=True)
    assert "<html" not in fragment and "Metas (23)" in fragment


def test_next_due_date_is_the_viewers_own(client, users, login, act):
    """Goal 1.2 (partner, once 15 days after start) is due 16/10/2025, or later if past."""
    goal = next(g for g in act.goals if g.code == "1.2")
    due = _deliverables(goal.id)[0].due_on
    login(users["partner_member"])
    body = client.get(f"/acordos/{act.id}").get_data(as_text=True)
    if due >= clock.today():
        assert due.strftime("%d/%m/%Y") in body
    assert "Registrar adesão" not in body and "/editar" not in body


def test_next_due_is_one_aggregate_query(app, act):
    today = date(2025, 10, 1)
    dates = next_due_dates(act, today=today)
    partner_dates = next_due_dates(act, today=today, institution_id=act.partner_id)
    codes = {g.id: g.code for g in act.goals}
    assert {codes[i] for i in dates} >= {"1.2", "C.1", "2.1"}
    assert "C.1" not in {codes[i] for i in partner_dates}  # C.1 is SEGES's alone
    assert dates[next(i for i, c in codes.items() if c == "1.2")].due_on == date(2025, 10, 16)


def _goal_row(body: str, code: str) -> str:
    """The text of the agreement page's table row of one goal, cell by cell."""
    [row] = [r for r in factories.table_rows(body) if r.get("Meta") == code]
    return " | ".join(row.values())


def test_a_late_deliverable_is_the_goals_next_deadline_marked_late(client, users, login, act):
    """Goal 1.2's only deliverable (16/10/2025) is past due: the page shows that date as
    late, not "—" (nor the next future date). Once sent, it is no longer owed."""
    goal = next(g for g in act.goals if g.code == "1.2")
    (item,) = [d for d in _deliverables(goal.id) if d.institution_id == act.partner_id]
    assert item.due_on < clock.today() and item.status == "pending"
    for user in (users["partner_member"], users["seges_admin"]):
        login(user)
        body = client.get(f"/acordos/{act.id}").get_data(as_text=True)
        [row] = [r for r in factories.table_rows(body) if r.get("Meta") == "1.2"]
        assert row["Próximo prazo"] == f"{item.due_on:%d/%m/%Y} Atrasada"
        client.post("/logout")
    member = users["partner_member"]
    factories.submitted(item, member, "Indicamos Ana.")
    login(member)
    row = _goal_row(client.get(f"/acordos/{act.id}").get_data(as_text=True), "1.2")
    assert item.due_on.strftime("%d/%m/%Y") not in row and "atrasada" not in row.lower()


def test_a_continuous_goal_is_in_progress_and_shows_its_last_report(client, users, login,
                                                                       act):
    """1.1 "Durante a vigência": no plan deadline, only the partner's yearly follow-up
    (R2025 due 02/03/2026, R2026 due 01/03/2027); once a report is sent, the row shows it."""
    member, today = users["partner_member"], clock.today()
    goal = _goal(act, "1.1")
    (r2025,) = [d for d in _deliverables(goal.id) if d.period_key == "R2025"]
    login(member)
    row = _goal_row(client.get(f"/acordos/{act.id}").get_data(as_text=True), "1.1")
    assert "Contínua · em andamento" in row and "Sem prazo no plano." in row
    assert "Nenhum relato enviado." in row and "Último relato" not in row
    assert "Relato de acompanhamento (SEGES): 02/03/2026" in row
    assert ("— atrasado" in row) is (date(2026, 3, 2) < today)
    assert "Atrasada" not in row  # never late against the plan
    factories.submitted(r2025, member, "Servidores indicados e atuantes.")
    for user in (member, users["seges_admin"]):
        client.post("/logout")
        login(user)
        body = client.get(f"/acordos/{act.id}").get_data(as_text=True)
        row = _goal_row(body, "1.1")
        assert "Contínua · em andamento" in row and "Nenhum relato enviado." not in row
        assert f"Último relato: {today:%d/%m/%Y} (em análise)." in row
        assert (f"{today:%d/%m/%Y}", f"/entregas/{r2025.id}") in factories.links(body)
        assert "Relato de acompanhamento (SEGES): 01/03/2027" in row  # R2026, the next one
        assert ("— atrasado" in row) is (date(2027, 3, 1) < today)
    # SEGES's own continuous duty (1.3) has no follow-up: reported in the annual report.
    row = _goal_row(client.get(f"/acordos/{act.id}").get_data(as_text=True), "1.3")
    assert "Contínua · em andamento" in row and "Sem prazo no plano." in row
    assert "Nenhum relato enviado." not in row and "Relato de acompanhamento" not in row


def test_the_annual_report_row_is_the_networks_and_seges(client, users, login, act):
    login(users["partner_member"])
    row = _goal_row(client.get(f"/acordos/{act.id}").get_data(as_text=True), "3.6")
    assert "Um por ano · toda a Rede" in row and "Contínua · em andamento" not in row
    assert "Relatório Anual da Rede, da SEGES." in row  # the partner owes none of it
    client.post("/logout")
    login(users["seges_reviewer"])
    row = _goal_row(client.get(f"/acordos/{act.id}").get_data(as_text=True), "3.6")
    assert "Relatório Anual da Rede, da SEGES: próximo fechamento em 31/03/2026." in row


def test_next_due_with_late_items_is_still_one_query(app, act):
    partner_id = act.partner_id  # (loads ``act`` before counting)
    found = {}
    statements = factories.statements(lambda: found.update(
        dates=next_due_dates(act, today=clock.today(), institution_id=partner_id)))
    dates = found["dates"]
    assert len(statements) == 1
    late = [d for d in dates.values() if d.is_late]
    assert late and all(d.due_on < clock.today() for d in late)


def test_partner_manager_sees_own_agreement_and_the_adhesion_button(client, users, login, act):
    login(users["partner_manager"])
    body = client.get(f"/acordos/{act.id}").get_data(as_text=True)
    assert "Registrar adesão" in body and "Metas (23)" in body


def test_home_links_the_partner_to_its_agreement(client, users, login, act):
    login(users["partner_member"])
    body = client.get("/").get_data(as_text=True)
    assert "Meu acordo" in body and f"/acordos/{act.id}" in body


def test_other_state_is_refused_everywhere(client, users, login, act):
    """IDOR: ES's manager gets 403 on MG's agreement page, fragment, edit and adhesion routes."""
    login(users["other_manager"])
    goal = act.goals[0]
    for url in (
        f"/acordos/{act.id}",
        f"/acordos/{act.id}/editar",
        f"/acordos/{act.id}/metas/{goal.id}/editar",
        f"/acordos/{act.id}/adesoes/nova",
    ):
        assert client.get(url).status_code == 403, url
        assert client.htmx(url).status_code == 403, url
    assert client.post(f"/acordos/{act.id}/adesoes/nova", data=ADHESION).status_code == 403
    assert db.session.scalar(db.select(Agreement).where(Agreement.kind == "TA")) is None


def test_unknown_agreement_is_404(client, users, login):
    login(users["seges_admin"])
    assert client.get("/acordos/999").status_code == 404


# Adhesions ---------------------------------------------------------------------


def test_member_cannot_register_an_adhesion(client, users, login, act):
    login(users["partner_member"])
    assert client.get(f"/acordos/{act.id}/adesoes/nova").status_code == 403
    assert client.post(f"/acordos/{act.id}/adesoes/nova", data=ADHESION).status_code == 403


def test_manager_registers_an_adhesion(client, users, login, act):
    login(users["partner_manager"])
    assert client.get(f"/acordos/{act.id}/adesoes/nova").status_code == 200
    response = client.post(f"/acordos/{act.id}/adesoes/nova", data=ADHESION)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/acordos/{act.id}")
    adherent = db.session.scalar(db.select(Institution).where(Institution.acronym == "PMC"))
    assert adherent.parent_id == act.partner_id and adherent.cnpj == "18715391000196"
    adhesion = db.session.scalar(db.select(Agreement).where(Agreement.partner_id == adherent.id))
    assert adhesion.kind == "TA" and adhesion.parent_id == act.id
    assert sorted(g.code for g in adhesion.goals) == [
        "1.1",
        "1.5",
        "1.6",
        "2.1",
        "2.2",
        "2.3",
        "3.2",
        "3.3",
        "3.4",
        "3.5",
    ]
    c4 = next(g for g in act.goals if g.code == "C.4")
    (informed,) = _deliverables(c4.id)
    assert informed.institution_id == act.partner_id and informed.due_on == date(2025, 12, 10)
    page = client.get(f"/acordos/{act.id}").get_data(as_text=True)
    assert "Adesão de Prefeitura Municipal de Contagem registrada" in page
    assert "Prefeitura Municipal de Contagem (PMC)" in page and "20/11/2025" in page
    # The first layer sees the adhesion, read-only; the adhesion itself has no adhesions.
    adhesion_page = client.get(f"/acordos/{adhesion.id}").get_data(as_text=True)
    assert "Termo de Adesão" in adhesion_page and "Metas (10)" in adhesion_page
    assert client.get(f"/acordos/{adhesion.id}/adesoes/nova").status_code == 403
    # ES's manager does not see it.
    client.post("/logout")
    login(users["other_manager"])
    assert client.get(f"/acordos/{adhesion.id}").status_code == 403


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cnpj": "18.715.391/0001-97"}, "CNPJ inválido"),
        ({"signed_on": "2031-01-10"}, "A data de assinatura deve estar dentro da vigência"),
        ({"signed_on": "31/02/2026"}, "Data inválida"),
        ({"name": ""}, "Campo obrigatório."),
    ],
)
def test_invalid_adhesion_is_422_and_keeps_the_input(client, users, login, act, change, message):
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/adesoes/nova", data={**ADHESION, **change})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert 'value="PMC"' in body
    assert db.session.scalar(db.select(Agreement).where(Agreement.kind == "TA")) is None


def test_adhesion_post_without_csrf_is_refused(client, users, login, act):
    login(users["partner_manager"])
    response = client.post(f"/acordos/{act.id}/adesoes/nova", data=ADHESION, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(db.select(Agreement).where(Agreement.kind == "TA")) is None


# Edit agreement ------------------------------------------------------------------


def _agreement_form(**changes) -> dict:
    data = {
        "number": "160/2025",
        "work_plan_number": "01/2025",
        "sei_process": "19973.011749/2025-70",
        "object": "Cooperação técnica.",
        "signed_on": "2025-09-24",
        "term_start": "2025-10-01",
        "years": "",
        "term_end": "2030-09-30",
    }
    return {**data, **changes}


def test_edit_agreement_form_is_prefilled(client, users, login, act):
    login(users["seges_admin"])
    body = client.get(f"/acordos/{act.id}/editar").get_data(as_text=True)
    assert 'value="19973.011749/2025-70"' in body and 'value="2030-09-30"' in body


def test_invalid_sei_process_is_422(client, users, login, act):
    login(users["seges_admin"])
    response = client.post(
        f"/acordos/{act.id}/editar", data=_agreement_form(sei_process="19973.011749/2025-71")
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Número de processo SEI inválido: confira os dígitos verificadores." in body
    assert "Cooperação técnica." in body


def test_term_needs_years_or_end(client, users, login, act):
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/editar", data=_agreement_form(term_end=""))
    assert response.status_code == 422
    assert "Informe a vigência em anos ou a data de fim." in response.get_data(as_text=True)


def test_extending_the_term_adds_deliverables_and_is_audited(client, users, login, act):
    before = db.session.scalar(db.select(db.func.count(Deliverable.id)))
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/editar", data=_agreement_form(years="6"))
    assert response.status_code == 302
    agreement = db.session.get(Agreement, act.id)
    assert agreement.term_end == date(2031, 9, 30) and agreement.object == "Cooperação técnica."
    after = db.session.scalar(db.select(db.func.count(Deliverable.id)))
    assert after > before
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "agreement.updated"))
    assert event.details["changes"]["term_end"] == "2031-09-30"
    assert event.details["deliverables_created"] == after - before


def test_reviewer_cannot_edit(client, users, login, act):
    login(users["seges_reviewer"])
    assert client.post(f"/acordos/{act.id}/editar", data=_agreement_form()).status_code == 403


# Edit goal -----------------------------------------------------------------------


def _goal(act: Agreement, code: str) -> Goal:
    return next(g for g in act.goals if g.code == code)


def test_goal_form_shows_the_schedule(client, users, login, act):
    goal = _goal(act, "1.2")
    login(users["seges_admin"])
    body = client.get(f"/acordos/{act.id}/metas/{goal.id}/editar").get_data(as_text=True)
    assert 'value="15"' in body and '<option selected value="once_after_start">' in body


def test_goal_with_invalid_days_is_422(client, users, login, act):
    goal = _goal(act, "1.2")
    login(users["seges_admin"])
    response = client.post(
        f"/acordos/{act.id}/metas/{goal.id}/editar",
        data={
            "description": goal.description,
            "deadline_text": "Até 15 dias",
            "responsible": "partner",
            "kind": "once_after_start",
            "days": "quinze",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O número de dias deve ser um inteiro entre 0 e 3660." in body
    assert 'id="days-erro"' in body and 'value="quinze"' in body


def test_goal_schedule_change_regenerates_deliverables(client, users, login, act):
    goal = _goal(act, "3.4")  # annual, partner
    assert len(_deliverables(goal.id)) == 5
    login(users["seges_admin"])
    response = client.post(
        f"/acordos/{act.id}/metas/{goal.id}/editar",
        data={
            "description": goal.description,
            "deadline_text": "Semestral",
            "responsible": "partner",
            "applies_to_adherents": "y",
            "kind": "periodic",
            "months": "6",
        },
    )
    assert response.status_code == 302
    saved = db.session.get(Goal, goal.id)
    assert saved.schedule == {"kind": "periodic", "months": 6}
    assert saved.deadline_text == "Semestral"
    future = [d for d in _deliverables(goal.id) if d.due_on >= clock.today()]
    assert future and all(d.period_key.startswith("P") for d in future)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "goal.updated"))


def _checked_roles(body: str) -> set[str]:
    """The goal roles ticked on the form."""
    return {box.attrs["value"] for box in factories.parse_html(body).iter("input")
            if box.attrs.get("name") == "roles" and "checked" in box.attrs}


def test_goal_roles_are_shown_and_edited_on_the_goal_page(client, users, login, act):
    goal = _goal(act, "1.1")
    url = f"/acordos/{act.id}/metas/{goal.id}/editar"
    login(users["seges_admin"])
    body = client.get(url).get_data(as_text=True)
    assert "Papéis da meta no portal" in body
    assert _checked_roles(body) == {"focal_points"}
    assert 'value="annual_report"' in body and 'value="meetings"' in body
    before = len(_deliverables(goal.id))
    data = {
        "description": goal.description,
        "deadline_text": goal.deadline_text,
        "responsible": "both",
        "applies_to_adherents": "y",
        "kind": "during_term",
        "roles": ["focal_points", "forums"],
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = db.session.get(Goal, goal.id)
    assert saved.roles == ["forums", "focal_points"]  # in the portal's order of roles
    assert saved.has_role("forums") and saved.has_role("focal_points")
    assert len(_deliverables(goal.id)) == before  # roles alone regenerate nothing
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "goal.updated"))
    assert event.details["changes"] == {"roles": ["forums", "focal_points"]}
    assert _checked_roles(client.get(url).get_data(as_text=True)) == {"forums", "focal_points"}
    # No box ticked: no role.
    assert client.post(url, data={k: v for k, v in data.items() if k != "roles"}
                       ).status_code == 302
    assert db.session.get(Goal, goal.id).roles == []
    # A role the portal does not know is refused and nothing changes.
    response = client.post(url, data={**data, "roles": ["focal_points", "chefe"]})
    assert response.status_code == 422
    assert "não é uma escolha válida" in response.get_data(as_text=True)
    assert db.session.get(Goal, goal.id).roles == []


def test_partners_cannot_edit_goal_roles(client, users, login, act):
    goal = _goal(act, "3.4")
    login(users["partner_manager"])
    response = client.post(f"/acordos/{act.id}/metas/{goal.id}/editar", data={
        "description": goal.description, "deadline_text": goal.deadline_text,
        "responsible": "partner", "kind": "annual", "roles": ["annual_report"]})
    assert response.status_code == 403
    assert db.session.get(Goal, goal.id).roles == ["forums"]


def test_goal_of_another_agreement_is_404(client, users, login, act):
    login(users["seges_admin"])
    assert client.get(f"/acordos/{act.id + 1}/metas/{act.goals[0].id}/editar").status_code == 404


# Import --------------------------------------------------------------------------


def test_import_form(client, users, login):
    login(users["seges_admin"])
    body = client.get("/acordos/importar").get_data(as_text=True)
    assert "Importar Plano de Trabalho" in body and 'type="file"' in body


def test_import_preview_with_pasted_text(client, users, login):
    login(users["seges_admin"])
    response = client.post("/acordos/importar", data={"text": _seed_text()})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Pré-visualização" in body and "Metas (23)" in body
    assert "br-message warning" in body
    assert "“21” na lista de metas dos aderentes foi lido como 2.1" in body
    assert "Eixos combinados" in body and "CNPJ válido" in body
    assert "Uma vez, até 15 dias após o início" in body
    assert "Confirmar importação" in body and "Processo SEI-MGI nº" in body  # text kept
    assert db.session.scalar(db.select(Agreement)) is None  # nothing written


def test_import_preview_from_an_uploaded_file(client, users, login):
    login(users["seges_admin"])
    response = client.post(
        "/acordos/importar",
        data={"file": (io.BytesIO(read_seed_plan()), "plano.txt"), "text": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Metas (23)" in response.get_data(as_text=True)


def test_import_refuses_other_file_types(client, users, login):
    login(users["seges_admin"])
    response = client.post(
        "/acordos/importar",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "plano.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Envie um arquivo .txt ou .html." in response.get_data(as_text=True)


def test_import_garbage_is_422_with_a_clear_message(client, users, login):
    login(users["seges_admin"])
    response = client.post("/acordos/importar", data={"text": "lista de compras: pão, leite"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O arquivo não é um Plano de Trabalho" in body
    assert "lista de compras: pão, leite" in body
    empty = client.post("/acordos/importar", data={"text": "  "})
    assert empty.status_code == 422
    assert "Envie o arquivo ou cole o texto" in empty.get_data(as_text=True)


def test_confirm_needs_a_start_date(client, users, login):
    login(users["seges_admin"])
    response = client.post(
        "/acordos/importar", data={"text": _seed_text(), "years": "5", "confirm": "1"}
    )
    assert response.status_code == 422
    assert "Informe o início da vigência para importar." in response.get_data(as_text=True)


def test_confirm_imports_once(client, users, login):
    login(users["seges_admin"])
    data = {"text": _seed_text(), "start": "2025-10-01", "years": "5", "number": "", "confirm": "1"}
    response = client.post("/acordos/importar", data=data)
    assert response.status_code == 302
    agreement = db.session.scalar(db.select(Agreement))
    assert response.headers["Location"].endswith(f"/acordos/{agreement.id}")
    assert agreement.partner_id == users["partner_manager"].institution_id
    assert len(agreement.goals) == 23 and agreement.term_end == date(2030, 9, 30)
    count = db.session.scalar(db.select(db.func.count(Deliverable.id)))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"23 metas e {count} entregas criada(s)" in page
    again = client.post("/acordos/importar", data=data)
    assert again.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Deliverable.id))) == count
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "já existia e o plano não mudou; nada foi duplicado" in page


def test_number_override_creates_another_agreement(client, users, login, act):
    login(users["seges_admin"])
    response = client.post(
        "/acordos/importar",
        data={
            "text": _seed_text(),
            "start": "2025-10-01",
            "years": "5",
            "number": "161/2025",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) == 2


def test_only_admins_import(client, users, login):
    login(users["seges_reviewer"])
    assert client.post("/acordos/importar", data={"text": _seed_text()}).status_code == 403


def test_import_without_csrf_is_refused(client, users, login):
    login(users["seges_admin"])
    response = client.post("/acordos/importar", data={"text": _seed_text()}, csrf=False)
    assert response.status_code == 400


# describe_schedule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        ({"kind": "once_after_start", "days": 15}, "Uma vez, até 15 dias após o início"),
        (
            {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"},
            "Uma vez, até 30 dias úteis após a assinatura",
        ),
        ({"kind": "at_start"}, "Contínua, a partir do início da vigência (sem prazo no plano)"),
        ({"kind": "during_term"}, "Contínua, durante a vigência (sem prazo no plano)"),
        ({"kind": "per_regulation"}, "Contínua, conforme a norma vigente (sem prazo no plano)"),
        ({"kind": "annual"}, "Anual"),
        ({"kind": "annual", "min_hours": 60}, "Anual (mínimo de 60 h por ano civil)"),
        (
            {"kind": "annual", "also_on": "course_schedule_change"},
            "Anual e a cada alteração nos cursos",
        ),
        (
            {"kind": "annual", "min_hours": 40, "also_on": "course_schedule_change"},
            "Anual (mínimo de 40 h por ano civil) e a cada alteração nos cursos",
        ),
        ({"kind": "periodic", "months": 3}, "Trimestral"),
        ({"kind": "on_call", "trigger": "meeting"}, "Quando convocado (reunião)"),
        ({"kind": "on_call", "trigger": "request"}, "Quando convocado (solicitação)"),
        (
            {"kind": "monthly_after_event", "day": 10, "event": "adhesion"},
            "Até o dia 10 do mês seguinte a cada adesão",
        ),
        ({"kind": "manual"}, "Definir manualmente"),
        ({}, "Definir manualmente"),
    ],
)
def test_describe_schedule(schedule, text):
    assert describe_schedule(schedule) == text


def test_agreements_of_is_empty_without_an_agreement(users):
    """An institution without agreements has no 'Meu acordo' (agreements_of is empty)."""
    lone = factories.institution(name="Sem acordo", uf="ES")
    assert agreements_of(lone.id) == []


# Query counts ----------------------------------------------------------------------


def test_pages_do_not_grow_their_query_count(client, users, login, act):
    login(users["seges_admin"])
    plans.register_adhesion(
        act,
        by=None,
        signed_on=date(2025, 11, 3),
        **{k: v for k, v in ADHESION.items() if k not in {"signed_on", "cnpj"}},
        cnpj=factories.valid_cnpj(),
    )
    page_before = factories.queries_for(client, f"/acordos/{act.id}")
    list_before = factories.queries_for(client, "/acordos")
    for n in range(3):
        plans.register_adhesion(
            act,
            by=None,
            name=f"Prefeitura {n}",
            cnpj=factories.valid_cnpj(),
            sphere="municipal",
            uf="MG",
            signed_on=date(2025, 11, 4 + n),
        )
    assert factories.queries_for(client, f"/acordos/{act.id}") == page_before
    assert factories.queries_for(client, "/acordos") == list_before


def test_signed_term_is_uploaded_with_the_adhesion_and_downloaded_by_who_may_see_it(
        client, users, login, act):
    login(users["partner_manager"])
    response = client.post(f"/acordos/{act.id}/adesoes/nova", data={
        "name": "Prefeitura de Contagem", "acronym": "PMC", "cnpj": "18.715.508/0001-31",
        "sphere": "municipal", "uf": "MG", "signed_on": "2026-03-16",
        "document": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "termo.pdf")})
    assert response.status_code == 302
    adhesion = db.session.scalar(db.select(Agreement).where(Agreement.parent_id == act.id))
    url = f"/acordos/{adhesion.id}/termo-assinado"
    download = client.get(url)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    client.post("/logout")
    login(users["other_manager"])
    assert client.get(url).status_code == 403


def test_a_signed_term_that_is_not_a_pdf_is_422_and_keeps_the_input(client, users, login, act):
    login(users["partner_manager"])
    response = client.post(f"/acordos/{act.id}/adesoes/nova", data={
        "name": "Prefeitura de Betim", "cnpj": "18.715.383/0001-40", "sphere": "municipal",
        "uf": "MG", "signed_on": "2026-03-16",
        "document": (io.BytesIO(b"MZ\x90\x00" * 10), "termo.pdf")})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "deve ser um arquivo PDF" in body or "não é de um tipo permitido" in body
    assert 'value="Prefeitura de Betim"' in body


def test_shortening_the_term_removes_only_future_untouched_deliverables(client, users, login,
                                                                        act):
    """2.2 counts by calendar year (C2025 … C2030, the last due 30/09/2030). Shortening the
    term to 2 years (to 30/09/2027) drops the untouched years still to come and clips 2027;
    the year someone started (2030, a draft) stays."""
    today = clock.today()
    if today > date(2027, 12, 31):  # by then C2027 (due 31/12/2027) would be past, and kept
        pytest.skip("the expected rows below are those of a run before 2028")
    mg = users["partner_manager"].institution_id

    def rows(code):
        return db.session.scalars(
            db.select(Deliverable).join(Goal)
            .where(Goal.agreement_id == act.id, Goal.code == code,
                   Deliverable.institution_id == mg)
            .order_by(Deliverable.due_on)).all()

    started = rows("2.2")[-1]
    assert started.period_key == "C2030" and started.due_on == date(2030, 9, 30)
    started.status = "draft"
    db.session.commit()
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/editar", data=_agreement_form(years="2"))
    assert response.status_code == 302
    assert [(d.period_key, d.opens_on, d.due_on) for d in rows("2.2")] == [
        ("C2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("C2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("C2027", date(2027, 1, 1), date(2027, 9, 30)),
        ("C2030", date(2030, 1, 1), date(2030, 9, 30)),
    ]
    assert db.session.get(Deliverable, started.id).status == "draft"  # work is never dropped
    # The partner's follow-ups of 1.1 now stop at the last year the term touches, 2027.
    assert [d.period_key for d in rows("1.1")] == ["R2025", "R2026", "R2027"]


def _form_as_sent(markup: str) -> dict:
    """What a browser submits from the page's form untouched: inputs' values, checked boxes,
    each select's selected option (or its first)."""
    root = factories.parse_html(markup)
    form = next(f for f in root.iter("form") if f.attrs.get("method") == "post"
                and "/metas/" in f.attrs.get("action", ""))
    data: dict = {}
    for control in form.iter("input", "select", "textarea"):
        name = control.attrs.get("name")
        if not name:
            continue
        if control.tag == "select":
            options = list(control.iter("option"))
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            data[name] = [o.attrs.get("value", o.text) for o in chosen]
        elif control.attrs.get("type") == "checkbox":
            if "checked" in control.attrs:
                data.setdefault(name, []).append(control.attrs.get("value", "y"))
        elif control.tag == "textarea":
            data[name] = control.text
        else:
            data[name] = control.attrs.get("value", "")
    return data


@pytest.mark.parametrize("goal_schedule", [
    {"kind": "after_event", "days": 30, "business_days": False, "event": "adhesion"},
    {"kind": "before_end", "days": 60, "business_days": False},
    {"kind": "after_end", "months": 2, "business_days": False},
    {"kind": "fixed_date", "date": "2026-03-31"},
    {"kind": "annual_date", "month": 3, "day": 15, "also_on": "request"},
    {"kind": "periodic", "months": 4, "due_day": 5, "business_days": True},
    {"kind": "periodic", "months": 3, "days_after": 20, "also_on": "meeting"},
    {"kind": "once_after_start", "months": 6, "business_days": False, "from": "publication"},
    {"kind": "at_start", "from": "signature"},
    {"kind": "monthly_after_event", "day": 10, "event": "adhesion"},
    {"kind": "before_end", "days": 10, "business_days": True, "also_on": "course_schedule_change"},
])
def test_every_schedule_kind_round_trips_through_the_goal_form(
    client, users, login, act, goal_schedule
):
    goal = _goal(act, "1.5")
    goal.schedule = schedule.validate_schedule(goal_schedule)
    db.session.commit()
    login(users["seges_admin"])
    url = f"/acordos/{act.id}/metas/{goal.id}/editar"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data=_form_as_sent(page))
    assert response.status_code == 302, factories.page_text(response.get_data(as_text=True))
    assert db.session.get(Goal, goal.id).schedule == schedule.validate_schedule(goal_schedule)


def test_a_fixed_date_the_engine_refuses_is_shown_at_its_field(client, users, login, act):
    goal = _goal(act, "1.5")
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/metas/{goal.id}/editar", data={
        "description": goal.description, "deadline_text": "Até 31/03/1990",
        "responsible": "partner", "kind": "fixed_date", "fixed_date": "31/03/1990"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "A data fixa deve estar no formato AAAA-MM-DD" in body and 'id="fixed_date-erro"' in body
    assert factories.labelled(body, "Prazo (texto do plano)") == "Até 31/03/1990"


# Reviewing an import (issue 16, part 4) ----------------------------------------------------

CEARA = Path(__file__).parents[1] / "data" / "plans" / "02-estado-ceara.txt"


def _ceara_text() -> str:
    return CEARA.read_text(encoding="utf-8")


def _preview(client, **data):
    return client.post("/acordos/importar", data={"text": _ceara_text(), "years": "5", **data})


def test_preview_highlights_unsure_metas_with_their_correction_open(client, users, login):
    login(users["seges_admin"])
    response = _preview(client, start="2026-01-05")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = factories.page_text(body)
    assert "1 meta precisa de revisão" in text
    assert "Conforme cronograma a ser definido" in text and "ficou para definir manualmente" in text
    root = factories.parse_html(body)
    opened = [d.attrs["id"] for d in root.iter("details") if "open" in d.attrs]
    assert opened == ["corrigir-3-7"]
    # "Até 30 dias após a publicação do extrato": counted from the start given, 05/01/2026
    assert factories.table_row(body, "Painel Gerencial do")["Primeiras datas"] == "04/02/2026"
    assert db.session.scalar(db.select(Agreement)) is None  # nothing written by a preview


def _form_of(markup: str) -> dict:
    root = factories.parse_html(markup)
    form = next(f for f in root.iter("form") if f.attrs.get("action", "").endswith("/importar"))
    data: dict = {}
    for control in form.iter("input", "select", "textarea"):
        name = control.attrs.get("name")
        if not name or control.attrs.get("type") in ("file", "submit"):
            continue
        if control.tag == "select":
            options = list(control.iter("option"))
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            data[name] = chosen[0].attrs.get("value", chosen[0].text)
        elif control.attrs.get("type") == "checkbox":
            if "checked" in control.attrs:
                data[name] = control.attrs.get("value", "y")
        elif control.tag == "textarea":
            data[name] = "".join(c for c in control.children if isinstance(c, str)).lstrip("\n")
        else:
            data[name] = control.attrs.get("value", "")
    return data


def _entry(data: dict, code: str) -> str:
    return next(k.removesuffix("-code") for k, v in data.items()
                if k.endswith("-code") and v == code)


def test_seges_corrects_an_unsure_meta_in_place_and_the_import_records_it(
    client, users, login
):
    login(users["seges_admin"])
    data = _form_of(_preview(client, start="2026-01-05").get_data(as_text=True))
    prefix = _entry(data, "3.7")
    data.update({f"{prefix}-kind": "annual", f"{prefix}-also_on": "request"})
    corrected = client.post("/acordos/importar", data=data)
    assert corrected.status_code == 200
    text = factories.page_text(corrected.get_data(as_text=True))
    assert "precisa de revisão" not in text and "Anual e sempre que solicitado" in text

    data = {**_form_of(corrected.get_data(as_text=True)), "confirm": "1"}
    response = client.post("/acordos/importar", data=data)
    assert response.status_code == 302
    agreement = db.session.scalar(db.select(Agreement))
    goal = next(g for g in agreement.goals if g.code == "3.7")
    assert goal.schedule == {"kind": "annual", "also_on": "request"}
    assert goal.deadline_text == "Conforme cronograma a ser definido"  # the plan's words kept
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "agreement.imported"))
    assert event.actor_id == users["seges_admin"].id
    assert event.details["corrected"] == {"3.7": {"schedule": {"kind": "annual",
                                                               "also_on": "request"}}}


def test_a_bad_correction_is_422_keeps_what_was_typed_and_writes_nothing(client, users, login):
    login(users["seges_admin"])
    data = _form_of(_preview(client, start="2026-01-05").get_data(as_text=True))
    prefix = _entry(data, "3.7")
    data.update({f"{prefix}-kind": "once_after_start", f"{prefix}-days": "quinze", "confirm": "1"})
    response = client.post("/acordos/importar", data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O número de dias deve ser um inteiro" in body and 'value="quinze"' in body
    assert db.session.scalar(db.select(Agreement)) is None


def test_reimporting_a_changed_plan_shows_and_applies_the_difference(client, users, login):
    login(users["seges_admin"])
    data = {"text": _ceara_text(), "start": "2026-01-05", "years": "5", "confirm": "1"}
    assert client.post("/acordos/importar", data=data).status_code == 302
    agreement = db.session.scalar(db.select(Agreement))
    worked = next(g for g in agreement.goals if g.code == "1.2")
    first = db.session.scalars(db.select(Deliverable).where(
        Deliverable.goal_id == worked.id).order_by(Deliverable.due_on)).first()
    factories.submitted(first, users["seges_admin"], "Enviado antes da revisão do plano.")
    db.session.commit()

    lines = _ceara_text().splitlines()
    without = [line for line in lines if line.split("\t")[1:2] not in (["1.2"], ["1.3"])]
    assert len(without) < len(lines), "the plan has rows 1.2 and 1.3"
    changed = "\n".join(without)
    preview = client.post("/acordos/importar", data={**data, "text": changed, "confirm": ""})
    text = factories.page_text(preview.get_data(as_text=True))
    assert "Este plano já foi importado" in text
    assert "removidas, com as suas entregas ainda sem envio: 1.3" in text
    assert "mantidas porque já têm envios: 1.2" in text

    response = client.post("/acordos/importar", data={**data, "text": changed})
    assert response.status_code == 302
    codes = {g.code for g in db.session.get(Agreement, agreement.id).goals}
    assert "1.2" in codes and "1.3" not in codes
    assert db.session.get(Deliverable, first.id) is not None  # its submission's history stays


def test_a_bad_annual_date_is_422_in_portuguese_and_keeps_the_input(client, users, login, act):
    goal = _goal(act, "1.5")
    login(users["seges_admin"])
    response = client.post(f"/acordos/{act.id}/metas/{goal.id}/editar", data={
        "description": goal.description, "deadline_text": "Todo 31 de fevereiro",
        "responsible": "partner", "kind": "annual_date", "month": "2", "day": "²"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "O dia deve ser um inteiro entre 1 e 28 para esse mês." in body
    assert 'id="day-erro"' in body and 'value="²"' in body
