"""The eixos' names: one table SEGES edits (``axes``), read once per request, shown by every
page that names an eixo; the plans' own text stays as written."""

import pytest
from flask import g

from portal.agreements import services as agreements
from portal.agreements.models import AXES, Axis
from portal.core.exceptions import DomainError
from portal.core.models import AuditEvent
from portal.deliverables.services import progress_by_axis
from portal.extensions import db
from portal.plans.importer import read_seed_plan
from tests import factories

NEW_NAME = "Comunicação, Transparência e Dados Abertos"
NAME_FIELD = "Nome do eixo *"  # required


@pytest.fixture(autouse=True)
def axes_as_migrated(app):
    """The rows migration 0017 inserts (the first test of a run finds them; the tables are
    emptied after each test)."""
    for number, name in AXES.items():
        db.session.merge(Axis(number=number, name=name))
    db.session.commit()
    g.pop(agreements._CACHE, None)


def _options(markup: str, label: str) -> list[str]:
    """The options of the select named ``label``."""
    root = factories.parse_html(markup)
    select = next(e for e in root.iter("select")
                  if any(lbl.text == label and lbl.attrs.get("for") == e.attrs.get("id")
                         for lbl in root.iter("label")))
    return [option.text for option in select.iter("option")]


def _forget_cached_names() -> None:
    """The test's own app context outlives the requests: drop what it read before them."""
    g.pop(agreements._CACHE, None)


# Services --------------------------------------------------------------------------------------


def test_names_come_from_the_table_and_default_to_the_original_ones(app):
    assert agreements.axis_names() == AXES
    _forget_cached_names()
    db.session.execute(db.delete(Axis))
    assert agreements.axis_names() == AXES  # a database without the rows
    _forget_cached_names()
    db.session.add_all([Axis(number=1, name="Gestão"), Axis(number=2, name="Capacitação")])
    db.session.flush()
    assert agreements.axis_names() == {1: "Gestão", 2: "Capacitação",
                                       3: "Comunicação e Transparência"}
    assert agreements.axis_label(1) == "Eixo 1 — Gestão"
    assert agreements.axis_label(7) == "Eixo 7"
    assert agreements.axes_label([1, 3]) == "1 e 3 — Gestão; Comunicação e Transparência"
    assert agreements.axes_label([]) == "—"


def test_names_are_read_once_per_request(app):
    def read_three_times():
        for _ in range(3):
            agreements.axis_names()
            agreements.axis_filter_choices()

    with app.test_request_context("/"):
        statements = factories.statements(read_three_times)
    assert len(statements) == 1


def test_renaming_stores_the_row_audits_and_refreshes_the_names(app, users):
    admin = users["seges_admin"]
    axis = agreements.axis_for_edit(3)
    assert axis.name == "Comunicação e Transparência"
    assert agreements.rename_axis(axis, f"  {NEW_NAME}  ", by=admin)
    assert agreements.axis_names()[3] == NEW_NAME
    assert db.session.get(Axis, 3).name == NEW_NAME
    recorded = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "axis.renamed"))
    assert (recorded.object_type, recorded.object_id, recorded.actor_id) == ("Axis", 3, admin.id)
    assert recorded.details == {"number": 3, "old": "Comunicação e Transparência",
                                "new": NEW_NAME}
    # The same name again writes nothing.
    assert not agreements.rename_axis(db.session.get(Axis, 3), NEW_NAME, by=admin)
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "axis.renamed")) == 1


def test_an_eixo_missing_from_the_table_is_stored_when_renamed(app, users):
    db.session.execute(db.delete(Axis).where(Axis.number == 2))
    axis = agreements.axis_for_edit(2)
    assert axis.name == "Capacitação" and axis not in db.session
    assert agreements.rename_axis(axis, "Formação", by=users["seges_admin"])
    assert db.session.get(Axis, 2).name == "Formação"
    assert agreements.axis_names()[2] == "Formação"


@pytest.mark.parametrize(("name", "message"), [
    ("   ", "Informe o nome do eixo."),
    ("x" * 121, "O nome pode ter no máximo 120 caracteres."),
    ("capacitação", "O eixo 2 já tem esse nome."),
])
def test_a_blank_long_or_repeated_name_is_refused(app, users, name, message):
    with pytest.raises(DomainError) as refused:
        agreements.rename_axis(agreements.axis_for_edit(3), name, by=users["seges_admin"])
    assert (refused.value.field, refused.value.message) == ("name", message)


# Pages -----------------------------------------------------------------------------------------


def test_agreements_page_links_to_the_eixos_for_admins_only(client, users, login):
    login(users["seges_admin"])
    page = client.get("/acordos").get_data(as_text=True)
    assert ("Nomes dos eixos", "/acordos/eixos") in factories.links(page)
    client.post("/logout")
    login(users["seges_reviewer"])
    page = client.get("/acordos").get_data(as_text=True)
    assert "/acordos/eixos" not in page


def test_eixos_list_full_page_and_fragment(client, users, login):
    login(users["seges_admin"])
    page = client.get("/acordos/eixos")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in body and "Eixos da Rede" in body
    assert [row["Nome"] for row in factories.table_rows(body, "Eixos")] == list(AXES.values())
    assert ("Renomear o eixo 3", "/acordos/eixos/3/editar") in factories.links(body)
    fragment = client.htmx("/acordos/eixos")
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and 'id="tabela-eixos"' in text
    assert "HX-Request" in fragment.headers["Vary"]


def test_edit_form_full_page_and_fragment(client, users, login):
    login(users["seges_admin"])
    page = client.get("/acordos/eixos/3/editar").get_data(as_text=True)
    assert "<html" in page and "Renomear o eixo 3" in page
    assert factories.labelled(page, NAME_FIELD) == "Comunicação e Transparência"
    fragment = client.htmx("/acordos/eixos/3/editar").get_data(as_text=True)
    assert "<html" not in fragment and 'id="formulario-eixo"' in fragment


def test_renamed_eixo_shows_on_the_home_filter_the_plan_and_the_queue(client, users, login,
                                                                      act):
    mg = users["partner_manager"].institution_id
    factories.deliverable_of(act, "3.2", mg)
    login(users["seges_admin"])
    response = client.post("/acordos/eixos/3/editar", data={"name": NEW_NAME})
    assert response.status_code == 302 and response.location.endswith("/acordos/eixos")
    listed = client.get(response.location).get_data(as_text=True)
    assert f"Eixo 3 renomeado: “{NEW_NAME}”." in listed
    assert factories.table_row(listed, NEW_NAME)["Número"] == "3"
    plan = client.get(f"/acordos/{act.id}").get_data(as_text=True)
    assert f"<h3>Eixo 3 — {NEW_NAME}</h3>" in plan
    assert f"Eixos de atuação Eixo 1 — Melhoria da Gestão; Eixo 2 — Capacitação; Eixo 3 — " \
        f"{NEW_NAME}" in factories.page_text(plan)
    assert "Eixo 3 — Comunicação e Transparência" not in plan
    assert f"3 — {NEW_NAME}" in _options(client.get("/analise").get_data(as_text=True), "Eixo")
    client.post("/logout")
    login(users["partner_manager"])
    home = client.get("/").get_data(as_text=True)
    assert _options(home, "Eixo") == ["Todos", "1 — Melhoria da Gestão", "2 — Capacitação",
                                      f"3 — {NEW_NAME}"]
    assert f"Eixo 3 — {NEW_NAME}" in factories.page_text(home)  # progress by eixo
    filtered = client.get("/?eixo=3&grupo=acompanhamento")
    assert filtered.status_code == 200


def test_renamed_eixo_shows_on_the_deliverable_page(client, users, login, act):
    deliverable = factories.deliverable_of(act, "3.2", users["partner_manager"].institution_id)
    agreements.rename_axis(agreements.axis_for_edit(3), NEW_NAME, by=users["seges_admin"])
    login(users["partner_manager"])
    page = client.get(f"/entregas/{deliverable.id}").get_data(as_text=True)
    assert f"3 — {NEW_NAME}" in factories.page_text(page)


def test_progress_by_eixo_uses_the_names(app, users, act):
    agreements.rename_axis(agreements.axis_for_edit(2), "Formação", by=users["seges_admin"])
    labels = [item.label for item in progress_by_axis(users["partner_manager"].institution_id,
                                                      act.term_start)]
    assert "Eixo 2 — Formação" in labels and "Eixo 2 — Capacitação" not in labels


def test_htmx_rename_redirects_the_page(client, users, login):
    login(users["seges_admin"])
    response = client.htmx("/acordos/eixos/1/editar", method="POST",
                           data={"name": "Gestão Pública"})
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith(
        "/acordos/eixos")
    assert db.session.get(Axis, 1).name == "Gestão Pública"


def test_an_empty_name_is_422_with_the_error_next_to_the_field(client, users, login):
    login(users["seges_admin"])
    response = client.post("/acordos/eixos/3/editar", data={"name": "  "})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Informe o nome do eixo." in body
    assert 'aria-invalid="true"' in body
    assert db.session.get(Axis, 3).name == "Comunicação e Transparência"  # unchanged
    fragment = client.htmx("/acordos/eixos/3/editar", method="POST", data={"name": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)


def test_a_refused_name_is_422_keeping_what_was_typed(client, users, login):
    login(users["seges_admin"])
    too_long = "Comunicação " * 11  # 132 characters
    response = client.post("/acordos/eixos/3/editar", data={"name": too_long})
    assert response.status_code == 422
    assert factories.labelled(response.get_data(as_text=True), NAME_FIELD) == \
        too_long.strip()
    repeated = client.post("/acordos/eixos/3/editar", data={"name": "capacitação"})
    body = repeated.get_data(as_text=True)
    assert repeated.status_code == 422 and "O eixo 2 já tem esse nome." in body
    assert factories.labelled(body, NAME_FIELD) == "capacitação"
    assert agreements.axis_names()[3] == "Comunicação e Transparência"


def test_rename_refuses_a_post_without_csrf(client, users, login):
    login(users["seges_admin"])
    response = client.post("/acordos/eixos/3/editar", data={"name": NEW_NAME}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(Axis, 3).name == "Comunicação e Transparência"


@pytest.mark.parametrize("role", ["seges_reviewer", "partner_manager", "partner_member"])
def test_only_seges_admins_rename_eixos(client, users, login, role):
    login(users[role])
    assert client.get("/acordos/eixos").status_code == 403
    assert client.get("/acordos/eixos/3/editar").status_code == 403
    assert client.htmx("/acordos/eixos/3/editar").status_code == 403
    assert client.post("/acordos/eixos/3/editar", data={"name": NEW_NAME}).status_code == 403
    assert db.session.get(Axis, 3).name == "Comunicação e Transparência"


def test_an_eixo_that_does_not_exist_is_404(client, users, login):
    login(users["seges_admin"])
    assert client.get("/acordos/eixos/9/editar").status_code == 404


def test_the_rename_is_in_the_audit_trail(client, users, login):
    login(users["seges_admin"])
    client.post("/acordos/eixos/3/editar", data={"name": NEW_NAME})
    rows = factories.table_rows(client.get("/auditoria?acao=axis.renamed").get_data(
        as_text=True))
    assert [(row["Ação"], row["Objeto"]) for row in rows] == [
        ("Eixo renomeado axis.renamed", "Eixo nº 3")]


# The plan's text as written, the portal's labels as SEGES names them -----------------------------


def test_the_plans_typo_stays_in_its_text_but_not_in_the_portals_headings(client, users, login,
                                                                          act):
    """The seed writes "3 Comunicação e transparéncia" (heading) and "promoção da
    transparéncia" (goal 3.3): the goal's text is quoted as written; the eixo is named by
    the portal."""
    login(users["seges_admin"])
    plan = client.get(f"/acordos/{act.id}").get_data(as_text=True)
    assert "Promover ações conjuntas para promoção da transparéncia." in plan
    assert "<h3>Eixo 3 — Comunicação e Transparência</h3>" in plan
    assert "Comunicação e transparéncia" not in plan
    preview = client.post("/acordos/importar", data={"text": read_seed_plan().decode()})
    headings = [h.text for h in factories.parse_html(preview.get_data(as_text=True)).iter("h4")]
    assert "Eixo 3 — Comunicação e Transparência" in headings
    assert not any("transparéncia" in heading for heading in headings)
