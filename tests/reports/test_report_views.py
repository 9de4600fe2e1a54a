"""The report as a page, a PDF and an XLSX workbook: the same numbers everywhere; who may see
what; the introduction SEGES edits."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from openpyxl import load_workbook
from weasyprint import HTML

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.reports import exports, services
from portal.reports.models import AnnualReport
from tests import clock, factories


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
def closed_year():
    """The pages count an open year up to today: the fixture's 2026 is read as a closed year,
    on 15/04/2027 (12:00 in Brasília), after its closing date (31/03/2027)."""
    with time_machine.travel(datetime(2027, 4, 15, 15, tzinfo=UTC)):
        yield


def laid_out_text(app, html: str) -> str:
    """The text WeasyPrint laid out on the PDF's pages (what the PDF shows)."""
    document = HTML(string=html, base_url=exports.PRINT_BASE_URL,
                    url_fetcher=exports.static_only_fetcher(app.static_folder)).render()
    return " ".join(box.text for page in document.pages
                    for box in page._page_box.descendants() if hasattr(box, "text"))


def _sheet_rows(data: bytes, name: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data))
    return [tuple(row) for row in workbook[name].iter_rows(values_only=True)]


# The network's report --------------------------------------------------------------------


# The fixture's 2026, computed by hand (tests/reports/conftest.py), as the report shows it.
TOTALS_2026 = {
    "Parceiros": "4 2 de 1ª camada, 2 aderentes",
    "Entregas cumpridas": "6 de 10 60,0% das devidas no ano",
    "Horas de capacitação": "80 h 3 capacitações, 62 participantes",
    "Meta de horas atingida": "1 de 2 parceiros com meta anual de horas",
    "Adesões assinadas": "1 no ano",
    "Presenças em eventos": "2 2 eventos no ano",
}
PARTNER_ROWS_2026 = [
    {"Parceiro": "Alfa Governo de Minas", "UF": "MG", "Entregas": "3 / 5", "%": "60,0%",
     "Horas (meta)": "64 h (60 h) atingida", "Adesões": "1", "Eventos": "1 / 1",
     "Aderentes": "2: 1 / 1"},  # Gama 1 / 1 and Delta 0 / 0
    {"Parceiro": "Beta Governo do Espírito Santo", "UF": "ES", "Entregas": "2 / 4",
     "%": "50,0%", "Horas (meta)": "16 h (60 h)", "Adesões": "0", "Eventos": "1 / 2",
     "Aderentes": "—"},
]


def test_the_2026_report_page_shows_the_numbers_of_the_fixture(client, users, login, network,
                                                               closed_year):
    login(users["seges_reviewer"])
    page = client.get("/relatorio-anual/2026").get_data(as_text=True)
    assert "Relatório Anual da Rede de Parcerias 2026" in factories.page_text(page)
    assert factories.definitions(page, "Totais da Rede em 2026") == TOTALS_2026
    assert ("Eixo 3 — Comunicação e Transparência 3 de 4 entregas cumpridas (75,0%)"
            in factories.page_text(page))
    rows = factories.table_rows(page, caption="Resultados de cada parceiro")
    assert rows == PARTNER_ROWS_2026  # Gama and Delta only as Alfa's adherents
    assert "Como os números são calculados" in page and "31/03/2027" in page
    # Highlights are escaped text: the partner's "<script>" is shown, never run.
    assert "<script>alert(1)</script>" not in page
    assert "Oficina &lt;script&gt;alert(1)&lt;/script&gt; de comunicação" in page


def test_the_pdf_is_rendered_from_the_same_numbers(app, client, users, login, network,
                                                  printed, closed_year):
    login(users["seges_admin"])
    response = client.get("/relatorio-anual/2026.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="relatorio-anual-rede-de-parcerias-2026.pdf"'
    )
    [html] = printed
    assert factories.definitions(html, "Totais da Rede em 2026") == TOTALS_2026
    assert "<nav" not in html and "<script" not in html.replace("&lt;script", "")
    assert "css/report-print.css" in html
    text = laid_out_text(app, html)
    assert "6 de 10" in text and "80 h" in text and "3 / 5" in text and "64 h (60 h)" in text
    assert "Como os números são calculados" in text


def test_the_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(client, users, login, network,
                                                                  closed_year):
    login(users["seges_admin"])
    response = client.get("/relatorio-anual/2026.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Totais", "Por eixo", "Por parceiro", "Destaques"]
    totals = dict(_sheet_rows(response.data, "Totais")[1:])
    assert totals["Ano"] == 2026 and totals["Decisões consideradas até"] == datetime(2027, 3, 31)
    assert (totals["Entregas devidas no ano"], totals["Entregas cumpridas"]) == (10, 6)
    assert totals["Cumprimento (%)"] == 60.0 and totals["Horas de capacitação"] == 80
    assert (totals["Adesões assinadas no ano"], totals["Eventos no ano"]) == (1, 2)
    axes = _sheet_rows(response.data, "Por eixo")
    assert axes[1] == ("Eixo 1 — Melhoria da Gestão", "1.1", "Meta 1.1 do plano", 4, 3, 75.0, 2)
    partners = {row[0]: row for row in _sheet_rows(response.data, "Por parceiro")[1:]}
    assert partners["Alfa Governo de Minas"][4:] == (1, 5, 3, 60.0, 64, 60, 2, 50, 1, 1, 1, None)
    assert partners["Delta Prefeitura"][4:] == (
        2, 0, 0, None, 0, None, 0, 0, 0, 0, 0, "Alfa Governo de Minas")
    highlights = _sheet_rows(response.data, "Destaques")
    assert [row[0] for row in highlights[1:]] == ["SCC/MG", "SEGER/ES", "GAMA"]
    assert highlights[2][4].startswith("Oficina <script>")  # plain text in a cell


def test_page_pdf_and_xlsx_show_the_same_hand_computed_numbers(client, users, login, network,
                                                              printed, closed_year):
    login(users["seges_admin"])
    page = client.get("/relatorio-anual/2026").get_data(as_text=True)
    client.get("/relatorio-anual/2026.pdf")
    sheet = {row[0]: row for row in _sheet_rows(
        client.get("/relatorio-anual/2026.xlsx").data, "Por parceiro")[1:]}
    for html in (page, printed[0]):  # the page and the PDF: one row per first-layer partner
        assert factories.table_rows(html, caption="Resultados de cada parceiro") == (
            PARTNER_ROWS_2026)
    # The workbook: one row per institution, (due, met).
    assert {name: row[5:7] for name, row in sheet.items()} == {
        "Alfa Governo de Minas": (5, 3), "Beta Governo do Espírito Santo": (4, 2),
        "Delta Prefeitura": (0, 0), "Gama Prefeitura": (1, 1)}


def test_the_open_year_is_counted_up_to_today_on_every_format(client, users, login, network,
                                                             printed):
    """On 31/07/2026 (12:00 in Brasília) what is due by that day counts (see the service
    test): Alfa 2 of 4 (a1, a2 met; a3, a7 not; a5 waived), Beta 1 of 1 (b1), Gama 0 of 0;
    the network 3 of 5. Only Alfa has an hours deliverable (a3, 30/06) due by then."""
    with time_machine.travel(datetime(2026, 7, 31, 15, tzinfo=UTC)):
        login(users["seges_admin"])
        page = client.get("/relatorio-anual/2026").get_data(as_text=True)
        client.get("/relatorio-anual/2026.pdf")
        xlsx = client.get("/relatorio-anual/2026.xlsx").data
        alfa = network["alfa"].id
        contribution = client.get(f"/relatorio-anual/2026/instituicoes/{alfa}").get_data(
            as_text=True)
    for html in (page, printed[0]):
        totals = factories.definitions(html, "Totais da Rede em 2026")
        assert totals["Entregas cumpridas"] == "3 de 5 60,0% das devidas no ano"
        assert totals["Meta de horas atingida"] == "1 de 2 parceiros com meta anual de horas"
        row = factories.table_row(html, "Alfa Governo de Minas", caption="Resultados")
        assert (row["Entregas"], row["Aderentes"]) == ("2 / 4", "2: 0 / 0")
    totals = dict(_sheet_rows(xlsx, "Totais")[1:])
    assert (totals["Entregas devidas no ano"], totals["Entregas cumpridas"]) == (5, 3)
    in_numbers = factories.definitions(contribution, "Em números em 2026")
    assert in_numbers["Entregas cumpridas"] == "2 de 4 50,0% das devidas no ano"


def test_the_index_shows_the_default_year_and_years_switch_by_fragment(
    client, users, login, network
):
    login(users["seges_admin"])
    page = client.get("/relatorio-anual").get_data(as_text=True)
    year = services.default_year(clock.today())
    assert f"Relatório Anual da Rede de Parcerias {year}" in page
    assert 'href="/relatorio-anual/2025"' in page
    fragment = client.htmx("/relatorio-anual/2025")
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and 'id="relatorio"' in body
    assert "Relatório Anual da Rede de Parcerias 2025" in body
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("url", ["/relatorio-anual/1999", "/relatorio-anual/2101.pdf",
                                 "/relatorio-anual/3000.xlsx"])
def test_years_out_of_range_are_not_found(client, users, login, url):
    login(users["seges_admin"])
    assert client.get(url).status_code == 404


def test_partners_cannot_open_the_network_report(client, users, login, network):
    for role in ("partner_manager", "partner_member"):
        login(users[role])
        for url in ("/relatorio-anual", "/relatorio-anual/2026", "/relatorio-anual/2026.pdf",
                    "/relatorio-anual/2026.xlsx", "/relatorio-anual/2026/introducao"):
            assert client.get(url).status_code == 403, (role, url)
        assert client.htmx("/relatorio-anual/2026").status_code == 403
        client.post("/logout")


# A partner's contribution ------------------------------------------------------------------


def test_a_partner_reaches_its_own_contribution_in_three_formats(
    client, users, login, network, printed, closed_year
):
    login(users["partner_member"])
    response = client.get("/relatorio-anual/minha-instituicao?ano=2026")
    alfa = network["alfa"].id
    assert response.status_code == 302
    assert response.location.endswith(f"/relatorio-anual/2026/instituicoes/{alfa}")
    page = client.get(response.location).get_data(as_text=True)
    assert "Contribuição ao Relatório Anual 2026: Alfa Governo de Minas (SCC/MG)" in page
    assert '<dd data-total="met">3 de 5</dd>' in page
    assert "Dispensada (não conta)" in page and "15/01/2027" in page
    assert "Publicamos o painel de parcerias" in page
    assert "Beta Governo" not in page and "Introdução" not in page
    pdf = client.get(f"/relatorio-anual/2026/instituicoes/{alfa}.pdf")
    assert pdf.data.startswith(b"%PDF") and '<dd data-total="met">3 de 5</dd>' in printed[0]
    xlsx = client.get(f"/relatorio-anual/2026/instituicoes/{alfa}.xlsx").data
    assert load_workbook(io.BytesIO(xlsx)).sheetnames == [
        "Totais", "Por eixo", "Por parceiro", "Destaques", "Entregas"]
    totals = dict(_sheet_rows(xlsx, "Totais")[1:])
    assert (totals["Entregas devidas no ano"], totals["Entregas cumpridas"]) == (5, 3)
    entregas = _sheet_rows(xlsx, "Entregas")
    assert len(entregas) == 7 and entregas[3][3] == "Dispensada (não conta)"


def test_a_partner_cannot_open_another_institutions_contribution(client, users, login, network):
    login(users["other_manager"])  # Beta
    for suffix in ("", ".pdf", ".xlsx"):
        url = f"/relatorio-anual/2026/instituicoes/{network['alfa'].id}{suffix}"
        assert client.get(url).status_code == 403, url
    assert client.htmx(f"/relatorio-anual/2026/instituicoes/{network['gama'].id}").status_code \
        == 403


def test_a_first_layer_partner_reads_its_adherents_contribution(client, users, login, network):
    login(users["partner_manager"])
    page = client.get(f"/relatorio-anual/2026/instituicoes/{network['gama'].id}")
    assert page.status_code == 200 and "Gama Prefeitura" in page.get_data(as_text=True)
    gama_user = factories.user("gestor@gama.test", "partner_manager", network["gama"])
    client.post("/logout")
    login(gama_user)
    url = f"/relatorio-anual/2026/instituicoes/{network['alfa'].id}"
    assert client.get(url).status_code == 403  # an adherent does not read its parent


def test_seges_opens_any_contribution_but_seges_has_none(client, users, login, network):
    login(users["seges_reviewer"])
    assert client.get(f"/relatorio-anual/2026/instituicoes/{network['beta'].id}").status_code \
        == 200
    assert client.get(f"/relatorio-anual/2026/instituicoes/{network['seges'].id}").status_code \
        == 404
    assert client.get("/relatorio-anual/2026/instituicoes/999999").status_code == 404
    assert client.get("/relatorio-anual/minha-instituicao").status_code == 403


def test_the_network_report_links_each_partner_to_its_contribution(
    client, users, login, network
):
    login(users["seges_admin"])
    page = client.get("/relatorio-anual/2026").get_data(as_text=True)
    assert f'href="/relatorio-anual/2026/instituicoes/{network["beta"].id}"' in page


# The introduction ------------------------------------------------------------------------------


def test_an_admin_writes_the_introduction_and_it_is_audited(client, users, login, network,
                                                           printed):
    login(users["seges_admin"])
    form = client.get("/relatorio-anual/2026/introducao")
    assert form.status_code == 200 and 'name="introduction"' in form.get_data(as_text=True)
    text = ("Em 2026 a Rede **cresceu**. <script>alert(2)</script> "
            "[veja](javascript:alert(3)) e [o portal](https://www.gov.br/)")
    response = client.post("/relatorio-anual/2026/introducao", data={"introduction": text})
    assert response.status_code == 302 and response.location.endswith("/relatorio-anual/2026")
    entry = db.session.get(AnnualReport, 2026)
    assert entry.introduction == text and entry.updated_by_id == users["seges_admin"].id
    event = db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "annual_report.introduction_updated"))
    assert event.object_type == "AnnualReport" and event.object_id == 2026
    assert event.actor_id == users["seges_admin"].id and event.details["year"] == 2026
    page = client.get("/relatorio-anual/2026").get_data(as_text=True)
    assert "Em 2026 a Rede <strong>cresceu</strong>." in page
    assert "<script>alert(2)" not in page and 'href="javascript' not in page
    assert 'href="https://www.gov.br/"' in page
    client.get("/relatorio-anual/2026.pdf")
    assert "<strong>cresceu</strong>" in printed[0]
    assert "cresceu" not in client.get("/relatorio-anual/2025").get_data(as_text=True)


def test_an_invalid_introduction_is_refused_with_422(client, users, login, network):
    login(users["seges_admin"])
    response = client.post("/relatorio-anual/2026/introducao", data={"introduction": "   "})
    assert response.status_code == 422
    assert "Escreva a introdução." in response.get_data(as_text=True)
    too_long = "x" * (services.INTRODUCTION_MAX + 1)
    fragment = client.htmx("/relatorio-anual/2026/introducao", method="POST",
                           data={"introduction": too_long})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in body and 'id="form-introducao"' in body
    assert db.session.get(AnnualReport, 2026) is None


def test_editing_the_introduction_needs_a_csrf_token_and_seges(client, users, login, network):
    login(users["seges_admin"])
    response = client.post("/relatorio-anual/2026/introducao", data={"introduction": "Olá"},
                           csrf=False)
    assert response.status_code == 400
    client.post("/logout")
    for role in ("partner_manager", "partner_member"):
        login(users[role])
        assert client.post("/relatorio-anual/2026/introducao",
                           data={"introduction": "Olá"}).status_code == 403
        client.post("/logout")
    assert db.session.get(AnnualReport, 2026) is None


def test_query_count_of_the_report_page_does_not_grow_with_partners(
    client, users, login, network, more_partners
):
    login(users["seges_reviewer"])
    small = factories.queries_for(client, "/relatorio-anual/2026")
    more_partners(6)
    assert factories.queries_for(client, "/relatorio-anual/2026") == small


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_renders_the_2026_report_in_every_format(app, client):
    """On 04/12/2026 (12:00 in Brasília): the demo's approvals are recorded before the 2026
    report closes, and MG's latest-due approved eixo-3 report is its 2026 course publicity."""
    with time_machine.travel(datetime(2026, 12, 4, 15, tzinfo=UTC)):
        _demo_report_in_every_format(app, client)


def _demo_report_in_every_format(app, client):
    app.test_cli_runner().invoke(args=["demo", "--password", factories.PASSWORD])
    client.post("/login", data={"email": "admin@seges.exemplo.gov.br",
                                "password": factories.PASSWORD})
    page = client.get("/relatorio-anual/2026")
    assert page.status_code == 200 and "Minas Gerais" in page.get_data(as_text=True)
    assert "Divulgamos os cursos da Rede de Parcerias" in page.get_data(as_text=True)  # 3.2
    pdf = client.get("/relatorio-anual/2026.pdf")
    assert pdf.data.startswith(b"%PDF")
    assert client.get("/relatorio-anual/2026.xlsx").status_code == 200
    client.post("/logout")
    client.post("/login", data={"email": "gestor@contagem.exemplo.gov.br",
                                "password": factories.PASSWORD})
    contribution = client.get("/relatorio-anual/minha-instituicao?ano=2026",
                              follow_redirects=True)
    assert contribution.status_code == 200
    assert "Prefeitura Municipal de Contagem" in contribution.get_data(as_text=True)
