"""Evidence files: nothing lost, nothing dangerous."""

import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.core.models import AuditEvent
from portal.core.storage import sniff, storage
from portal.deliverables import services
from portal.deliverables.models import Evidence
from portal.extensions import db
from tests.factories import PDF, PNG, upload


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
JUNK_ZIP = _zip({"virus.exe": b"MZ..."})


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.png", PNG, "image/png"),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("a.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("a.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("a.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("a.csv", b"nome;horas\nMaria;60\n", "text/csv"),
        ("a.txt", "Relatório das ações realizadas.\n".encode(), "text/plain"),
    ],
)
def test_allowed_types_are_recognised_by_content(
    client, users, login, painel, name, content, expected
):
    login(users["partner_member"])
    response = client.post(
        f"/entregas/{painel.id}/evidencias", data={"files": [upload(name, content)]}
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(Evidence.content_type)) == expected


@pytest.mark.parametrize(
    "name, content",
    [
        ("programa.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
        ("pagina.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("imagem.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("dados.xlsx", JUNK_ZIP),
        ("script.txt", b"<script>alert(1)</script>"),
        ("binario.txt", b"\x00\x01\x02\x03"),
    ],
)
def test_disallowed_content_is_refused_with_the_reason(client, users, login, painel, name, content):
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias", method="POST", data={"files": [upload(name, content)]}
    )
    assert response.status_code == 422
    assert "não é de um tipo permitido" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


def test_empty_file_is_refused(client, users, login, painel):
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias",
        method="POST",
        data={"files": [upload("vazio.pdf", b"")]},
    )
    assert response.status_code == 422 and "está vazio" in response.get_data(as_text=True)


def test_file_over_the_limit_is_413_with_a_clear_message(app, client, users, login, painel):
    app.config["MAX_UPLOAD_MB"] = 1
    login(users["partner_member"])
    big = PDF + b"0" * (1024 * 1024)
    # Encoded here: the test client spools bodies over 500 kB to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": client.csrf_token(), "files": FileStorage(io.BytesIO(big), "grande.pdf")}
    )
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias",
        method="POST",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        csrf=False,
    )
    assert response.status_code == 413
    assert "excede o limite de 1 MB" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


def test_at_most_20_files_per_version(client, users, login, painel):
    login(users["partner_member"])
    for i in range(20):
        client.post(f"/entregas/{painel.id}/evidencias", data={"files": [upload(f"{i}.pdf", PDF)]})
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias", method="POST", data={"files": [upload("21.pdf", PDF)]}
    )
    assert response.status_code == 422 and "no máximo 20 arquivos" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(db.func.count(Evidence.id))) == 20


def test_a_refused_file_leaves_the_draft_as_it_was_and_keeps_what_was_typed(
    client, users, login, painel
):
    login(users["partner_member"])
    response = client.post(
        f"/entregas/{painel.id}/rascunho",
        data={
            "report": "Relato importante",
            "files": [upload("bom.pdf", PDF), upload("ruim.pdf", b"MZ" + b"\x00" * 50)],
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Relato importante" in body and "não é de um tipo permitido" in body
    page = client.get(f"/entregas/{painel.id}").get_data(as_text=True)
    assert "Relato importante" not in page and "bom.pdf" not in page
    assert db.session.scalar(db.select(Evidence)) is None
    assert [p for p in storage().root.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\x.pdf", None),  # backslashes are quoting in the multipart header
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("ctrl\x07\x1b[31m.pdf", "ctrl[31m.pdf"),
        ("a" * 300 + ".pdf", None),
        ("relatório çãõ.pdf", "relatório çãõ.pdf"),
    ],
)
def test_hostile_names_are_stored_and_shown_safely(app, client, users, login, painel, name, shown):
    login(users["partner_member"])
    response = client.post(f"/entregas/{painel.id}/evidencias", data={"files": [upload(name, PDF)]})
    assert response.status_code == 302
    evidence = db.session.scalar(db.select(Evidence))
    assert not set("/\\\x00") & set(evidence.original_name)
    assert len(evidence.original_name) <= 200
    if shown:
        assert evidence.original_name == shown
    assert storage().path(evidence.stored_name).parent.parent == storage().root


def test_download_is_an_audited_attachment_with_the_original_name(client, users, login, painel):
    login(users["partner_member"])
    client.post(
        f"/entregas/{painel.id}/evidencias", data={"files": [upload("relatório çãõ.pdf", PDF)]}
    )
    evidence = db.session.scalar(db.select(Evidence))
    client.post("/logout")
    login(users["seges_reviewer"])
    response = client.get(f"/evidencias/{evidence.id}/arquivo")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''relat%C3%B3rio%20%C3%A7%C3%A3%C3%B5.pdf" in disposition
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    response.close()
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "evidence.downloaded")
    )
    assert event.actor_id == users["seges_reviewer"].id


def test_a_transaction_that_rolls_back_leaves_no_orphan_file(app, users, painel):
    services.add_files(painel, [FileStorage(io.BytesIO(PDF), "a.pdf")], by=users["partner_member"])
    assert [p for p in storage().root.rglob("*") if p.is_file()] != []
    db.session.rollback()  # the request failed after the file was stored
    assert [p for p in storage().root.rglob("*") if p.is_file()] == []


def test_a_committed_file_stays(app, users, painel):
    services.add_files(painel, [FileStorage(io.BytesIO(PDF), "a.pdf")], by=users["partner_member"])
    db.session.commit()
    db.session.rollback()  # a later transaction's rollback does not touch it
    assert len([p for p in storage().root.rglob("*") if p.is_file()]) == 1


def test_an_interrupted_stream_leaves_no_temporary_file(app, users, painel):
    class Broken(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 10:
                raise OSError("connection reset")
            return super().read(16)

    with pytest.raises(OSError):
        services.add_files(
            painel, [FileStorage(Broken(PDF * 10), "a.pdf")], by=users["partner_member"]
        )
    assert [p for p in storage().root.rglob("*") if p.is_file()] == []


def test_sniff_rejects_markup_and_accepts_latin1_text(tmp_path):
    target = tmp_path / "x"
    target.write_bytes("Relatório de ações".encode("cp1252"))
    assert sniff(target) == "text/plain"
    target.write_bytes(b"  <HTML><body>oi</body></HTML>")
    assert sniff(target) is None


CLAMSCAN = shutil.which("clamscan")
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def antivirus(app):
    if CLAMSCAN is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ClamAV (clamscan) is required in CI: apt-get install -y clamav")
        pytest.skip("ClamAV not installed: apt-get install -y clamav")
    signatures = Path(__file__).parent / "data" / "eicar.hdb"
    app.config["AV_COMMAND"] = f"{CLAMSCAN} --no-summary -d {signatures}"


def test_infected_file_is_refused(client, users, login, painel, antivirus):
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias",
        method="POST",
        data={"files": [upload("eicar.txt", EICAR)]},
    )
    assert response.status_code == 422
    assert "o antivírus encontrou uma ameaça" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Evidence)) is None


def test_clean_file_passes_the_antivirus(client, users, login, painel, antivirus):
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias", method="POST", data={"files": [upload("ok.pdf", PDF)]}
    )
    assert response.status_code == 200


def test_scanner_failure_refuses_the_file(app, client, users, login, painel):
    app.config["AV_COMMAND"] = "sh -c 'exit 2'"  # scanner error, not a finding
    login(users["partner_member"])
    response = client.htmx(
        f"/entregas/{painel.id}/evidencias", method="POST", data={"files": [upload("ok.pdf", PDF)]}
    )
    assert response.status_code == 422
    assert "Não foi possível verificar" in response.get_data(as_text=True)
