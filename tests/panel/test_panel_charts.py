"""The panel's map and charts: the same numbers as the panel's rows and totals (the lifecycle's
count columns), one aggregate per chart, and a map that filters the panel by UF."""

import re
from dataclasses import astuple, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.agreements.services import axis_label, axis_names
from portal.core import charts
from portal.core.clock import start_of_local_day
from portal.core.formatting import format_number, format_percent
from portal.deliverables import reviews
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.panel import charts as panel_charts
from portal.panel import services as panel
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from tests import factories

TODAY = date(2026, 10, 1)


@pytest.fixture
def network(users):
    """MG's and ES's ACTs from the seed (01/10/2025, 5 years); two municipalities adhered to
    MG's (2nd layer, UF MG); a federal body with no UF under the same plan. MG's member sent
    four versions now waiting for review, 3, 7, 8 and 40 days ago; MG's 2.2 C2025 is
    approved and its 2.1 Y1 returned."""
    mg_act = factories.seed_agreement()
    factories.seed_agreement(number="161/2025", partner=users["other_manager"].institution)
    for name in ("Prefeitura de Contagem", "Prefeitura de Betim"):
        factories.adhesion(mg_act, name=name, signed_on=date(2025, 11, 3))
    federal = factories.institution(name="Ministério da Gestão Federal", sphere="federal",
                                    elo="União", uf=None)
    plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5,
                      number="300/2025", partner=federal)
    mg = users["partner_manager"].institution_id
    member = users["partner_member"]
    sent = {}
    for (code, index), waited in {("1.2", 0): 40, ("3.2", 0): 8, ("3.4", 0): 7,
                                  ("2.3", 0): 3}.items():
        deliverable = factories.deliverable_of(mg_act, code, mg, index)
        factories.submitted(deliverable, member)
        submission = db.session.scalar(db.select(Submission).where(
            Submission.deliverable_id == deliverable.id, Submission.status == "submitted"))
        # Mid-afternoon in Brasília, ``waited`` days before TODAY.
        submission.submitted_at = datetime.combine(
            TODAY - timedelta(days=waited), datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=18)
        sent[code] = submission
    factories.deliverable_of(mg_act, "2.2", mg).status = "approved"
    factories.deliverable_of(mg_act, "2.1", mg).status = "returned"
    db.session.commit()
    return {"mg": mg, "es": users["other_manager"].institution_id, "federal": federal.id,
            "act": mg_act, "sent": sent}


def _counts(line) -> tuple:
    return astuple(line.counts) if hasattr(line, "counts") else line


FILTERS = [
    panel.PanelFilters(),
    panel.PanelFilters(uf="ES"),  # the map still shows every UF
    panel.PanelFilters(layer=2),
    panel.PanelFilters(layer=1, axis=2, year=2026),
    panel.PanelFilters(q="minas"),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_maps_numbers_are_the_panels_rows_summed_by_uf(network, filters):
    states = panel.by_state(filters, TODAY)
    expected: dict = {}
    every_uf = replace(filters, uf=None)
    for row in db.session.execute(panel.progress_query(every_uf, TODAY)):
        first, second, *sums = expected.get(row.uf, (0, 0, 0, 0, 0, 0, 0, 0))
        numbers = (row.due, row.done, row.overdue, row.followup_late, row.waiting, row.returned)
        expected[row.uf] = (first + (row.parent_id is None), second + (row.parent_id is not None),
                            *(a + b for a, b in zip(sums, numbers, strict=True)))
    assert {uf: (line.first_layer, line.second_layer, *astuple(line.counts))
            for uf, line in states.items()} == expected
    assert expected  # every case lists someone


def test_the_network_by_uf_by_hand(network):
    states = panel.by_state(panel.PanelFilters(), TODAY)
    assert set(states) == {"MG", "ES", None}
    mg, es, no_uf = states["MG"], states["ES"], states[None]
    assert (mg.first_layer, mg.second_layer, es.first_layer, no_uf.first_layer) == (1, 2, 1, 1)
    # ES on 01/10/2026: 5 dated by the plan, all late (as the panel's test of the same plan).
    assert (es.counts.due, es.counts.late, es.on_time, es.on_time_percent) == (5, 5, 0, 0.0)


@pytest.mark.parametrize("measure", ["parceiros", "em_dia", "atrasadas"])
def test_each_state_on_the_map_shows_its_line_and_its_table_row(network, measure):
    states = panel.by_state(panel.PanelFilters(), TODAY)
    drawn = panel_charts.state_map(states, measure, selected="MG")
    values = drawn.values()
    assert len(drawn.regions) == 27 and len(set(values)) == 27
    expected = {"parceiros": lambda line: line.partners,
                "em_dia": lambda line: line.on_time_percent,
                "atrasadas": lambda line: line.counts.late}[measure]
    for uf in values:
        line = states.get(uf)
        assert values[uf] == (expected(line) if line else None), uf
    regions = {r.code: r for r in drawn.regions}
    assert regions["MG"].selected and not regions["ES"].selected
    assert regions["AC"].colour == charts.NO_DATA
    assert regions["AC"].summary == "Acre: nenhum parceiro com entregas"
    mg = states["MG"]
    assert regions["MG"].summary.startswith(
        f"Minas Gerais: 3 parceiros (1 de 1ª camada, 2 de 2ª); {mg.counts.due} entregas")
    # The table beside the map: one row per UF with partners, then those with no UF.
    rows = {row[0]: row[1:] for row in drawn.table.rows}
    assert list(rows) == ["Espírito Santo (ES)", "Minas Gerais (MG)", "Sem UF"]
    for name, uf in (("Espírito Santo (ES)", "ES"), ("Minas Gerais (MG)", "MG"),
                     ("Sem UF", None)):
        line = states[uf]
        on_time = format_number(line.on_time)
        if line.counts.due:
            on_time += f" ({format_percent(line.on_time_percent)})"
        assert rows[name] == (str(line.first_layer), str(line.second_layer),
                              str(line.counts.due), on_time, str(line.counts.late))


def test_the_shades_follow_the_legend(network):
    states = panel.by_state(panel.PanelFilters(), TODAY)
    drawn = panel_charts.state_map(states, "parceiros")
    colours = {r.code: r.colour for r in drawn.regions}
    # 1 partner in ES and with no UF, 3 in MG: the darkest shade is MG's.
    assert colours["MG"] == drawn.scale.bands[-1].colour != colours["ES"]
    assert [label for _, label in drawn.scale.legend] == ["1", "2", "3", "Sem parceiros"]
    percent = panel_charts.state_map(states, "em_dia")
    assert {r.code: r.colour for r in percent.regions}["ES"] == charts.BLUES[0]  # 0%


def test_the_months_chart_is_the_years_dated_deliverables_by_state(network):
    overview = panel.overview(panel.PanelFilters(), TODAY)
    assert overview.year == 2026
    chart = panel_charts.months_chart(overview)
    assert chart.title == chart.table.caption == "Entregas por mês do prazo em 2026"
    assert chart.marks[-1].title == "Dezembro — A fazer: 5 entregas"  # 2.2 C2026 of each
    series = {s.name: attribute for s, attribute in zip(
        panel_charts.STATE_SERIES, ("approved", "in_review", "returned", "late", "to_do"),
        strict=True)}
    for name, attribute in series.items():
        drawn = chart.values(name)
        assert drawn == {month.capitalize(): getattr(line, attribute)
                         for month, line in zip(panel.MONTHS, overview.months, strict=True)}
    # The table under the chart holds the same numbers (and each month's total).
    for row, line in zip(chart.table.rows, overview.months, strict=True):
        assert row[1:] == tuple(str(n) for n in (line.approved, line.in_review, line.returned,
                                                 line.late, line.to_do, line.total))
    # And the panel's totals of the year agree: its late and its approved (all due by today).
    year = panel.totals(panel.PanelFilters(year=2026), TODAY)
    assert sum(m.late for m in overview.months) == year.overdue > 0
    assert sum(m.approved for m in overview.months) == year.approved
    assert sum(m.in_review for m in overview.months) == year.waiting == 2  # 3.2 and 3.4 Y1
    dated = db.session.scalar(
        db.select(db.func.count(Deliverable.id)).join(Deliverable.institution).where(
            Deliverable.due_on.between(date(2026, 1, 1), date(2026, 12, 31)),
            Deliverable.deadline_source != "followup", Deliverable.status != "waived",
            db.text("institutions.is_secretariat = false")))
    assert sum(m.total for m in overview.months) == dated


@pytest.mark.parametrize("filters", [panel.PanelFilters(), panel.PanelFilters(uf="MG"),
                                     panel.PanelFilters(layer=2)])
def test_progress_by_eixo_is_the_panels_eixo_filter(network, filters):
    overview = panel.overview(filters, TODAY)
    chart = panel_charts.axes_chart(overview)
    for axis, counts in overview.axes:
        totals = panel.totals(replace(filters, axis=axis), TODAY)
        assert astuple(counts) == (totals.due, totals.approved, totals.overdue,
                                   totals.followup_late, totals.waiting, totals.returned)
        label = axis_label(axis)
        row = next(r for r in chart.table.rows if r[0] == label)
        assert row[1:3] == (str(counts.done), str(counts.due))
        assert chart.values()[label] == (round(100 * counts.done / counts.due, 1)
                                         if counts.due else 0)


def test_the_queue_age_is_the_panels_waiting_by_the_queues_own_days(network):
    ages = panel.queue_ages(panel.PanelFilters(), TODAY)
    # 3 and 7 days: up to 7; 8 days: 8 to 15; 40 days: 31 to 60.
    assert ages == (2, 1, 0, 1, 0)
    assert sum(ages) == panel.totals(panel.PanelFilters(), TODAY).waiting
    for limit, waiting_more in zip(panel.QUEUE_AGES, (2, 1, 1, 0), strict=True):
        queued = db.session.scalars(reviews.queue_query(waiting_days=limit, today=TODAY)).all()
        assert len(queued) == waiting_more == sum(ages[panel.QUEUE_AGES.index(limit) + 1:])
    for submission in network["sent"].values():
        assert reviews.waiting_days(submission.submitted_at, TODAY) in (3, 7, 8, 40)
    chart = panel_charts.queue_chart(panel.overview(panel.PanelFilters(), TODAY))
    assert list(chart.values().values()) == list(ages)
    assert [row[1] for row in chart.table.rows] == [str(n) for n in ages]
    # ES waits for nothing; its filter empties the chart.
    assert panel.queue_ages(panel.PanelFilters(uf="ES"), TODAY) == (0, 0, 0, 0, 0)


def test_a_version_sent_at_the_start_of_the_local_day_counts_that_day(network):
    """The queue's rule: whole days in Brasília (UTC−3), not in UTC."""
    submission = network["sent"]["3.2"]
    submission.submitted_at = start_of_local_day(TODAY - timedelta(days=8))
    db.session.commit()
    assert panel.queue_ages(panel.PanelFilters(), TODAY)[1] == 1  # 8 days: "8 a 15"
    submission.submitted_at = start_of_local_day(TODAY - timedelta(days=7))
    db.session.commit()
    assert panel.queue_ages(panel.PanelFilters(), TODAY)[:2] == (3, 0)


def _statements(fn) -> int:
    return len(factories.statements(fn))


def test_one_aggregate_per_picture_whatever_the_networks_size(network):
    axis_names()  # the eixos' names are read once per request, before any picture
    for filters in (panel.PanelFilters(), panel.PanelFilters(uf="MG", axis=1)):
        assert _statements(lambda f=filters: panel.overview(f, TODAY)) == 4
    for i in range(3):
        partner = factories.institution(name=f"Município {i}", sphere="municipal",
                                        elo="Municípios", uf=("BA", "PE", "RS")[i])
        plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5,
                          number=f"{400 + i}/2025", partner=partner)
    db.session.commit()
    assert _statements(lambda: panel.overview(panel.PanelFilters(), TODAY)) == 4
    assert set(panel.by_state(panel.PanelFilters(), TODAY)) == {"MG", "ES", None, "BA", "PE",
                                                                 "RS"}


def test_the_overview_is_kept_until_the_rede_changes(network, cache_on):
    first = panel.cached_overview(panel.PanelFilters(), TODAY)
    # Kept, for the same filters and day (the version is read once per transaction).
    assert _statements(lambda: panel.cached_overview(panel.PanelFilters(), TODAY)) == 0
    assert panel.cached_overview(panel.PanelFilters(), TODAY) is first
    assert _statements(lambda: panel.cached_overview(panel.PanelFilters(uf="MG"), TODAY)) == 4
    deliverable = db.session.scalars(db.select(Deliverable).limit(1)).one()
    deliverable.status = "waived"
    db.session.commit()
    assert panel.cached_overview(panel.PanelFilters(), TODAY) is not first


# The page ---------------------------------------------------------------------------------


def _region(html: str, uf: str) -> str:
    found = re.search(rf'<a href="[^"]*" id="mapa-painel-uf-{uf.lower()}"[^>]*>', html)
    assert found, uf
    return found.group(0)


def test_the_panel_page_shows_the_map_and_charts_with_titles_and_tables(
        client, users, login, network):
    login(users["seges_reviewer"])
    html = client.get("/painel").get_data(as_text=True)
    for chart_id in ("grafico-meses", "grafico-eixos", "grafico-fila"):
        assert f'aria-labelledby="{chart_id}-titulo {chart_id}-descricao"' in html
        assert f'<title id="{chart_id}-titulo">' in html
        assert f'<desc id="{chart_id}-descricao">' in html
    assert html.count("Ver os dados do gráfico em tabela") == 3
    assert 'role="img"' in html and "style=" not in html and "<script>" not in html
    # Every UF is a link: a real URL (no JavaScript needed) and an htmx request for #painel.
    mg = _region(html, "MG")
    assert 'href="/painel?uf=MG"' in mg and 'hx-get="/painel?uf=MG"' in mg
    assert 'hx-target="#painel"' in mg and 'hx-push-url="true"' in mg
    assert 'aria-label="Minas Gerais: 3 parceiros' in mg
    assert html.count('id="mapa-painel-uf-') == 27
    assert "Mapa: @svg-maps/brazil" in html and "CC BY 4.0" in html
    rows = factories.table_rows(html, "Parceiros e entregas por UF")
    assert [row["UF"] for row in rows] == ["Espírito Santo (ES)", "Minas Gerais (MG)", "Sem UF"]
    # Every page's head carries the charts' styles, in the portal's one stylesheet (a boosted
    # link keeps the head it came from).
    assert "bundles/portal.css" in html[:html.index("<body")]


def test_choosing_a_state_filters_the_panel(client, users, login, network):
    login(users["seges_reviewer"])
    page = client.get("/painel?uf=MG").get_data(as_text=True)
    listed = [row["Parceiro"].removesuffix(" 2ª camada")
              for row in factories.table_rows(page, "Progresso por parceiro")]
    assert listed == ["Governo de Minas Gerais", "Prefeitura de Betim",
                      "Prefeitura de Contagem"]
    # The map still shows every UF, MG chosen: its link now shows them all again.
    mg = _region(page, "MG")
    assert 'aria-current="true"' in mg and 'href="/painel"' in mg
    assert 'href="/painel?uf=ES"' in _region(page, "ES")
    assert "Mostrar todas as UFs" in page
    # htmx, from the map: the table (#painel), the overview and the filters out of band, so
    # the form's UF follows the map.
    fragment = client.htmx("/painel?uf=ES", headers={"HX-Trigger": "mapa-painel-uf-es"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and fragment.headers["Vary"].count("HX-Request")
    rows = factories.table_rows(html, "Progresso por parceiro")
    assert [row["Parceiro"] for row in rows] == ["Governo do Espírito Santo"]
    assert 'id="painel-visao-geral" class="chart-overview"' in html
    form = html[html.index('<form id="filtros-painel"'):]
    assert 'hx-swap-oob="true"' in form[:form.index(">")]
    assert re.search(r'<option selected value="ES">|<option value="ES" selected>', form)
    # A change of the form itself does not redraw the form (the person is typing in it).
    html = client.htmx("/painel?uf=ES").get_data(as_text=True)
    assert 'id="filtros-painel"' not in html and 'hx-swap-oob="true"' in html


def test_the_map_measure_is_chosen_by_link_and_kept_by_the_filters(
        client, users, login, network):
    login(users["seges_admin"])
    html = client.get("/painel?medida=atrasadas&camada=1").get_data(as_text=True)
    assert re.search(r'<a href="[^"]*medida=atrasadas[^"]*" aria-current="true"', html)
    assert 'name="medida" value="atrasadas"' in html  # the filters keep it
    assert "Parceiros por UF — cores: entregas atrasadas" in html
    assert charts.REDS[-1] in html  # ES's 5 late ones: the darkest red
    assert 'href="/painel?medida=atrasadas&amp;camada=1&amp;uf=MG"' in _region(html, "MG")
    # Exports ignore it (they list partners).
    assert "/painel.csv?camada=1\"" in html
    # Anything else: the number of partners.
    html = client.get("/painel?medida=zzz").get_data(as_text=True)
    assert "Parceiros por UF — cores: parceiros" in html


def test_the_page_still_issues_a_constant_number_of_queries(client, users, login, network):
    login(users["seges_reviewer"])
    small = factories.queries_for(client, "/painel?medida=em_dia&uf=MG")
    partner = factories.institution(name="Município de Salvador", sphere="municipal",
                                    elo="Municípios", uf="BA")
    plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5,
                      number="500/2025", partner=partner)
    db.session.commit()
    assert factories.queries_for(client, "/painel?medida=em_dia&uf=MG") == small


def test_an_empty_network_draws_empty_pictures(client, users, login):
    login(users["seges_admin"])
    response = client.get("/painel?medida=em_dia")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('id="mapa-painel-uf-') == 27 and "Sem parceiros" in html
    assert "Nenhum parceiro com entregas para esses filtros." in html
