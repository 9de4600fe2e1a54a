"""CSV and XLSX cells that a spreadsheet never runs as formulas (CSV/formula injection).

Names, reports and details typed by users end up in the exports SEGES opens in Excel or
LibreOffice; text that starts like a formula must stay text.
"""

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
