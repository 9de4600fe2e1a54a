"""The shared seams of core: table downloads, streamed rows, mail backends, magic bytes."""

import io
import logging

import pytest
from openpyxl import load_workbook

from portal.core import mail
from portal.core.database import stream_rows
from portal.core.spreadsheets import XLSX_MIMETYPE, send_table
from portal.core.storage import sniff_magic
from portal.extensions import db
from portal.institutions.models import Institution
from portal.plans.importer import PlanParseError, parse_plan
from tests import factories

ROWS = [["Órgão A", "=1+1", 3], ["Órgão B", "-2", None]]


def test_csv_downloads_open_in_excel_and_never_run_formulas(app):
    with app.test_request_context():
        response = send_table(ROWS, ["Nome", "Texto", "Número"], "tabela-2026-01-02", "csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="tabela-2026-01-02.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert body == "\ufeffNome;Texto;Número\r\nÓrgão A;'=1+1;3\r\nÓrgão B;'-2;\r\n"


def test_a_streamed_csv_is_sent_row_by_row(app):
    with app.test_request_context():
        response = send_table(iter(ROWS), ["Nome", "Texto", "Número"], "t", "csv", stream=True)
        assert response.is_streamed
        chunks = list(response.response)
    assert "".join(chunks).endswith("Órgão B;'-2;\r\n") and len(chunks) >= len(ROWS)


def test_xlsx_downloads_keep_text_as_text(app):
    with app.test_request_context():
        response = send_table(ROWS, ["Nome", "Texto", "Número"], "t", "xlsx", sheet="Painel")
    assert response.headers["Content-Type"] == XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="t.xlsx"'
    sheet = load_workbook(io.BytesIO(response.get_data()))["Painel"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [["Nome", "Texto", "Número"], *ROWS]
    assert sheet["B2"].data_type == "s"


def test_an_unknown_table_format_is_a_programming_error(app):
    with app.test_request_context(), pytest.raises(ValueError, match="desconhecido"):
        send_table(ROWS, ["a", "b", "c"], "t", "ods")


def test_stream_rows_reads_every_row_in_small_batches(app):
    for _ in range(5):
        factories.institution()
    query = db.select(Institution.id).order_by(Institution.id)
    assert [row.id for row in stream_rows(query, batch=2)] == list(
        db.session.scalars(query)
    )


def test_the_memory_backend_keeps_what_the_portal_sends(app, outbox):
    assert app.config["MAIL_BACKEND"] == "memory"
    message = mail.build_message("a@b.gov.br", "Assunto", "Texto")
    assert mail.send_messages([message]) == 1
    assert outbox == [message] and mail.backend().outbox is outbox


def test_the_smtp_backend_without_a_server_writes_to_the_log(app, outbox, caplog):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER=None)
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        mail.send_messages([mail.build_message("a@b.gov.br", "Assunto", "Corpo no log")])
    assert "Corpo no log" in caplog.text and outbox == []


def test_an_unknown_mail_backend_is_refused(app):
    app.config["MAIL_BACKEND"] = "pombo"
    with pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        mail.backend()


@pytest.mark.parametrize(
    ("head", "mimetype", "words"),
    [
        (b"%PDF-1.7\n", "application/pdf", "um PDF"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png", "uma imagem PNG"),
        (b"\xff\xd8\xff\xe0", "image/jpeg", "uma imagem JPEG"),
        (b"PK\x03\x04\x14\x00", "application/zip", "arquivo compactado"),
        (b"GIF89a\x01\x00", "image/gif", "uma imagem GIF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/x-ole-storage", "DOC ou XLS"),
        (b"{\\rtf1\\ansi", "application/rtf", "RTF"),
    ],
)
def test_one_magic_byte_table_serves_uploads_and_the_plan_importer(head, mimetype, words):
    assert sniff_magic(head) == mimetype
    with pytest.raises(PlanParseError, match=words):
        parse_plan(head + b"PLANO DE TRABALHO" * 10)


def test_text_has_no_magic():
    assert sniff_magic(b"Plano de Trabalho") is None
