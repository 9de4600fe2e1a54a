"""The PDF is drawn offline: WeasyPrint only ever gets files of static/."""

import subprocess
import sys

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from portal.extensions import db
from portal.reports import exports
from portal.reports.exports import PRINT_BASE_URL


@pytest.fixture
def fetcher(app):
    return exports.static_only_fetcher(app.static_folder)


def test_starting_the_app_does_not_load_weasyprint(tmp_path):
    """Only a PDF needs it, and loading it costs each process that starts the app ≈ 0.5 s."""
    script = (
        "import sys; from portal import create_app; "
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/db.sqlite', "
        "'SECRET_KEY': 'x', 'TESTING': True}); print('weasyprint' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.split()[-1]
    assert loaded == "False"


def test_the_fetcher_serves_the_print_stylesheet(fetcher):
    response = fetcher(f"{PRINT_BASE_URL}static/css/report-print.css?v=123")
    assert response.content_type == "text/css" and b"@page" in response.read()
    response.close()


@pytest.mark.parametrize("url", [
    "https://fonts.googleapis.com/css?family=Rawline",
    "http://relatorio.invalid/static/css/report-print.css",
    f"{PRINT_BASE_URL}static/../portal/config.py",
    f"{PRINT_BASE_URL}static/css/nao-existe.css",
    "file:///etc/passwd",
])
def test_the_fetcher_refuses_anything_else(fetcher, url):
    with pytest.raises(ValueError):
        fetcher(url)


def test_a_pdf_asks_only_for_static_files_and_lays_out_pages(app, fetcher, monkeypatch):
    asked = []
    fetcher_class = type(fetcher)
    real = fetcher_class.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(fetcher_class, "fetch", spy)
    html = (
        '<html><head><link rel="stylesheet" href="/static/css/report-print.css"></head>'
        '<body><h1>Relatório</h1><img src="https://example.com/pixel.png" alt=""></body></html>'
    )
    with app.test_request_context():
        pdf = exports.to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert asked == [f"{PRINT_BASE_URL}static/css/report-print.css",
                     "https://example.com/pixel.png"]  # asked, and refused
    document = HTML(string=html, base_url=PRINT_BASE_URL,
                    url_fetcher=exports.static_only_fetcher(app.static_folder)).render()
    assert len(document.pages) == 1


# The tables fit the A4 page ----------------------------------------------------------------


def overflows(document) -> list[str]:
    """What the PDF's tables lay out past the page's content area (a column cut at the
    margin), or text laid out past its own cell (written over the next one)."""
    found = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width + 0.5  # half a pixel of rounding
        for box in page_box.descendants():
            if isinstance(box, boxes.TableBox) and box.border_box_x() + box.border_width() > right:
                found.append(f"página {number}: tabela além da margem")
            if isinstance(box, boxes.TableCellBox):
                edge = min(right, box.border_box_x() + box.border_width() + 0.5)
                found += [
                    f"página {number}: {text.text!r} além da célula"
                    for text in box.descendants()
                    if isinstance(text, boxes.TextBox) and text.position_x + text.width > edge
                ]
    return found


@pytest.fixture
def printed_html(monkeypatch):
    """The HTML of each PDF the views render (the PDF is still produced)."""
    documents, real = [], exports.to_pdf

    def spy(html):
        documents.append(html)
        return real(html)

    monkeypatch.setattr(exports, "to_pdf", spy)
    return documents


def _laid_out(app, html: str):
    return HTML(string=html, base_url=PRINT_BASE_URL,
                url_fetcher=exports.static_only_fetcher(app.static_folder)).render()


def test_every_table_of_the_annual_report_fits_an_a4_page(app, client, users, login, network,
                                                         more_partners, printed_html):
    more_partners(3)
    network["beta"].name = "Secretaria de Estado de Governo e Gestão " + "Parceria" * 6
    db.session.commit()
    login(users["seges_admin"])
    assert client.get("/relatorio-anual/2026.pdf").data.startswith(b"%PDF")
    alfa = network["alfa"].id
    assert client.get(f"/relatorio-anual/2026/instituicoes/{alfa}.pdf").status_code == 200
    network_report, contribution = printed_html
    assert "Aderentes" in network_report and "Situação no relatório" in contribution
    for html in printed_html:
        document = _laid_out(app, html)
        assert overflows(document) == []
        assert document.pages[0].width < document.pages[0].height  # A4 portrait


def test_the_check_sees_a_column_cut_at_the_margin(app):
    """The check itself, on what cut the "Aderentes" column: fixed column widths adding up to
    more than the page, and figures that may not wrap."""
    cut = ('<html><head><link rel="stylesheet" href="/static/css/report-print.css"><style>'
           'table { table-layout: fixed } th { width: 60%; white-space: nowrap }'
           '</style></head><body><table><tr><th>Parceiro</th><th>Aderentes</th></tr></table>'
           '<table><tr><td>Parceiro</td><td class="report-num">' + "9" * 80 + '</td></tr>'
           '</table></body></html>')
    assert overflows(_laid_out(app, cut)) == [
        "página 1: tabela além da margem", f"página 1: '{'9' * 80}' além da célula"]
