"""The annual report's map and charts: drawn from the report's own tables (the same numbers),
shown on the page with their titles, descriptions and data tables, and drawn in the PDF."""

import re

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from portal.core import charts
from portal.core.formatting import format_number, format_percent
from portal.reports import charts as report_charts
from portal.reports import exports, services
from portal.reports.services import JoiningYear
from tests import factories


@pytest.fixture
def printed(monkeypatch):
    """The HTML each PDF was rendered from (the real PDF is still produced)."""
    documents = []
    real = exports.to_pdf

    def spy(html):
        documents.append(html)
        return real(html)

    monkeypatch.setattr(exports, "to_pdf", spy)
    return documents


@pytest.fixture
def report(network):
    return services.compile_report(2026)


def test_the_map_sums_the_report_partners_by_uf(report):
    states = report_charts.by_state(report)
    expected: dict = {}
    for p in report.partners:
        first, second, due, met = expected.get(p.uf, (0, 0, 0, 0))
        expected[p.uf] = (first + (p.layer == 1), second + (p.layer == 2), due + p.due,
                          met + p.met)
    assert {uf: (s.first_layer, s.second_layer, s.due, s.met) for uf, s in states.items()} \
        == expected
    # By hand (conftest): MG = Alfa (1st layer), Gama and Delta (adherents); ES = Beta.
    assert expected == {"MG": (1, 2, 6, 4), "ES": (1, 0, 4, 2)}


@pytest.mark.parametrize(("measure", "mg", "es"), [
    ("parceiros", 3, 1), ("cumprimento", 66.7, 50.0), ("nao_cumpridas", 2, 2)])
def test_each_state_shows_the_measure_chosen_and_its_table_row(report, measure, mg, es):
    drawn = report_charts.state_map(report, measure)
    values = drawn.values()
    assert (values["MG"], values["ES"]) == (mg, es)
    assert sum(value is not None for value in values.values()) == 2
    assert drawn.table.rows == (
        ("Espírito Santo (ES)", "1", "0", "4", "2 (50,0%)", "2"),
        ("Minas Gerais (MG)", "1", "2", "6", "4 (66,7%)", "2"),
    )
    summary = {r.code: r.summary for r in drawn.regions}["MG"]
    assert summary == ("Minas Gerais: 3 parceiros (1 de 1ª camada, 2 de 2ª); 4 de 6 entregas "
                       "devidas cumpridas (66,7%), 2 não cumpridas")


def test_the_eixo_and_meta_charts_are_the_reports_tables(report):
    axes = report_charts.axes_chart(report)
    assert [row[:3] for row in axes.table.rows] == [
        (s.label, format_number(s.met), format_number(s.due)) for s in report.axes]
    assert axes.values() == {s.label: s.percent or 0 for s in report.axes}
    goals = report_charts.goals_chart(report)
    lines = [g for s in report.axes for g in s.goals]
    assert goals.table.rows == tuple(
        (f"Meta {g.code}", format_number(g.met), format_number(g.due),
         format_percent(g.percent), format_number(g.partners_met)) for g in lines)
    assert goals.values() == {f"Meta {g.code}": g.percent or 0 for g in lines}
    # The bars' tooltips say the same.
    first = report.axes[0]
    assert axes.marks[0].title == (f"{first.label}: {first.met} de {first.due} "
                                   f"({format_percent(first.percent)})")


def test_partners_joining_by_year_and_layer(report):
    # Alfa signed in 2025, Beta in 2026; Delta adhered in 2025, Gama in 2026; never SEGES.
    assert report.joining == (JoiningYear(2025, 1, 1), JoiningYear(2026, 1, 1))
    chart = report_charts.joining_chart(report)
    assert chart.values("1ª camada") == {"2025": 1, "2026": 1}
    assert chart.values("2ª camada (aderentes)") == {"2025": 1, "2026": 1}
    assert chart.table.rows == (("2025", "1", "1", "2", "2"), ("2026", "1", "1", "2", "4"))
    assert chart.table.headers[-2:] == ("Total", "Acumulado")
    assert chart.title == chart.table.caption == (
        "Parceiros que entraram na Rede, por ano, até 2026")
    assert [m.title for m in chart.marks] == [
        "2025 — 1ª camada: 1 parceiro", "2025 — 2ª camada (aderentes): 1 parceiro",
        "2026 — 1ª camada: 1 parceiro", "2026 — 2ª camada (aderentes): 1 parceiro"]
    # The years before the first are left out; a later report runs on with empty years.
    assert [y.year for y in services.compile_report(2028).joining] == [2025, 2026, 2027, 2028]
    assert services.compile_report(2024).joining == ()


def test_training_hours_against_the_target(report):
    chart = report_charts.training_chart(report)
    # Alfa 64 h of 60 (the target reached); Beta 16 h (less than half).
    reached = chart.values("Meta atingida")
    below = chart.values("Abaixo da meta")
    assert list(below.values()) == [0, 1, 0, 0, 0] and list(reached.values()) == [0, 0, 0, 1, 0]
    assert sum(reached.values()) == report.totals.partners_reaching_target
    assert sum(reached.values()) + sum(below.values()) == report.totals.partners_with_target
    assert [row[0] for row in chart.table.rows] == [
        "Nenhuma hora (0 h)", "Menos da metade da meta (1 a 29 h)",
        "Da metade a menos da meta (30 a 59 h)", "Da meta a menos de 1,5 vez a meta (60 a 89 h)",
        "1,5 vez a meta ou mais (90 h ou mais)"]


@pytest.mark.parametrize(("hours", "band"), [(0, 0), (1, 1), (29, 1), (30, 2), (59, 2),
                                             (60, 3), (89, 3), (90, 4), (500, 4)])
def test_training_bands(hours, band):
    assert report_charts.training_band(hours, 60) == band


def test_a_partners_contribution_has_its_eixos_and_metas_only(network):
    report = services.compile_report(2026, network["alfa"])
    drawn = report_charts.report_charts(report)
    assert drawn.map is None and drawn.joining is None and drawn.training is None
    assert drawn.goals.table.headers == ("Meta", "Cumpridas", "Devidas", "Cumprimento")


def test_the_report_page_shows_the_map_and_charts(client, users, login, network):
    login(users["seges_reviewer"])
    html = client.get("/relatorio-anual/2026").get_data(as_text=True)
    for chart_id in ("grafico-relatorio-eixos", "grafico-relatorio-metas",
                     "grafico-relatorio-adesoes", "grafico-relatorio-capacitacao"):
        assert f'role="img" aria-labelledby="{chart_id}-titulo {chart_id}-descricao"' in html
    assert html.count("Ver os dados do gráfico em tabela") == 4
    assert "style=" not in html and "<script>" not in html
    # The states link to the panel, filtered by UF and by the report's year.
    assert re.search(r'<a href="/painel\?uf=MG&amp;ano=2026" id="mapa-relatorio-uf-mg"', html)
    assert html.count('id="mapa-relatorio-uf-') == 27
    rows = factories.table_rows(html, "Parceiros e entregas por UF em 2026")
    assert [row["UF"] for row in rows] == ["Espírito Santo (ES)", "Minas Gerais (MG)"]
    # Every page's head carries these styles, in the portal's one stylesheet (a boosted link
    # keeps the head it came from).
    head = html[:html.index("<body")]
    sheet = re.search(r'href="(/static/bundles/portal\.css\?v=\w+)"', head).group(1)
    styles = client.get(sheet).get_data(as_text=True)
    assert "/* css/charts.css */" in styles and "/* css/reports.css */" in styles
    html = client.get("/relatorio-anual/2026?medida=nao_cumpridas").get_data(as_text=True)
    assert "cores: entregas não cumpridas" in html and charts.REDS[0] in html


def test_the_contribution_page_has_no_map(client, users, login, network):
    login(users["partner_manager"])
    html = client.get(f"/relatorio-anual/2026/instituicoes/{network['alfa'].id}").get_data(
        as_text=True)
    assert "grafico-relatorio-metas" in html and "mapa-relatorio" not in html


def _svg_boxes(app, html: str) -> list:
    document = HTML(string=html, base_url=exports.PRINT_BASE_URL,
                    url_fetcher=exports.static_only_fetcher(app.static_folder)).render()
    return [(number, box) for number, page in enumerate(document.pages, 1)
            for box in page._page_box.descendants()
            if isinstance(box, boxes.ReplacedBox) and box.element_tag.endswith("svg")
            and "chart" in (box.element.get("class") or "").split()]


def test_the_pdf_draws_the_map_and_the_charts(app, client, users, login, network, printed):
    login(users["seges_reviewer"])
    response = client.get("/relatorio-anual/2026.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    (html,) = printed
    assert "<details" not in html and "<a href" not in html  # printed: tables, no links
    drawn = _svg_boxes(app, html)
    names = [box.element.get("aria-labelledby") or "" for _, box in drawn]
    assert [name.split("-titulo")[0] for name in names] == [
        "mapa-relatorio", "grafico-relatorio-eixos", "grafico-relatorio-metas",
        "grafico-relatorio-adesoes", "grafico-relatorio-capacitacao"]
    for _, box in drawn:  # drawn as SVG images, laid out with a size (not collapsed)
        assert type(box.replacement).__name__ == "SVGImage"
        assert box.width > 100 and box.height > 50
    # The printed data tables hold the chart's numbers.
    assert "Parceiros e entregas por UF em 2026" in html
    assert factories.table_rows(html, "Parceiros que entraram na Rede") == [
        {"Ano": "2025", "1ª camada": "1", "2ª camada (aderentes)": "1", "Total": "2",
         "Acumulado": "2"},
        {"Ano": "2026", "1ª camada": "1", "2ª camada (aderentes)": "1", "Total": "2",
         "Acumulado": "4"},
    ]


def _pdf_colour(hex_colour: str) -> bytes:
    """How WeasyPrint (pydyf) sets that fill colour in a page's content stream."""
    parts = (f"{int(hex_colour[i:i + 2], 16) / 255:.6f}".rstrip("0").rstrip(".") or "0"
             for i in (1, 3, 5))
    return f"{' '.join(parts)} rg".encode()


def test_the_pdf_paints_the_states_and_bars_in_their_colours(app, client, users, login,
                                                             network, printed):
    """Not a blank box: the pages' drawing operations fill shapes with the map's shades
    (MG's, ES's and the states with no partner) and with the charts' bar colours."""
    login(users["seges_reviewer"])
    client.get("/relatorio-anual/2026.pdf")
    (html,) = printed
    pdf = HTML(string=html, base_url=exports.PRINT_BASE_URL,
               url_fetcher=exports.static_only_fetcher(app.static_folder)).write_pdf(
        uncompressed_pdf=True)
    drawn = report_charts.state_map(services.compile_report(2026), "parceiros")
    shades = {r.code: r.colour for r in drawn.regions}
    for colour in (shades["MG"], shades["ES"], charts.NO_DATA, charts.BLUES[3], "#168821"):
        assert _pdf_colour(colour) in pdf, colour
    assert shades["MG"] != shades["ES"]


def test_a_year_without_data_draws_empty_pictures(client, users, login):
    login(users["seges_admin"])
    response = client.get("/relatorio-anual/2020")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="grafico-relatorio-adesoes"' in html and 'id="mapa-relatorio"' in html
    assert client.get("/relatorio-anual/2020.pdf").status_code == 200
