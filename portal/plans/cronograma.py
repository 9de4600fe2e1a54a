"""The *cronograma físico* of a Plano de Trabalho, read row by row into goals.

Clerks lay the table out in many ways: four columns (meta, descrição, prazo,
responsável) or five (with an *Eixo* column), in the header's order; eixos as heading
rows ("1 Melhoria da Gestão", "EIXO II – CAPACITAÇÃO") or as a column; codes as "1.1",
"Meta 1.1", "Etapa 1.1.", with sub-etapas ("1.1.1") that are goals of their own;
"eixos combinados" rows ("1 e 3"); cells broken across lines in text exports, merged
cells (``rowspan``) in HTML ones.

Every goal comes out read with certainty or flagged: ``warnings`` says, in Portuguese,
which cell was unsure, what was understood and why, and ``needs_review`` is true. A
goal is flagged when its prazo was not read (manual) or only partly, when words came
from a neighbouring row (a continuation line that changes the prazo's reading, a merged
cell, a row without a code), when its code appears twice, when a sub-etapa has no meta,
when the code and the eixo disagree, when a column is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal.core.search import fold
from portal.plans.document import Row, clean, clean_folded, heading
from portal.plans.prazo import normalise, read_prazo

# The Rede's eixos, by name, for headings that give no number.
AXIS_NAMES = (("melhoria", 1), ("capacitacao", 2), ("comunicacao", 3), ("transparencia", 3))
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_NUMBER = r"(?:\d{1,2}|i{1,3}|iv|v)"
_GOAL_CODE = re.compile(
    r"(?:(?:meta|etapa|sub-?etapa|acao|item)\s*(?:n[o.\u00ba]*\s*)?)?"
    rf"(?P<axis>{_NUMBER})\s*[.,]\s*(?P<goal>\d{{1,2}})(?:\s*[.,]\s*(?P<step>\d{{1,2}}))?"
    r"\s*[.)\-\u2013:]?"
)
_CODE_THEN_TEXT = re.compile(_GOAL_CODE.pattern + r"\s+(?=\S)")
_COMBINED_CODE = re.compile(
    rf"(?:eixos?\s*(?:combinados?\s*)?)?{_NUMBER}(?:\s*(?:e|,|/|\+|&)\s*{_NUMBER})+"
)
_AXIS_HEADING = re.compile(
    rf"(?:eixo\s*(?:de\s+atuacao\s*)?(?:n[o.\u00ba]*\s*)?)?(?P<number>{_NUMBER})"
    r"(?:\s*[-\u2013.:)]\s*|\s+)?(?P<name>[a-z][^\d]{0,78})?"
)
_AXIS_NAME = re.compile(
    r"(?:eixo\s*(?:de\s+)?)?(?:melhoria\s+da\s+gestao(?:\s+(?:publica|das\s+parcerias))?"
    r"|capacitacao(?:\s+dos\s+usuarios(?:\s+do\s+sistema)?)?"
    r"|comunicacao\s+e\s+transparencia)"
)
_COMBINED_ROW_CODE = re.compile(r"c\s*[.-]?\s*\d{1,2}\.?")
_COMBINED_HEADING = re.compile(r"eixos?\s+combinados?(?:\s*\(.*\))?")
_HOURS_IN_TEXT = re.compile(
    r"(?P<hours>\d{1,4})\s+horas(?:\s+de\s+[a-z]+)?\s+(?:ao|por|a\s+cada)\s+(?:ano|exercicio)"
    r"|(?P<hours2>\d{1,4})\s+horas(?:\s+de\s+[a-z]+)?\s+anua(?:is|lmente)"
    r"|(?:minimo|minima|pelo\s+menos|totalizando)\s+(?:de\s+)?(?P<hours3>\d{1,4})\s+horas"
)
_OFFSET_TOLERANCE = 2

# Which header words name which column.
_HEADER_WORDS = (
    ("prazo", re.compile(r"\bprazo|periodicidade|\bquando\b|\bdata\b|\bfrequencia")),
    ("description", re.compile(r"\bdescri|\batividades?\b|\bac(?:ao|oes)\b|especificac")),
    ("responsible", re.compile(r"respons|executor")),
    ("code", re.compile(r"\bmetas?\b|\betapas?\b|\bitem\b|\bcodigo\b|^n[o.\u00ba]*$")),
    ("axis", re.compile(r"\beixos?\b")),
)


@dataclass
class Layout:
    """Which cell holds what; ``axis`` is None when eixos are headings, not a column."""

    code: int = 0
    description: int = 1
    prazo: int = 2
    responsible: int = 3
    axis: int | None = None
    from_header: bool = False

    @property
    def standard(self) -> bool:
        """Code, description, prazo, responsible, in this order, and no Eixo column."""
        return (self.code, self.description, self.prazo, self.responsible, self.axis) == (
            0, 1, 2, 3, None)

    @property
    def width(self) -> int:
        return max(self.code, self.description, self.prazo, self.responsible, self.axis or 0) + 1


@dataclass
class Record:
    """A goal row of the cronograma, with the lines and cells that were joined to it."""

    code: str  # "1.1", "1.1.1", or "" for a combined row (numbered C.n later)
    axes: list[int]
    cells: list[str]
    layout: Layout
    offsets: list[int] | None = None
    own_prazo: str | None = None  # the prazo cell as its own line had it
    warnings: list[str] = field(default_factory=list)
    code_axis: int | None = None

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""


# ===================================================================== layout


def header_layout(row: Row) -> Layout | None:
    """The layout a header row names ("Meta | Descrição | Prazo | Responsável"), or None."""
    if len([c for c in row.cells if c.strip()]) < 3:
        return None
    found: dict[str, int] = {}
    for index, cell in enumerate(row.cells):
        text = clean_folded(cell)
        if not text or len(text) > 60:
            continue
        for name, pattern in _HEADER_WORDS:
            if pattern.search(text) and name not in found:
                found[name] = index
                break
    if not {"prazo", "description"} <= set(found) or len(found) < 3:
        return None
    code = found.get("code", found.get("axis", 0))
    axis = found.get("axis")
    return Layout(
        code=code,
        description=found["description"],
        prazo=found["prazo"],
        responsible=found.get("responsible", found["prazo"] + 1),
        axis=axis if axis is not None and axis != code else None,
        from_header=True,
    )


def _five_column(row: Row) -> Layout | None:
    """A headerless row "eixo | código | descrição | prazo | responsável"."""
    if len(row.cells) < 5 or not _GOAL_CODE.fullmatch(_code_text(row.cells[1])):
        return None
    first = clean_folded(row.cells[0])
    if first and not (_axis_of_heading(first) or _COMBINED_CODE.fullmatch(first)):
        return None
    return Layout(code=1, description=2, prazo=3, responsible=4, axis=0)


# ====================================================================== codes


def _code_text(cell: str) -> str:
    return clean_folded(cell).strip(" :;-\u2013")


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _ROMAN[token]


def goal_code(cell: str) -> tuple[str, int] | None:
    """('1.1', 1) for "Meta 1.1", "1.1.", "Etapa I.1"; ('1.1.1', 1) for a sub-etapa."""
    match = _GOAL_CODE.fullmatch(_code_text(cell))
    if not match:
        return None
    axis = _number(match["axis"])
    parts = [axis, int(match["goal"])] + ([int(match["step"])] if match["step"] else [])
    return ".".join(str(part) for part in parts), axis


def _combined_axes(text: str) -> list[int] | None:
    if not _COMBINED_CODE.fullmatch(text):
        return None
    words = re.sub(r"eixos?|combinados?", " ", text)
    return sorted({_number(token) for token in re.findall(_NUMBER, words)})


def _axis_of_heading(text: str, *, strict: bool = False) -> list[int] | None:
    """The eixo a heading names: "1", "Eixo 2 – Capacitação", "III. Comunicação…", or a
    known eixo's name alone. ``strict`` (a whole line of text, which could as well be a
    cell broken across lines): a number only with "Eixo" or with an eixo's name."""
    if len(text) > 90:
        return None
    if match := _AXIS_HEADING.fullmatch(text):
        name = match["name"] or ""
        if not strict or text.startswith("eixo") or _AXIS_NAME.match(name):
            return [_number(match["number"])]
    if _AXIS_NAME.fullmatch(text):
        stripped = re.sub(r"^eixo\s*(?:de\s+)?", "", text)
        return next([axis] for word, axis in AXIS_NAMES if stripped.startswith(word))
    return None


# ===================================================================== rows


def is_header(row: Row) -> bool:
    """A header row of the cronograma ("Meta | Descrição | Prazo | Responsável")."""
    whole = clean_folded(row.text)
    if len(whole) > 140 or any(goal_code(cell) for cell in row.cells):
        return False
    return header_layout(row) is not None or whole.startswith(("eixos de atuacao", "metas/etapas"))


class _Reader:
    """Walks the cronograma's rows, keeping the current eixo and layout."""

    def __init__(self, html_mode: bool) -> None:
        self.html_mode = html_mode
        self.layout = Layout()
        self.axes: list[int] = []
        self.combined = False
        self.records: list[Record] = []
        self.started = False
        self.header_offsets: list[int] | None = None

    def read(self, rows: list[Row]) -> list[Record]:
        for row in rows:
            if not self._take(row) and self._ends(row):
                break
        return self.records

    # -- one row
    def _take(self, row: Row) -> bool:
        """Take ``row`` into the cronograma; False when it is not part of it."""
        if is_header(row):
            if (layout := header_layout(row)) is not None:
                self.layout = layout
                self.header_offsets = row.offsets
            self.started = True
            return True
        layout = _five_column(row) if not self.layout.from_header else None
        layout = layout or self.layout
        axis_cell = self._axis_cell(row, layout)
        if axis_cell == "heading":
            return True
        code_cell = row.cells[layout.code] if layout.code < len(row.cells) else ""
        if layout.code in row.spanned and self.records:
            self._continue(row, layout, merged=True)
            return True
        if (found := goal_code(code_cell)) is not None:
            self._goal(row, layout, *found)
            return True
        if (found := self._code_with_text(row, layout)) is not None:
            return True
        folded = _code_text(code_cell)
        if (axes := _combined_axes(folded)) is not None and len(row.cells) > 1:
            self._add(row, layout, "", axes, None)
            return True
        if _COMBINED_ROW_CODE.fullmatch(folded) or (
            self.combined and (axis_cell == "set" or self._is_full_row(row, layout))
        ):
            self._add(row, layout, "", self.axes if self.combined else [], None)
            return True
        if _COMBINED_HEADING.fullmatch(clean_folded(row.text)):
            self.combined, self.started = True, True
            return True
        if self._axis_heading(row):
            return True
        if self.records and self._is_continuation(row, layout):
            self._continue(row, layout, merged=False)
            return True
        return False

    @staticmethod
    def _is_full_row(row: Row, layout: Layout) -> bool:
        """A row of an Eixo-column table without its own code: description and prazo."""
        if layout.axis is None or len(row.cells) < layout.width - 1:
            return False
        return bool(row.cells[layout.description].strip() and row.cells[layout.prazo].strip())

    def _ends(self, row: Row) -> bool:
        if not self.records:
            return False
        if self.html_mode:
            return row.table is None
        return row.blank_before or heading(row) is not None

    def _axis_cell(self, row: Row, layout: Layout) -> str | None:
        """A five-column row's Eixo cell: ``"heading"`` when the row holds nothing else,
        ``"set"`` when it set the eixo of a goal row, None when it is empty."""
        if layout.axis is None or layout.axis >= len(row.cells):
            return None
        text = _code_text(row.cells[layout.axis])
        if not text:
            return None
        axes = _combined_axes(text) or _axis_of_heading(text)
        if axes:
            self.axes, self.combined, self.started = axes, len(axes) > 1, True
        others = [c for i, c in enumerate(row.cells) if i != layout.axis and c.strip()]
        return "set" if others else "heading"

    def _axis_heading(self, row: Row) -> bool:
        """"1 | Melhoria da Gestão", "EIXO 2 – CAPACITAÇÃO", "Eixos combinados"…"""
        cells = [clean_folded(c).strip(" :;") for c in row.cells if c.strip()]
        if not cells or len(cells) > 2:
            return False
        if len(cells) == 2:
            axes = _axis_of_heading(cells[0]) if _AXIS_HEADING.fullmatch(cells[0]) else None
            if axes and (cells[0][0].isdigit() or cells[0].startswith("eixo")
                         or cells[0] in _ROMAN):
                self.axes, self.combined, self.started = axes, False, True
                return True
            return False
        axes = _axis_of_heading(cells[0], strict=True)
        if axes is None:
            return False
        self.axes, self.combined, self.started = axes, False, True
        return True

    def _code_with_text(self, row: Row, layout: Layout) -> Record | None:
        """"1.1 - Indicar servidores…" in one cell, the row a column short."""
        if len(row.cells) != layout.width - 1 or layout.code >= len(row.cells):
            return None
        cell = row.cells[layout.code]
        match = _CODE_THEN_TEXT.match(fold(cell))
        if not match or (found := goal_code(cell[: match.end()])) is None:
            return None
        cells = list(row.cells)
        cells[layout.code : layout.code + 1] = [cell[: match.end()], cell[match.end() :]]
        return self._goal(Row(cells=cells, offsets=None, spanned=row.spanned), layout, *found)

    def _goal(self, row: Row, layout: Layout, code: str, code_axis: int) -> Record:
        axes = self.axes if self.axes and not self.combined else []
        return self._add(row, layout, code, axes or [code_axis], code_axis)

    def _add(self, row: Row, layout: Layout, code: str, axes: list[int],
             code_axis: int | None) -> Record:
        cells = list(row.cells)
        if self._aligned(row):
            cells = []
            self._place(cells, row, self.header_offsets or [], [])
        record = Record(code, list(axes), cells, layout, row.offsets, code_axis=code_axis)
        record.own_prazo = record.cell(layout.prazo)
        if layout.prazo in row.spanned:
            above = self.records[-1].code if self.records else ""
            record.warnings.append(
                f"o prazo vem de uma célula mesclada com a linha da meta {above or 'anterior'}"
                "; confira se vale para esta meta"
            )
        self.records.append(record)
        self.started = True
        return record

    # -- continuation lines
    def _is_continuation(self, row: Row, layout: Layout) -> bool:
        if self.html_mode:
            code_empty = layout.code >= len(row.cells) or not row.cells[layout.code].strip()
            return row.table is not None and code_empty and len(row.cells) > 1
        return not (row.blank_before or heading(row))

    def _continue(self, row: Row, layout: Layout, *, merged: bool) -> None:
        record = self.records[-1]
        if self.html_mode:
            self._join_columns(record, row, skip=row.spanned)
            if not merged:
                record.warnings.append(
                    "uma linha sem código logo abaixo foi juntada a esta meta; confira"
                )
            return
        if self._aligned(self._line_of(record)):
            self._place(record.cells, row, self.header_offsets or [], record.warnings)
        elif len(row.cells) > 1 and not row.cells[0].strip():
            self._join_columns(record, row, skip=set())
        else:
            # A cell broken across lines: the line continues the last cell.
            record.cells[-1] = f"{record.cells[-1]} {row.cells[0]}"
            record.cells.extend(row.cells[1:])

    @staticmethod
    def _join_columns(record: Record, row: Row, skip: set[int]) -> None:
        for index, cell in enumerate(row.cells):
            if index in skip or not cell.strip():
                continue
            while len(record.cells) <= index:
                record.cells.append("")
            record.cells[index] = f"{record.cells[index]} {cell}".strip()

    def _aligned(self, row: Row) -> bool:
        """A space-aligned line whose cells start where the header's columns do."""
        columns = self.header_offsets
        if row.offsets is None or not columns or len(columns) < 3:
            return False
        return all(
            any(abs(start - offset) <= _OFFSET_TOLERANCE for start in columns)
            for offset in row.offsets
        )

    @staticmethod
    def _line_of(record: Record) -> Row:
        return Row(cells=[], offsets=record.offsets)

    @staticmethod
    def _place(cells: list[str], row: Row, columns: list[int], warnings: list[str]) -> None:
        """Put each piece of a space-aligned line into the column it starts in."""
        for piece, offset in zip(row.cells, row.offsets or [], strict=False):
            index = max((i for i, start in enumerate(columns)
                         if start <= offset + _OFFSET_TOLERANCE), default=0)
            if columns and abs(columns[index] - offset) > _OFFSET_TOLERANCE:
                warnings.append(
                    f"o trecho “{clean(piece)}” de uma linha seguinte não está alinhado a "
                    "uma coluna; foi juntado à mais próxima — confira"
                )
            while len(cells) <= index:
                cells.append("")
            cells[index] = f"{cells[index]} {piece}".strip()


def cronograma_records(rows: list[Row], html_mode: bool) -> list[Record]:
    """The cronograma's goal rows, from its first recognised row to its end: the first
    paragraph after it (HTML) or the first unrecognised line after an empty line (text).
    """
    return _Reader(html_mode).read(rows)


# ====================================================================== goals


def responsible(text: str) -> str | None:
    """``seges``, ``partner`` or ``both`` from the Responsável cell; None when empty."""
    folded = clean_folded(text)
    if not folded:
        return None
    if re.fullmatch(r"(?:ambos|ambos\s+os\s+participes|(?:todos\s+)?(?:os\s+)?participes)", folded):
        return "both"
    seges = re.compile(r"\bseges\b|\bmgi\b|secretaria\s+de\s+gestao\s+e\s+(?:da\s+)?inovacao")
    has_seges = bool(seges.search(folded))
    rest = seges.sub(" ", folded)
    rest = re.sub(r"\b(?:e|a|o|da|do|com|apoio)\b|[^a-z0-9]", " ", rest)
    has_other = bool(rest.strip())
    if has_seges:
        return "both" if has_other else "seges"
    return "partner"


def _cells(record: Record) -> tuple[list[str], str | None]:
    """(description, prazo, responsible) and a warning when columns are missing."""
    layout = record.layout
    cells = [cell.strip() for cell in record.cells]
    if layout.standard:
        cells = cells[1:]
        while len(cells) > 3 and not cells[-1]:
            cells.pop()
        if len(cells) > 3:  # a tab inside the description
            cells = [" ".join(cells[:-2]), cells[-2], cells[-1]]
        warning = None
        if len(cells) < 3:
            warning = f"a linha tem {len(cells) + 1} colunas; esperadas 4"
            cells += [""] * (3 - len(cells))
        return cells, warning
    wanted = (layout.description, layout.prazo, layout.responsible)
    warning = None
    if max(wanted) >= len(cells):
        warning = f"a linha tem {len(cells)} colunas; esperadas {layout.width}"
    return [cells[i] if i < len(cells) else "" for i in wanted], warning


def _hours_in(description: str) -> int | None:
    match = _HOURS_IN_TEXT.search(normalise(description))
    if not match:
        return None
    return int(match["hours"] or match["hours2"] or match["hours3"])


def _with_description_hours(
    schedule: dict[str, Any], description: str, warnings: list[str]
) -> dict[str, Any]:
    """The hours target the description states ("… no mínimo 60 horas anuais")."""
    hours = _hours_in(description)
    if hours is None or not 1 <= hours <= 8784:
        return schedule
    if schedule["kind"] != "annual":
        warnings.append(
            f"a descrição cita {hours} horas, mas o prazo não é anual; a meta de horas não "
            "foi registrada"
        )
        return schedule
    if schedule.get("min_hours") not in (None, hours):
        warnings.append(
            f"a descrição cita {hours} horas e o prazo {schedule['min_hours']} horas; "
            "ficou a do prazo"
        )
        return schedule
    return {**schedule, "min_hours": hours}


def _prazo_reading(record: Record, prazo: str, warnings: list[str]) -> dict[str, Any]:
    reading = read_prazo(prazo)
    if reading.warning:
        warnings.append(reading.warning)
    own = clean(record.own_prazo or "")
    added = clean(prazo)[len(own) :].strip() if clean(prazo).startswith(own) else ""
    # A cell broken across lines goes on in lower case; a capital starts another cell's text.
    if own and added[:1].isupper():
        alone = read_prazo(own)
        if alone.schedule["kind"] != "manual" and alone.schedule != reading.schedule:
            warnings.append(
                f"o prazo juntou o texto de uma linha seguinte (“{added}”) e mudou de "
                f"leitura; sem ele seria “{own}” — confira"
            )
    return reading.schedule


def goals_of(records: list[Record]) -> list[dict[str, Any]]:
    """The goals of the cronograma's records, each with its ``warnings``."""
    goals: list[dict[str, Any]] = []
    combined = 0
    for record in records:
        if record.code:
            code = record.code
        else:
            combined += 1
            code = f"C.{combined}"
        warnings = list(record.warnings)
        (description, prazo, responsible_text), columns = _cells(record)
        description, prazo = clean(description), clean(prazo)
        if columns:
            warnings.append(columns)
        if not description:
            warnings.append("descrição em branco")
        schedule = _prazo_reading(record, prazo, warnings)
        schedule = _with_description_hours(schedule, description, warnings)
        party = responsible(responsible_text)
        if party is None:
            warnings.append("responsável em branco; considerado o partícipe")
            party = "partner"
        if record.code_axis is not None and record.axes != [record.code_axis]:
            axes = " e ".join(str(axis) for axis in record.axes)
            warnings.append(
                f"o código indica o eixo {record.code_axis}, mas a linha está no eixo {axes}"
            )
        goals.append(
            {
                "code": code,
                "axes": record.axes,
                "description": description,
                "deadline_text": prazo,
                "schedule": schedule,
                "responsible": party,
                "warnings": warnings,
            }
        )
    _check_codes(goals)
    return goals


def _check_codes(goals: list[dict[str, Any]]) -> None:
    """Codes that appear twice, sub-etapas whose meta is missing."""
    seen: dict[str, int] = {}
    for goal in goals:
        seen[goal["code"]] = seen.get(goal["code"], 0) + 1
    codes = set(seen)
    for goal in goals:
        code = goal["code"]
        if seen[code] > 1:
            goal["warnings"].append(f"o código {code} aparece {seen[code]} vezes no cronograma")
        parent = code.rpartition(".")[0]
        if code.count(".") == 2 and parent not in codes:
            goal["warnings"].append(f"sub-etapa sem a meta {parent} no cronograma")
