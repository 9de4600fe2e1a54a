"""The PDF is drawn offline: WeasyPrint only ever gets files of static/."""

import pytest
from weasyprint import HTML

from portal.reports import exports
from portal.reports.exports import PRINT_BASE_URL, StaticOnlyFetcher


@pytest.fixture
def fetcher(app):
    return StaticOnlyFetcher(app.static_folder)


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


def test_a_pdf_asks_only_for_static_files_and_lays_out_pages(app, monkeypatch):
    asked = []
    real = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
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
                    url_fetcher=StaticOnlyFetcher(app.static_folder)).render()
    assert len(document.pages) == 1
