"""The text of an uploaded Plano de Trabalho, as rows of cells.

``decode`` turns the bytes SEI (or a clerk) produced — UTF-8 with or without BOM,
UTF-16, Windows-1252, UTF-8 read twice — into text; ``text_rows`` and ``html_rows`` cut
it into rows: table rows (one string per cell) and paragraphs (a single cell). The text
export separates cells by tabs, by "|" or by runs of spaces (then each cell keeps the
column it starts at, so a cell broken across lines can be put back in its column);
the HTML export has real ``<table>`` rows, whose merged cells (``rowspan``) are repeated
in every row they cover and marked as such.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from portal.core.search import fold
from portal.core.storage import sniff_magic

MAX_INPUT_BYTES = 5 * 1024 * 1024  # a real plan is tens of kilobytes


class PlanParseError(ValueError):
    """The input is not a Plano de Trabalho this importer can read.

    ``str(error)`` is a one-line message in Portuguese, fit for the user.
    """


# ===================================================================== text


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;.:!?)\]])")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")


def clean(text: str) -> str:
    """Visible text of a cell: markup gone, whitespace collapsed."""
    text = text.replace("**", "")
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return _SPACE_AFTER_OPEN.sub(r"\1", text)


def clean_folded(text: str) -> str:
    return fold(clean(text))


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
    return decode(data, [])


def decode(data: bytes | str, warnings: list[str]) -> str:
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
            warnings.append(
                "o texto estava em UTF-8 lido como Windows-1252 (codificação dupla) e foi corrigido"
            )

    text = unicodedata.normalize("NFC", text)
    # Accents left over after composition are stray or doubled ones.
    text = _STRAY_MARKS.sub("", text).translate(_INVISIBLE)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ==================================================================== rows


@dataclass
class Row:
    """A table row (one string per cell) or a paragraph (a single cell)."""

    cells: list[str]
    table: int | None = None  # HTML only: which <table> the row belongs to
    blank_before: bool = False  # text only: an empty line came before it
    # text aligned by spaces only: the column each cell starts at
    offsets: list[int] | None = None
    # HTML only: cells repeated from a merged cell (rowspan) of a row above
    spanned: set[int] = field(default_factory=set)

    @property
    def text(self) -> str:
        return " ".join(self.cells)


HTML_MARKERS = re.compile(r"<\s*(?:html|body|table|tr|td|th|tbody)\b", re.IGNORECASE)
# Tags are recognised by shape so that a lone "<" in prose is left alone.
_BLOCK_TAG = re.compile(
    r"</?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote)\b[^<>]*>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
_MD_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")
_CELL_BREAK = "\x1f"  # a <p>/<br> inside a cell of the text export
_SPACED_CELL = re.compile(r"[^ \u00a0](?:.*?[^ \u00a0])?(?=[ \u00a0]{2,}|$)")
_PIPE_RULE = re.compile(r"\s*\|?[\s:|\-+=]*\|[\s:|\-+=]*")  # |---|:--| between rows


def _is_pipe_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") or stripped.count("|") >= 3


def _pipe_cells(line: str) -> list[str]:
    pieces = line.strip().split("|")
    if pieces and not pieces[0].strip():
        pieces = pieces[1:]
    if pieces and not pieces[-1].strip():
        pieces = pieces[:-1]
    return pieces


def text_rows(text: str) -> list[Row]:
    """Rows of the SEI plain-text export: one line per row, cells by tabs, by "|" or by
    runs of two or more spaces (then each cell keeps the column it starts at)."""
    text = _BLOCK_TAG.sub(_CELL_BREAK, text)
    text = html.unescape(_ANY_TAG.sub("", text))
    text = _MD_LINK.sub(r"\1", text)
    rows: list[Row] = []
    blank = False
    for line in text.split("\n"):
        if not line.replace(_CELL_BREAK, "").strip():
            blank = True
            continue
        offsets = None
        if "\t" in line:
            pieces = line.split("\t")
        elif _is_pipe_row(line):
            if _PIPE_RULE.fullmatch(line):
                continue
            pieces = _pipe_cells(line)
        else:
            found = list(_SPACED_CELL.finditer(line))
            pieces = [match.group(0) for match in found]
            offsets = [match.start() for match in found]
        cells = [piece.replace(_CELL_BREAK, "\n").strip() for piece in pieces]
        rows.append(Row(cells=cells, blank_before=blank, offsets=offsets))
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
        self.rows: list[Row] = []
        self._tables: list[int] = []
        self._table_count = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._para: list[str] = []
        self._skip = 0
        # per open table: column → (rows still covered, text) of merged cells
        self._spans: list[dict[int, tuple[int, str]]] = []
        self._spanned: set[int] = set()
        self._rowspan = 1

    # -- helpers
    def _flush_para(self) -> None:
        text = "".join(self._para).strip()
        self._para = []
        if text:
            self.rows.append(Row(cells=[text]))

    def _fill_spans(self) -> None:
        """Repeat the merged cells of rows above that cover the next columns."""
        spans = self._spans[-1] if self._spans else {}
        while self._row is not None and len(self._row) in spans:
            column = len(self._row)
            left, text = spans[column]
            self._row.append(text)
            self._spanned.add(column)
            if left > 1:
                spans[column] = (left - 1, text)
            else:
                del spans[column]

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            if self._rowspan > 1 and self._spans:
                self._spans[-1][len(self._row)] = (self._rowspan - 1, text)
            self._row.append(text)
        self._cell = None
        self._rowspan = 1

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self._fill_spans()
        if self._row is not None and any(cell for cell in self._row):
            table = self._tables[-1] if self._tables else None
            self.rows.append(Row(cells=self._row, table=table, spanned=self._spanned))
        self._row = None
        self._spanned = set()

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
            self._spans.append({})
        elif tag == "tr":
            self._close_row()
            self._row = []
        elif tag in ("td", "th"):
            if self._row is None:
                self._row = []
            self._close_cell()
            self._fill_spans()
            self._cell = []
            self._rowspan = _span_attribute(attrs, "rowspan")
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
                self._spans.pop()
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


def _span_attribute(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    return min(int(value), 200) if value.strip().isdigit() and int(value) > 0 else 1


def html_rows(text: str) -> list[Row]:
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
    "cronograma": (
        r"cronograma fisico(?:(?: e |-| )financeiro)?(?: de execucao)?"
        r"|cronograma de (?:execucao|metas)(?: das metas)?|cronograma"
        r"|(?:quadro|detalhamento) (?:de|das) metas(?: e etapas)?|metas,? etapas e prazos"
    ),
}
_HEADING = re.compile(
    r"(?:(?:\d{1,2}|[ivx]{1,4})\s*[.)\-\u2013]?\s*)?(?:"
    + "|".join(f"(?P<{k}>{v})" for k, v in _HEADINGS.items())
    + r")\s*:?"
)


def heading(row: Row) -> str | None:
    if len([c for c in row.cells if c.strip()]) != 1:
        return None
    folded = clean_folded(row.text)
    if len(folded) > 60:
        return None
    match = _HEADING.fullmatch(folded)
    return match.lastgroup if match else None


