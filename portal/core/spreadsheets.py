"""Table downloads (CSV and XLSX) whose cells a spreadsheet never runs as formulas.

Names, reports and details typed by users end up in the exports SEGES opens in Excel or
LibreOffice; text that starts like a formula must stay text (CSV/formula injection).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """A CSV value: text that a spreadsheet would read as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_row(values) -> list:
    return [csv_text(value) for value in values]


def xlsx_row(sheet, values) -> list:
    """Values for ``sheet.append``: strings stay strings (openpyxl stores "=..." as a formula)."""
    row = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row


def attachment(body, mimetype: str, filename: str) -> Response:
    """A download (never shown inline) that no cache keeps: ``body`` is bytes, text or an
    iterable of chunks."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def send_table(
    rows: Iterable[Sequence],
    headers: Sequence[str],
    filename: str,
    fmt: str,
    *,
    sheet: str = "Planilha",
    stream: bool = False,
) -> Response:
    """``rows`` under ``headers`` as ``<filename>.csv`` or ``<filename>.xlsx``.

    CSV is what Excel in Brazil opens directly: ";"-separated UTF-8 with a BOM. ``stream``
    sends it row by row while ``rows`` is read (the request's context stays open meanwhile);
    otherwise, and always for XLSX, the whole file is built inside the request.
    """
    if fmt == "csv":
        chunks = _csv_chunks(rows, headers)
        body = stream_with_context(chunks) if stream else "".join(chunks)
        return attachment(body, "text/csv", f"{filename}.csv")
    if fmt == "xlsx":
        return attachment(_xlsx(rows, headers, sheet), XLSX_MIMETYPE, f"{filename}.xlsx")
    raise ValueError(f"formato de planilha desconhecido: {fmt}")


def _csv_chunks(rows: Iterable[Sequence], headers: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly
    writer.writerow(headers)
    for row in rows:
        writer.writerow(csv_row(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _xlsx(rows: Iterable[Sequence], headers: Sequence[str], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
