"""Upload corpus and download headers: what tests/deliverables/test_evidence_files.py lacks.

Already there: a fake extension (an executable named .pdf), HTML and SVG disguised as other
types, a zip that is not an office document, markup and binary "text", a zero-byte file, a
file over the limit (413), more than 20 files, path traversal, NUL and control characters,
very long and accented names, EICAR with a real ClamAV (skipped without it), and the
download of an evidence file as an audited attachment.

Here: polyglots, markup behind a BOM or a comment, double extensions and the name a download
is saved under, bidi spoofing, header injection in the name, EICAR through the scanner hook
(no ClamAV needed), and the headers of every route that serves a stored file.
"""

import io
import zipfile

import pytest
from werkzeug.http import parse_options_header

from portal.deliverables.models import Evidence
from portal.extensions import db
from tests.factories import PDF, matrix_url, upload

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
REFUSED = "não é de um tipo permitido"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _post(client, painel, name: str, content: bytes):
    return client.htmx(
        f"/entregas/{painel.id}/evidencias", method="POST", data={"files": [upload(name, content)]}
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("pagina.txt", b"\xef\xbb\xbf<!DOCTYPE html><html><body onload=alert(1)></body></html>"),
        ("pagina.txt", b"<!-- relatorio --><body onload=alert(1)>"),
        ("pagina.csv", b"  \r\n<iframe src=https://exemplo.org></iframe>"),
        ("imagem.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("pagina.pdf", b"<html><body>%PDF-1.4</body></html>"),  # PDF magic not at the start
        ("arquivo.docx", _zip({"[Content_Types].xml": b"<Types/>", "evil.html": b"<script>"})),
        ("arquivo.odt", _zip({"mimetype": b"text/html", "index.html": b"<script>"})),
    ],
    ids=["html-behind-bom", "html-behind-comment", "iframe-as-csv", "svg-as-png",
         "html-with-pdf-inside", "zip-without-office-parts", "odf-claiming-html"],
)
def test_markup_and_fake_documents_are_refused(client, users, login, painel, name, content):
    login(users["partner_member"])
    response = _post(client, painel, name, content)
    assert response.status_code == 422
    assert REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


@pytest.mark.parametrize(
    "name, content, mimetype, saved_as",
    [
        ("poliglota.html", PDF + b"<html><script>alert(1)</script></html>", "application/pdf",
         "poliglota.html.pdf"),
        ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16 + _zip({"a.html": b"<script>"}),
         "image/jpeg", "foto.jpg"),
        ("relatorio.pdf.exe", PDF, "application/pdf", "relatorio.pdf.exe.pdf"),
        ("planilha.xlsx.bat", _zip({"[Content_Types].xml": b"<Types/>", "xl/w.xml": b"<w/>"}),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "planilha.xlsx.bat.xlsx"),
        ("fatura\u202efdp.exe", PDF, "application/pdf", "faturafdp.exe.pdf"),
        ("notas.html", "Relatório em texto.\n".encode(), "text/plain", "notas.html.txt"),
        ("RELATORIO.PDF", PDF, "application/pdf", "RELATORIO.PDF"),
    ],
    ids=["pdf-html-polyglot", "jpeg-zip-polyglot", "double-extension", "office-bat",
         "bidi-override", "text-named-html", "upper-case-extension"],
)
def test_accepted_files_download_under_a_name_of_their_real_type(
    client, users, login, painel, name, content, mimetype, saved_as
):
    """Whatever the name says, the type comes from the content, and the file is saved with an
    extension of that type: a PDF/HTML polyglot named .html never lands on disk as a page."""
    login(users["partner_member"])
    assert _post(client, painel, name, content).status_code == 200
    evidence = db.session.scalar(db.select(Evidence))
    assert evidence.content_type == mimetype
    assert "\u202e" not in evidence.original_name
    response = client.get(f"/evidencias/{evidence.id}/arquivo")
    response.close()
    assert response.headers["Content-Type"].split(";")[0] == mimetype
    assert response.headers["Content-Disposition"] == f"attachment; filename={saved_as}"


def test_quotes_in_the_name_cannot_add_header_parameters(client, users, login, painel):
    login(users["partner_member"])
    _post(client, painel, 'a"; filename="b.html', PDF)
    evidence = db.session.scalar(db.select(Evidence))
    response = client.get(f"/evidencias/{evidence.id}/arquivo")
    response.close()
    kind, options = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "attachment" and options == {"filename": evidence.original_name + ".pdf"}
    assert '"' not in evidence.original_name


def test_eicar_is_refused_through_the_scanner_hook(app, client, users, login, painel):
    """PORTAL_AV_COMMAND gets the file's path; exit 1 means infected (as clamscan)."""
    app.config["AV_COMMAND"] = (
        "sh -c 'grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE \"$1\" && exit 1; exit 0' scanner"
    )
    login(users["partner_member"])
    for name in ("eicar.txt", "eicar.pdf", "eicar.com"):
        response = _post(client, painel, name, EICAR)
        assert response.status_code == 422
        assert "o antivírus encontrou uma ameaça" in response.get_data(as_text=True)
    assert _post(client, painel, "limpo.pdf", PDF).status_code == 200
    assert db.session.scalar(db.select(Evidence.original_name)) == "limpo.pdf"


ATTACHMENT = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


@pytest.mark.parametrize(
    "endpoint", ["deliverables.download", "training.training_file", "forum.attachment"]
)
@pytest.mark.parametrize("role", ["seges_reviewer", "partner_member"])
def test_every_file_route_serves_an_inert_uncached_attachment(
    client, users, login, objects, endpoint, role
):
    login(users[role])
    response = client.get(matrix_url(endpoint, objects))
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Content-Disposition"].endswith(".pdf")
    for header, value in ATTACHMENT.items():
        assert response.headers[header] == value, header
    assert "ETag" not in response.headers


def test_preview_is_inline_sandboxed_and_never_framed(client, users, login, objects):
    login(users["seges_reviewer"])
    response = client.get(matrix_url("deliverables.preview", objects))
    response.close()
    assert response.headers["Content-Disposition"].startswith("inline;")
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
