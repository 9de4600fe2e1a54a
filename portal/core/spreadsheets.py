"""Table downloads (CSV and XLSX) whose cells a spreadsheet never runs as formulas.

Names, reports and details typed by users end up in the exports SEGES opens in Excel or
LibreOffice; text that starts like a formula must stay text (CSV/formula injection).

An export of a filtered page is what the page lists, and says so: its first lines (the
``preamble``, e.g. ``Filtros: UF = MG; Camada = 2ª camada``) come before a blank line and the
column headers.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from wtforms import Form, SelectFieldBase

from portal.core.formatting import format_date

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


def applied_filters(form: Form, names: Iterable[str]) -> list[tuple[str, str]]:
    """(label, value as the page shows it) of each field of ``form`` named in ``names`` that
    filters the page: filled in and valid (an invalid filter is ignored by the page)."""
    applied = []
    for name in names:
        field = form._fields.get(name)
        if field is None or field.errors or field.data in (None, ""):
            continue
        value = field.data
        if isinstance(field, SelectFieldBase):
            value = next((label for _v, label, selected, *_ in field.iter_choices() if selected),
                         value)
        elif isinstance(value, date):
            value = format_date(value)
        applied.append((field.label.text, str(value)))
    return applied


def filters_line(applied: Iterable[tuple[str, str]]) -> str:
    """``Filtros: UF = MG; Camada = 2ª camada`` (``Filtros: nenhum`` when nothing filters)."""
    return "Filtros: " + ("; ".join(f"{label} = {value}" for label, value in applied) or "nenhum")


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
    preamble: Sequence[str] = (),
) -> Response:
    """``rows`` under ``headers`` as ``<filename>.csv`` or ``<filename>.xlsx``, after the
    ``preamble`` lines (one cell each) and a blank line, when there are any.

    CSV is what Excel in Brazil opens directly: ";"-separated UTF-8 with a BOM. ``stream``
    sends it row by row while ``rows`` is read (the request's context stays open meanwhile);
    otherwise, and always for XLSX, the whole file is built inside the request.
    """
    top = [*([line] for line in preamble), *([[]] if preamble else []), headers]
    if fmt == "csv":
        chunks = _csv_chunks(rows, top)
        body = stream_with_context(chunks) if stream else "".join(chunks)
        return attachment(body, "text/csv", f"{filename}.csv")
    if fmt == "xlsx":
        return attachment(_xlsx(rows, top, sheet), XLSX_MIMETYPE, f"{filename}.xlsx")
    raise ValueError(f"formato de planilha desconhecido: {fmt}")


def _csv_chunks(rows: Iterable[Sequence], top: Sequence[Sequence]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly
    writer.writerows(csv_row(row) for row in top)
    for row in rows:
        writer.writerow(csv_row(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _xlsx(rows: Iterable[Sequence], top: Sequence[Sequence], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in chain(top, rows):
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
