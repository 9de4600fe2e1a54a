"""Read a *Plano de Trabalho* exported from SEI into the importer structure.

``parse_plan(data)`` accepts the SEI plain-text export (table cells separated
by tabs, ``<p>`` fragments inside cells, like ``portal/data``'s seed) and the
SEI HTML export (real ``<table>`` rows). It returns the structure of DESIGN
section 3 and touches nothing else: no database, no files.

The document is written by people, so the reader is tolerant where tolerance
cannot change the meaning (encodings, case, missing or stray accents, "Nº"
spellings, spaces instead of tabs, cells broken across lines, inline markup,
numbers written out) and strict where it could: a *prazo* that does not match
one of the known schedule shapes exactly becomes ``{"kind": "manual"}`` plus a
warning — it is never guessed.

Matching works on a *folded* copy of the text (lower case, accents removed)
that has exactly the same length as the original, so a match in the folded
text slices the original text with its accents and case intact.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from importlib import resources
from typing import Any

from text_to_num import alpha2digit

from portal.core.search import fold
from portal.core.storage import sniff_magic
from portal.core.validators import format_cnpj, format_nup, is_valid_cnpj, is_valid_nup
from portal.schedule.engine import SCHEDULE_KINDS

__all__ = [
    "SCHEDULE_KINDS",
    "SEED_PLAN_FILENAME",
    "PlanParseError",
    "parse_deadline",
    "parse_plan",
    "read_seed_plan",
]

SEED_PLAN_FILENAME = "plano-de-trabalho-act-160-2025-mg.txt"

MAX_INPUT_BYTES = 5 * 1024 * 1024  # a real plan is tens of kilobytes


class PlanParseError(ValueError):
    """The input is not a Plano de Trabalho this importer can read.

    ``str(error)`` is a one-line message in Portuguese, fit for the user.
    """


def read_seed_plan() -> bytes:
    """The Plano de Trabalho of ACT nº 160/2025 (MG) shipped in ``portal/data``."""
    return resources.files("portal.data").joinpath(SEED_PLAN_FILENAME).read_bytes()


# ===================================================================== text


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;.:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")


def _clean(text: str) -> str:
    """Visible text of a cell: markup gone, whitespace collapsed."""
    text = text.replace("**", "")
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACE_AFTER_OPEN.sub(r"\1", text)


def _clean_folded(text: str) -> str:
    return fold(_clean(text))


# ================================================================= decoding

# What a binary file is, by its magic bytes (portal.core.storage.sniff_magic).
_NOT_TEXT = {
    "image/png": "uma imagem PNG",
    "image/jpeg": "uma imagem JPEG",
    "image/gif": "uma imagem GIF",
    "application/pdf": "um PDF",
    "application/zip": "um arquivo compactado (ZIP, DOCX ou ODT)",
    "application/x-ole-storage": "um documento do Office (DOC ou XLS)",
    "application/rtf": "um documento RTF",
}
# What the second byte of a UTF-8 accented letter looks like once read as cp1252.
_CONTINUATION_CHARS = (
    bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore") + "\x81\x8d\x8f\x90\x9d"
)
_MOJIBAKE = re.compile("[\u00c3\u00c2][" + re.escape(_CONTINUATION_CHARS) + "]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_STRAY_MARKS = re.compile(r"[\u0300-\u036f]")


@functools.lru_cache(maxsize=1)
def _cp1252_bytes() -> dict[str, int]:
    """Character → byte of Windows-1252, with Latin-1 for its five holes."""
    table = {}
    for byte in range(256):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            table[chr(byte)] = byte
    return table


def _undo_mojibake(text: str) -> str | None:
    """UTF-8 that was read as Windows-1252 somewhere before reaching us."""
    table = _cp1252_bytes()
    try:
        return bytes(table[char] for char in text).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


def decode_plan(data: bytes) -> str:
    """The text of an uploaded plan (UTF-8 with or without BOM, UTF-16, Windows-1252),
    as the parser reads it; raises :class:`PlanParseError` with a pt-BR message."""
    return _decode(data, [])


def _decode(data: bytes | str, warnings: list[str]) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if not raw.strip():
            raise PlanParseError("O arquivo está vazio.")
        if len(raw) > MAX_INPUT_BYTES:
            raise PlanParseError("O arquivo é grande demais para ser um Plano de Trabalho.")
        if (binary := sniff_magic(raw)) is not None:
            what = _NOT_TEXT.get(binary, "um arquivo binário")
            raise PlanParseError(
                f"O arquivo é {what}; exporte o Plano de Trabalho do SEI em texto ou HTML."
            )
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = raw.decode("utf-16")
            except UnicodeDecodeError:
                raise PlanParseError("O arquivo não é um texto legível.") from None
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    text = raw.decode("latin-1")
    elif isinstance(data, str):
        if len(data) > MAX_INPUT_BYTES:
            raise PlanParseError("O arquivo é grande demais para ser um Plano de Trabalho.")
        text = data
    else:
        raise PlanParseError("Entrada inválida: esperado o conteúdo do arquivo.")

    if not text.strip():
        raise PlanParseError("O arquivo está vazio.")
    sample = text[:20000]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise PlanParseError("O arquivo não é um texto legível (conteúdo binário).")

    if len(_MOJIBAKE.findall(text)) >= 3:
        repaired = _undo_mojibake(text)
        if repaired is not None:
            text = repaired
            warnings.append("text was UTF-8 read as Windows-1252 (double-encoded); repaired")

    text = unicodedata.normalize("NFC", text)
    # Accents left over after composition are stray or doubled ones.
    text = _STRAY_MARKS.sub("", text).translate(_INVISIBLE)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ==================================================================== rows


@dataclass
class _Row:
    """A table row (one string per cell) or a paragraph (a single cell)."""

    cells: list[str]
    table: int | None = None  # HTML only: which <table> the row belongs to
    blank_before: bool = False  # text only: an empty line came before it

    @property
    def text(self) -> str:
        return " ".join(self.cells)


_HTML_MARKERS = re.compile(r"<\s*(?:html|body|table|tr|td|th|tbody)\b", re.IGNORECASE)
# Tags are recognised by shape so that a lone "<" in prose is left alone.
_BLOCK_TAG = re.compile(
    r"</?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote)\b[^<>]*>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")
_CELL_BREAK = "\x1f"  # a <p>/<br> inside a cell of the text export
_TEXT_CELL_SPLIT = re.compile(r"[ \u00a0]{2,}")


def _text_rows(text: str) -> list[_Row]:
    """Rows of the SEI plain-text export: one line per row, cells by tabs."""
    text = _BLOCK_TAG.sub(_CELL_BREAK, text)
    text = html.unescape(_ANY_TAG.sub("", text))
    text = _MD_LINK.sub(r"\1", text)
    rows: list[_Row] = []
    blank = False
    for line in text.split("\n"):
        if not line.replace(_CELL_BREAK, "").strip():
            blank = True
            continue
        pieces = line.split("\t") if "\t" in line else _TEXT_CELL_SPLIT.split(line.strip())
        cells = [piece.replace(_CELL_BREAK, "\n").strip() for piece in pieces]
        rows.append(_Row(cells=cells, blank_before=blank))
        blank = False
    return rows


class _HTMLRows(HTMLParser):
    """Rows of the SEI HTML export: table rows and paragraphs, in order."""

    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr"}
    )
    _SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[_Row] = []
        self._tables: list[int] = []
        self._table_count = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._para: list[str] = []
        self._skip = 0

    # -- helpers
    def _flush_para(self) -> None:
        text = "".join(self._para).strip()
        self._para = []
        if text:
            self.rows.append(_Row(cells=[text]))

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None and any(cell for cell in self._row):
            table = self._tables[-1] if self._tables else None
            self.rows.append(_Row(cells=self._row, table=table))
        self._row = None

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip = 0  # whatever was left open in <head> ends here
            return
        if tag in self._SKIP:
            self._skip += 1
            return
        if tag == "table":
            self._flush_para()
            if self._row is not None and self._cell is not None:
                # a table nested in a cell: keep the outer row going
                self._cell.append("\n")
            self._table_count += 1
            self._tables.append(self._table_count)
        elif tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            if self._row is None:
                self._row = []
            self._close_cell()
            self._cell = []
        elif tag in self._BLOCKS:
            if self._cell is not None:
                self._cell.append("\n")
            else:
                self._flush_para()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self._SKIP:
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "table":
            self._close_row()
            if self._tables:
                self._tables.pop()
        elif tag == "tr":
            self._close_row()
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag in self._BLOCKS:
            if self._cell is not None:
                self._cell.append("\n")
            else:
                self._flush_para()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._row is None:
            self._para.append(data)

    def close(self) -> None:
        super().close()
        self._close_row()
        self._flush_para()


def _html_rows(text: str) -> list[_Row]:
    parser = _HTMLRows()
    parser.feed(text)
    parser.close()
    for row in parser.rows:
        row.cells = [_MD_LINK.sub(r"\1", cell) for cell in row.cells]
    return parser.rows


# ================================================================ sections

_HEADINGS = {
    "dados": r"dados cadastrais(?: dos participes)?|identificacao dos participes",
    "objeto": r"objeto(?: do (?:acordo|act|plano de trabalho))?|identificacao do objeto",
    "justificativa": r"justificativa(?: da proposicao)?",
    "cronograma": r"cronograma fisico(?: e financeiro)?|cronograma de execucao|cronograma",
}
_HEADING = re.compile(
    r"(?:\d{1,2}\s*[.)\-\u2013]?\s*)?(?:"
    + "|".join(f"(?P<{k}>{v})" for k, v in _HEADINGS.items())
    + r")\s*:?"
)


def _heading(row: _Row) -> str | None:
    if len([c for c in row.cells if c.strip()]) != 1:
        return None
    folded = _clean_folded(row.text)
    if len(folded) > 60:
        return None
    match = _HEADING.fullmatch(folded)
    return match.lastgroup if match else None


# ================================================================ deadlines

# "30 (30)" once the words are digits: the plan wrote a number twice, and both must agree.
_DIGITS_WITH_WORDS = re.compile(r"\b(\d{1,4})\s*\(\s*(\d+)\s*\)")


class _Disagreement(Exception):
    pass


def _numbers_to_digits(folded: str) -> str:
    """'30 (trinta) dias' → '30 dias'; 'trinta dias' → '30 dias'."""
    # threshold=0: "um"/"uma" too ("uma vez ao ano"), which alpha2digit leaves as words by default
    digits = alpha2digit(folded, "pt", threshold=0)

    def written_twice(match: re.Match[str]) -> str:
        if match.group(1) != match.group(2):
            raise _Disagreement
        return match.group(1)

    return _DIGITS_WITH_WORDS.sub(written_twice, digits)


_AGREEMENT_NOUN = (
    r"(?:presente\s+|deste\s+|do\s+)?(?:acordo(?:\s+de\s+cooperacao(?:\s+tecnica)?)?|act|instrumento"
    r"|termo|ajuste)(?:\s*/\s*(?:acordo|act))*"
)
_OF_AGREEMENT = rf"(?:\s+(?:d[oa]\s+)?{_AGREEMENT_NOUN})?"
_TERM_START = rf"(?:o\s+)?inicio\s+da\s+vigencia{_OF_AGREEMENT}"
_SIGNATURE = rf"(?:a\s+)?(?:data\s+da\s+)?assinatura{_OF_AGREEMENT}"

_ONCE_AFTER = re.compile(
    r"(?:(?:em|no\s+prazo\s+de|prazo\s+de)\s+)?(?:ate\s+)?(?:o\s+prazo\s+de\s+)?"
    r"(?P<days>\d{1,4})\s+dias?(?:\s+(?P<kind>uteis|corridos))?"
    r"(?:\s+(?:apos|a\s+partir|a\s+contar|contados?(?:\s+a\s+partir)?|depois))?"
    r"(?:\s+(?:d[oa]|de))?"
    rf"\s+(?:(?P<start>{_TERM_START})|(?P<signature>{_SIGNATURE}))"
)
_AT_START = re.compile(rf"(?:(?:a\s+partir|desde)\s+d[oa]\s+|no\s+)?{_TERM_START}")
_ANNUAL = re.compile(
    r"(?:anual(?:mente)?|uma\s+vez\s+(?:ao|por)\s+ano|1\s+vez\s+(?:ao|por)\s+ano)"
    r"(?:,?\s+com\s+(?:o\s+)?(?:minimo|carga\s+horaria\s+minima)\s+de\s+(?P<hours>\d{1,4})\s+"
    r"(?:horas?|h)(?:\s+(?:ao|por)\s+ano|\s+anuais)?"
    r"|,?\s+e\s+sempre\s+(?:que|quando)\s+houver\s+(?:alteracao|alteracoes|mudanca|mudancas)"
    r"\s+(?:nos|no|do|dos|de)\s+(?P<courses>cursos|cronograma\s+(?:dos|de)\s+cursos"
    r"|calendario\s+(?:dos|de)\s+cursos))?"
)
_PERIODIC = re.compile(r"(?P<word>mensal|bimestral|trimestral|semestral)(?:mente)?")
_PERIOD_MONTHS = {"mensal": 1, "bimestral": 2, "trimestral": 3, "semestral": 6}
_DURING_TERM = re.compile(
    rf"(?:durante|ao\s+longo\s+d[ae]|por\s+toda\s+a|em\s+toda\s+a)\s+(?:toda\s+)?(?:a\s+)?vigencia"
    rf"{_OF_AGREEMENT}"
)
_PER_REGULATION = re.compile(
    r"(?:em\s+)?(?:observancia|conforme|de\s+acordo\s+com|segundo)\s+(?:(?:a|as|o|os)\s+)?"
    r"(?:norma|normas|legislacao|regulamentacao|normativo|normativos)\s+(?:vigentes?|em\s+vigor)"
)
_ON_CALL = re.compile(
    r"(?:quando|sempre\s+que(?:\s+for(?:em)?)?)\s+"
    r"(?:(?P<meeting>convocad[oa]s?|convidad[oa]s?)|(?P<request>solicitad[oa]s?|requisitad[oa]s?"
    r"|demandad[oa]s?))"
    r"(?:\s+(?:pela|pelo|por)\s+[a-z0-9 \-/]{1,120})?"
)
_MONTHLY_AFTER_ADHESION = re.compile(
    r"(?:ate\s+)?o\s+dia\s+(?P<day>\d{1,2})\s+do\s+mes\s+(?:subsequente|seguinte|posterior)\s+"
    r"(?:a|ao|a\s+data\s+da)\s+(?:celebracao|assinatura|formalizacao)\s+d[oe]s?\s+"
    r"(?:acordos?|termos?)\s+de\s+adesao"
)


def _deadline_key(text: str) -> str:
    """Folded deadline text, ready for the full-match patterns."""
    text = _ANY_TAG.sub(" ", text)
    text = html.unescape(text)
    folded = _clean_folded(text)
    folded = folded.replace("\u2013", "-").replace("\u2014", "-")
    folded = re.sub(r"\s*-\s*", "-", folded)  # "Secretaria - Executiva"
    folded = folded.strip(" .;:")
    return _numbers_to_digits(folded)


def _manual(text: str, reason: str = "not understood") -> tuple[dict[str, Any], str]:
    shown = _clean(text)
    if len(shown) > 160:
        shown = shown[:157] + "..."
    return {"kind": "manual"}, f"deadline '{shown}' {reason}; schedule set to manual"


def parse_deadline(text: str | None) -> tuple[dict[str, Any], str | None]:
    """Turn a *prazo/periodicidade* cell into a schedule.

    Returns ``(schedule, warning)``. ``schedule["kind"]`` is one of
    :data:`SCHEDULE_KINDS`; anything that does not match a known shape exactly
    gives ``{"kind": "manual"}`` and a warning (never a guess). Never raises.
    """
    if not isinstance(text, str) or not text.strip():
        return {"kind": "manual"}, "deadline is empty; schedule set to manual"
    if len(text) > 1000:
        return _manual(text, "is too long to be a deadline")
    try:
        key = _deadline_key(text)
    except _Disagreement:
        return _manual(text, "has a number whose digits and words disagree")

    if match := _ONCE_AFTER.fullmatch(key):
        days = int(match["days"])
        if not 1 <= days <= 3660:
            return _manual(text)
        schedule: dict[str, Any] = {"kind": "once_after_start", "days": days}
        if match["kind"] == "uteis":
            schedule["business_days"] = True
        if match["signature"]:
            schedule["from"] = "signature"
        return schedule, None
    if _AT_START.fullmatch(key):
        return {"kind": "at_start"}, None
    if match := _ANNUAL.fullmatch(key):
        schedule = {"kind": "annual"}
        if match["hours"]:
            hours = int(match["hours"])
            if not 1 <= hours <= 8784:
                return _manual(text)
            schedule["min_hours"] = hours
        if match["courses"]:
            schedule["also_on"] = "course_schedule_change"
        return schedule, None
    if match := _PERIODIC.fullmatch(key):
        return {"kind": "periodic", "months": _PERIOD_MONTHS[match["word"]]}, None
    if _DURING_TERM.fullmatch(key):
        return {"kind": "during_term"}, None
    if _PER_REGULATION.fullmatch(key):
        return {"kind": "per_regulation"}, None
    if match := _ON_CALL.fullmatch(key):
        return {"kind": "on_call", "trigger": "meeting" if match["meeting"] else "request"}, None
    if match := _MONTHLY_AFTER_ADHESION.fullmatch(key):
        day = int(match["day"])
        if not 1 <= day <= 28:
            return _manual(text)
        return {"kind": "monthly_after_event", "day": day, "event": "adhesion"}, None
    return _manual(text)


# ================================================================= parties

_LABELS = re.compile(
    r"(?P<name>\b(?:orgao|entidade|instituicao)(?:\s*/\s*(?:entidade|orgao))?\s*:)"
    r"|(?P<cnpj>\bcnpj(?:\s*n[o\u00b0]?\.?)?\s*:)"
    r"|(?P<sphere>\besfera(?:\s+administrativa)?\s*:)"
    r"|(?P<signatory>\b(?:nome\s+d[oa]\s+)?(?:autoridade\s+)?signatari[oa](?:\s+autorizad[oa])?\s*:"
    r"|\bnome\s+d[oa]\s+(?:autoridade|representante)(?:\s+legal)?\s*:)"
    r"|(?P<role>\bcargo(?:\s*/\s*funcao)?\s*:)"
    r"|(?P<registration>\bmatricula(?:\s+(?!no\b|n\b)(?P<registry>[a-z]{2,10}))?"
    r"\s*(?:n[o\u00b0]?\.?)?\s*:)"
)
_LABEL_KEYS = ("name", "cnpj", "sphere", "signatory", "role", "registration")
_ACRONYM = re.compile(r"\(\s*([A-Z][A-Z0-9]{1,14}(?:\s*/\s*[A-Z][A-Z0-9]{1,14})?)\s*\)")
_ACTING_THROUGH = re.compile(
    r",?\s*\b(?:por\s+meio\s+d[aeo]s?|por\s+intermedio\s+d[aeo]s?|atraves\s+d[aeo]s?)\s+"
)
# "Distrito Federal" is the distrital sphere, so it is tested before "federal".
_SPHERES = (
    ("distrit", "distrital"),
    ("federal", "federal"),
    ("estadual", "estadual"),
    ("municipal", "municipal"),
)
# fmt: off
_UFS = frozenset({
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
    "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO",
})
# fmt: on


def _party_fields(text: str) -> list[dict[str, str]]:
    """Split a run of 'Label: value' pairs into one dict per party."""
    folded = fold(text)
    matches = list(_LABELS.finditer(folded))
    parties: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for index, match in enumerate(matches):
        label = next(key for key in _LABEL_KEYS if match[key] is not None)
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = _clean(text[match.end() : end]).strip(" ;")
        if label == "registration" and match["registry"]:
            registry = text[match.start("registry") : match.end("registry")].upper()
            value = f"{registry} {value}".strip()
        if current is None or label == "name" or label in current:
            current = {}
            parties.append(current)
        current[label] = value
    return parties


def _split_name(raw: str) -> tuple[str, str | None]:
    """'Ministério … (MGI), por meio da Secretaria … (SEGES)' →
    ('Secretaria …', 'SEGES'): the party is the unit that acts."""
    folded = fold(raw)
    acting = list(_ACTING_THROUGH.finditer(folded))
    name = raw[acting[-1].end() :] if acting else raw
    # "(SEGES)" is an acronym; "(MG)" is the state the unit belongs to.
    acronyms = [m for m in _ACRONYM.finditer(name) if m.group(1) not in _UFS]
    acronym = acronyms[-1].group(1).replace(" ", "") if acronyms else None
    if acronyms and not name[acronyms[-1].end() :].strip(" .;,"):
        name = name[: acronyms[-1].start()]
    return _clean(name).strip(" ,;-\u2013"), acronym


def _sphere(value: str) -> str:
    folded = fold(value)
    for needle, sphere in _SPHERES:
        if needle in folded:
            return sphere
    return "outra"


def _is_field_row(row: _Row) -> bool:
    """A row holding the same single field of two or more parties, side by side
    ('CNPJ: …' | 'CNPJ: …'), as opposed to a row with a whole party per cell."""
    labels = []
    for cell in row.cells:
        found = list(_LABELS.finditer(fold(cell)))
        if len(found) > 1:
            return False
        if found:
            labels.append(next(k for k in _LABEL_KEYS if found[0][k] is not None))
    return len(labels) >= 2 and len(set(labels)) == 1


def _parse_parties(rows: list[_Row], warnings: list[str]) -> list[dict[str, Any]]:
    # Field-per-row layout: read each column as one party. Otherwise read the
    # cells in order, which also survives cells broken across lines.
    columns: list[list[str]] = []
    column_layout = any(_is_field_row(row) for row in rows)
    for row in rows:
        for i, cell in enumerate(row.cells):
            while len(columns) <= i:
                columns.append([])
            columns[i].append(cell)
    if column_layout:
        raw_parties = [p for col in columns for p in _party_fields("\n".join(col))]
    else:
        raw_parties = _party_fields("\n".join("\n".join(row.cells) for row in rows))

    parties = []
    for number, fields in enumerate(raw_parties, start=1):
        name, acronym = _split_name(fields.get("name", ""))
        if not name:
            warnings.append(f"party {number}: name (Órgão) not found")
        cnpj_raw = fields.get("cnpj", "")
        cnpj_compact = re.sub(r"[\s.\-/]", "", fold(cnpj_raw)).upper()
        try:
            cnpj = format_cnpj(cnpj_compact) if len(cnpj_compact) == 14 else cnpj_raw
        except ValueError:
            cnpj = cnpj_raw
        if not cnpj:
            warnings.append(f"party {number}: CNPJ not found")
        elif not is_valid_cnpj(cnpj):
            warnings.append(f"party {number}: CNPJ {cnpj} has invalid check digits")
        if "sphere" not in fields:
            warnings.append(f"party {number}: sphere (Esfera Administrativa) not found")
        parties.append(
            {
                "name": name or None,
                "acronym": acronym,
                "cnpj": cnpj or None,
                "cnpj_valid": bool(cnpj) and is_valid_cnpj(cnpj),
                "sphere": _sphere(fields.get("sphere", "")),
                "signatory": {
                    "name": fields.get("signatory") or None,
                    "role": fields.get("role") or None,
                    "registration": fields.get("registration") or None,
                },
            }
        )
    return parties


# =============================================================== cronograma

_GOAL_CODE = re.compile(r"(?:meta\s*)?(\d{1,2})\s*[.,]\s*(\d{1,2})\.?")
_COMBINED_CODE = re.compile(r"(?:eixos?\s*)?\d(?:\s*(?:e|,|/|\+|&)\s*\d)+")
_AXIS_CODE = re.compile(r"eixo\s*\d\b.*|\d")
_COMBINED_HEADER = re.compile(r"eixos?\s+combinados?")


@dataclass
class _Record:
    kind: str  # "goal", "combined", "axis", "combined_header", "header"
    cells: list[str]
    axes: list[int] = field(default_factory=list)
    code: str = ""


def _classify(row: _Row) -> _Record | None:
    first = _clean_folded(row.cells[0]).strip(" :") if row.cells else ""
    whole = _clean_folded(row.text)
    if match := _GOAL_CODE.fullmatch(first):
        axis, number = int(match.group(1)), int(match.group(2))
        return _Record("goal", list(row.cells), [axis], f"{axis}.{number}")
    if _COMBINED_CODE.fullmatch(first):
        axes = sorted({int(d) for d in re.findall(r"\d", first)})
        return _Record("combined", list(row.cells), axes)
    if _COMBINED_HEADER.fullmatch(first):
        return _Record("combined_header", list(row.cells))
    if len(whole) <= 120 and (
        ("prazo" in whole and ("respons" in whole or "descricao" in whole))
        or first.startswith(("eixos de atuacao", "metas/etapas"))
    ):
        return _Record("header", list(row.cells))
    if len(first) <= 80 and _AXIS_CODE.fullmatch(first):
        return _Record("axis", list(row.cells))
    return None


def _cronograma_records(rows: list[_Row], html_mode: bool) -> list[_Record]:
    """The cronograma's rows, from its first recognised row to the first
    paragraph after it (HTML) or the first unrecognised line after an empty
    line (text). In text, other lines continue the cell that a line break
    cut (SEI's text export and copy-paste both break long cells)."""
    records: list[_Record] = []
    current: _Record | None = None
    for row in rows:
        record = _classify(row)
        if record is not None:
            records.append(record)
            current = record
            continue
        if current is None:
            continue
        if html_mode:
            if row.table is None:
                break
            continue  # an unrelated row inside a table
        if row.blank_before or _heading(row):
            break
        # A cell broken across lines: the line continues the last cell.
        current.cells[-1] = f"{current.cells[-1]} {row.cells[0]}"
        current.cells.extend(row.cells[1:])
    return records


def _responsible(text: str) -> str | None:
    folded = _clean_folded(text)
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


def _goals(records: list[_Record], warnings: list[str]) -> list[dict[str, Any]]:
    goals: list[dict[str, Any]] = []
    combined = 0
    seen: set[str] = set()
    for record in records:
        if record.kind == "goal":
            code = record.code
        elif record.kind == "combined":
            combined += 1
            code = f"C.{combined}"
        else:
            continue
        cells = [cell.strip() for cell in record.cells[1:]]
        while len(cells) > 3 and not cells[-1]:
            cells.pop()
        if len(cells) > 3:  # a tab inside the description
            cells = [" ".join(cells[:-2]), cells[-2], cells[-1]]
        if len(cells) < 3:
            warnings.append(f"goal {code}: row has {len(cells) + 1} columns, expected 4")
            cells += [""] * (3 - len(cells))
        description, deadline, responsible_text = (_clean(c) for c in cells)
        if code in seen:
            warnings.append(f"goal {code} appears more than once")
        seen.add(code)
        if not description:
            warnings.append(f"goal {code}: description is empty")
        schedule, warning = parse_deadline(deadline)
        if warning:
            warnings.append(f"goal {code}: {warning}")
        responsible = _responsible(responsible_text)
        if responsible is None:
            warnings.append(f"goal {code}: responsible is empty; assumed the partner")
            responsible = "partner"
        goals.append(
            {
                "code": code,
                "axes": record.axes,
                "description": description,
                "deadline_text": deadline,
                "schedule": schedule,
                "responsible": responsible,
            }
        )
    return goals


_FOCAL_POINTS = re.compile(r"\bindicar\s+servidor(?:es)?\b.*\bacompanh")
_FORUMS = re.compile(r"\bparticipar\b.*\bforu(?:m|ns)\b")
_ANNUAL_REPORT = re.compile(r"\brelatorio\s+anual\b")


def goal_roles(description: str, schedule: dict, responsible: str) -> list[str]:
    """What the portal does with a goal, read from its prazo and text (GOAL_ROLES):
    ``meetings`` (receives meeting convocations), ``forums`` (forum convocations),
    ``focal_points`` (names the servidores who follow the agreement), ``training_hours``
    (an hours target), ``annual_report`` (the Rede's annual report, by SEGES). SEGES can
    change them on the agreement page."""
    text = _clean_folded(description).lower()
    roles = []
    if schedule.get("kind") == "on_call" and schedule.get("trigger") == "meeting":
        roles.append("meetings")
    if _FORUMS.search(text) and responsible != "seges":
        roles.append("forums")
    if _FOCAL_POINTS.search(text) and responsible != "seges":
        roles.append("focal_points")
    if schedule.get("min_hours"):
        roles.append("training_hours")
    if _ANNUAL_REPORT.search(text) and responsible == "seges":
        roles.append("annual_report")
    return roles


# ================================================================ document

_NUM = r"(?:\s*(?:n(?:umero|\s*\.?\s*[o\u00b0])?\s*\.?|#)\s*:?)?\s*"
_AGREEMENT_TITLE = re.compile(
    r"\b(?P<kind>act|acordo\s+de\s+cooperacao\s+tecnica|acordo\s+de\s+cooperacao"
    r"|termo\s+de\s+adesao|acordo\s+de\s+adesao)" + _NUM + r"(?P<number>\d{1,6}\s*/\s*\d{4})\b"
)
_AGREEMENT_KINDS = {
    "act": "ACT",
    "acordo de cooperacao tecnica": "ACT",
    "acordo de cooperacao": "AC",
    "termo de adesao": "TA",
    "acordo de adesao": "AA",
}
_PLAN_NUMBER = re.compile(r"\bplano\s+de\s+trabalho" + _NUM + r"(?P<number>\d{1,6}\s*/\s*\d{4})\b")
_NUP = r"(?P<nup>\d{5}\s*\.?\s*\d{6}\s*/?\s*\d{4}\s*-?\s*\d{2})(?!\d)"
_PROCESS = re.compile(r"\bprocesso\b[^\n\d]{0,40}?" + _NUP)
_SIGNATURE_LINE = re.compile(
    r"assinado\s+eletronicamente\s+por\b.{0,300}?\bem\s+(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:,?\s*(?:as|a)\s*(\d{1,2})\s*[:h]\s*(\d{2}))?",
    re.DOTALL,
)
_PARTNER_AXES = re.compile(r"\batuara\s+n[oa]s?\s+eixos?\s+(?P<axes>\d(?:\s*(?:,|e)\s*\d)*)")
_LIST_ITEM = r"\d{1,2}(?:\.\d{1,2})?"
_ADHERENT_LIST = re.compile(
    r"\b(?:metas(?:\s*(?:e|/)\s*etapas)?|etapas)\s*:?\s*"
    rf"(?P<list>{_LIST_ITEM}(?:\s*(?:,|;|\be\b)\s*{_LIST_ITEM})*)"
)


def _agreement_header(head_f: str, all_f: str) -> tuple[str | None, str | None]:
    match = _AGREEMENT_TITLE.search(head_f) or _AGREEMENT_TITLE.search(all_f)
    if not match:
        return None, None
    kind = _AGREEMENT_KINDS[_SPACES.sub(" ", match["kind"])]
    return kind, re.sub(r"\s+", "", match["number"])


def _signed_on(all_f: str) -> str | None:
    stamps = []
    for match in _SIGNATURE_LINE.finditer(all_f):
        day, month, year, hour, minute = match.groups()
        try:
            stamps.append(
                datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
            )
        except ValueError:
            continue
    return max(stamps).date().isoformat() if stamps else None


def _adherent_codes(all_f: str, goal_codes: list[str], warnings: list[str]) -> list[str]:
    region = None
    for match in re.finditer(r"\baderentes?\b", all_f):
        region = all_f[max(0, match.start() - 200) : match.end() + 600]
        break
    if region is None:
        return []
    match = _ADHERENT_LIST.search(region)
    if not match:
        warnings.append("adherent goals are mentioned but their list was not found")
        return []
    codes: list[str] = []
    known = set(goal_codes)
    for token in re.split(r"\s*(?:,|;|\be\b)\s*", match["list"]):
        if not token:
            continue
        if found := re.fullmatch(r"(\d{1,2})\.(\d{1,2})", token):
            code = f"{int(found.group(1))}.{int(found.group(2))}"
        elif re.fullmatch(r"\d\d", token) and f"{token[0]}.{token[1]}" in known:
            code = f"{token[0]}.{token[1]}"
            warnings.append(f"'{token}' read as goal {code} in the adherent list")
        else:
            warnings.append(f"'{token}' in the adherent list is not a goal code; ignored")
            continue
        if code not in known:
            warnings.append(f"adherent list names goal {code}, which is not in the cronograma")
        if code not in codes:
            codes.append(code)
    return codes


def _section(rows: list[_Row], starts: dict[str, int], name: str) -> list[_Row]:
    if name not in starts:
        return []
    start = starts[name] + 1
    later = [index for index in starts.values() if index >= start]
    return rows[start : min(later, default=len(rows))]


def parse_plan(data: bytes | str) -> dict[str, Any]:
    """Parse a Plano de Trabalho (SEI text or HTML export; bytes or text).

    Returns the importer structure of DESIGN section 3. Raises
    :class:`PlanParseError` when the input is not a Plano de Trabalho.
    """
    warnings: list[str] = []
    text = _decode(data, warnings)
    html_mode = bool(_HTML_MARKERS.search(text))
    rows = _html_rows(text) if html_mode else _text_rows(text)
    if not rows:
        raise PlanParseError("O arquivo não tem conteúdo legível.")

    starts: dict[str, int] = {}
    for index, row in enumerate(rows):
        name = _heading(row)
        if name and name not in starts:
            starts[name] = index

    all_text = "\n".join(row.text for row in rows)
    all_f = fold(all_text)

    # ---- the cronograma: the proof that this is a Plano de Trabalho
    if "cronograma" in starts:
        cron_rows = rows[starts["cronograma"] + 1 :]
    else:
        cron_rows = rows
        for index, row in enumerate(rows):
            if (record := _classify(row)) and record.kind == "header":
                cron_rows = rows[index:]
                break
    goals = _goals(_cronograma_records(cron_rows, html_mode), warnings)
    looks_like_plan = "plano de trabalho" in all_f or "cronograma" in starts
    if not goals or not looks_like_plan:
        if looks_like_plan:
            raise PlanParseError(
                "O Plano de Trabalho não tem um cronograma físico legível "
                "(nenhuma meta encontrada)."
            )
        raise PlanParseError(
            "O arquivo não é um Plano de Trabalho: não há cronograma físico com metas."
        )

    # ---- agreement header
    first_section = min(starts.values(), default=min(len(rows), 12))
    head_f = fold("\n".join(row.text for row in rows[:first_section]))
    kind, number = _agreement_header(head_f, all_f)
    if number is None:
        warnings.append("agreement number not found")
    plan_match = _PLAN_NUMBER.search(head_f) or _PLAN_NUMBER.search(all_f)
    work_plan_number = re.sub(r"\s+", "", plan_match["number"]) if plan_match else None

    processes = [format_nup(m["nup"]) for m in _PROCESS.finditer(all_f)]
    sei_process = processes[0] if processes else None
    if sei_process is None:
        warnings.append("SEI process number not found")
    elif any(other != sei_process for other in processes[1:]):
        others = ", ".join(sorted({p for p in processes if p != sei_process}))
        warnings.append(
            f"the document cites other process numbers ({others}) besides {sei_process}"
        )
    sei_process_valid = bool(sei_process) and is_valid_nup(sei_process)
    if sei_process and not sei_process_valid:
        warnings.append(f"SEI process {sei_process} has invalid check digits")

    object_rows = _section(rows, starts, "objeto")
    agreement_object = _clean(" ".join(row.text for row in object_rows)) or None
    if agreement_object is None:
        warnings.append("object (OBJETO) not found")

    signed_on = _signed_on(all_f)
    if signed_on is None:
        warnings.append("no electronic signature found; signed_on left empty")

    party_rows = _section(rows, starts, "dados")
    if not party_rows:
        end = min(starts.values(), default=len(rows))
        party_rows = rows[:end]
    parties = _parse_parties(party_rows, warnings)
    if not parties:
        warnings.append("parties (DADOS CADASTRAIS) not found")

    axes_match = _PARTNER_AXES.search(all_f)
    if axes_match:
        axes = sorted({int(d) for d in re.findall(r"\d", axes_match["axes"])})
    else:
        axes = sorted({axis for goal in goals for axis in goal["axes"]})

    goal_codes = [goal["code"] for goal in goals]
    adherent = _adherent_codes(all_f, goal_codes, warnings)

    return {
        "agreement": {
            "kind": kind,
            "number": number,
            "work_plan_number": work_plan_number,
            "sei_process": sei_process,
            "sei_process_valid": sei_process_valid,
            "object": agreement_object,
            "signed_on": signed_on,
            "parties": parties,
            "axes": axes,
        },
        "goals": goals,
        "adherent_goal_codes": adherent,
        "warnings": warnings,
    }
