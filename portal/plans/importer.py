"""Read a *Plano de Trabalho* exported from SEI into the importer structure.

``parse_plan(data)`` accepts the SEI plain-text export (table cells separated by tabs,
"|" or runs of spaces, ``<p>`` fragments inside cells, like ``portal/data``'s seed) and
the SEI HTML export (real ``<table>`` rows). It returns the structure of DESIGN section 3
and touches nothing else: no database, no files.

The reading is split by what it reads: :mod:`portal.plans.document` (bytes → rows of
cells), :mod:`portal.plans.cronograma` (the table of metas → goals),
:mod:`portal.plans.prazo` (a prazo cell → a schedule); this module reads the rest of the
document (agreement, parties, adherents' goals) and puts it together.

The document is written by people, so the reader is tolerant where tolerance cannot
change the meaning (encodings, case, missing or stray accents, "Nº" spellings, layouts,
numbers written out) and says so where it could: every goal carries ``warnings`` (pt-BR)
and ``needs_review``; a prazo that is not read becomes ``{"kind": "manual"}`` — never a
guess. Goal warnings are repeated in the plan's ``warnings``, prefixed by the goal code.

Matching works on a *folded* copy of the text (lower case, accents removed) that has
exactly the same length as the original, so a match in the folded text slices the
original text with its accents and case intact.
"""

from __future__ import annotations

import re
from datetime import datetime
from importlib import resources
from typing import Any

from portal.core.search import fold
from portal.core.validators import format_cnpj, format_nup, is_valid_cnpj, is_valid_nup
from portal.plans.cronograma import cronograma_records, goals_of, is_header
from portal.plans.document import (
    HTML_MARKERS,
    PlanParseError,
    Row,
    clean,
    clean_folded,
    decode,
    heading,
    html_rows,
    text_rows,
)
from portal.plans.prazo import parse_deadline
from portal.schedule.engine import SCHEDULE_KINDS

__all__ = [
    "SCHEDULE_KINDS",
    "SEED_PLAN_FILENAME",
    "PlanParseError",
    "decode_plan",
    "goal_roles",
    "parse_deadline",
    "parse_plan",
    "read_seed_plan",
]

SEED_PLAN_FILENAME = "plano-de-trabalho-act-160-2025-mg.txt"


def read_seed_plan() -> bytes:
    """The Plano de Trabalho of ACT nº 160/2025 (MG) shipped in ``portal/data``."""
    return resources.files("portal.data").joinpath(SEED_PLAN_FILENAME).read_bytes()


def decode_plan(data: bytes) -> str:
    """The text of an uploaded plan (UTF-8 with or without BOM, UTF-16, Windows-1252),
    as the parser reads it; raises :class:`PlanParseError` with a pt-BR message."""
    return decode(data, [])


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
        value = clean(text[match.end() : end]).strip(" ;")
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
    return clean(name).strip(" ,;-\u2013"), acronym


def _sphere(value: str) -> str:
    folded = fold(value)
    for needle, sphere in _SPHERES:
        if needle in folded:
            return sphere
    return "outra"


def _is_field_row(row: Row) -> bool:
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


def _parse_parties(rows: list[Row], warnings: list[str]) -> list[dict[str, Any]]:
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
            warnings.append(f"partícipe {number}: nome (Órgão) não encontrado")
        cnpj_raw = fields.get("cnpj", "")
        cnpj_compact = re.sub(r"[\s.\-/]", "", fold(cnpj_raw)).upper()
        try:
            cnpj = format_cnpj(cnpj_compact) if len(cnpj_compact) == 14 else cnpj_raw
        except ValueError:
            cnpj = cnpj_raw
        if not cnpj:
            warnings.append(f"partícipe {number}: CNPJ não encontrado")
        elif not is_valid_cnpj(cnpj):
            warnings.append(f"partícipe {number}: CNPJ {cnpj} com dígitos verificadores inválidos")
        if "sphere" not in fields:
            warnings.append(f"partícipe {number}: esfera administrativa não encontrada")
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




_FOCAL_POINTS = re.compile(r"\bindicar\s+servidor(?:es)?\b.*\bacompanh")
_FORUMS = re.compile(r"\bparticipar\b.*\bforu(?:m|ns)\b")
_ANNUAL_REPORT = re.compile(r"\brelatorio\s+anual\b")


def goal_roles(description: str, schedule: dict, responsible: str) -> list[str]:
    """What the portal does with a goal, read from its prazo and text (GOAL_ROLES):
    ``meetings`` (receives meeting convocations), ``forums`` (forum convocations),
    ``focal_points`` (names the servidores who follow the agreement), ``training_hours``
    (an hours target), ``annual_report`` (the Rede's annual report, by SEGES). SEGES can
    change them on the agreement page."""
    text = clean_folded(description).lower()
    roles = []
    if schedule.get("trigger") == "meeting" or schedule.get("also_on") == "meeting":
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
_LIST_ITEM = r"\d{1,2}(?:\.\d{1,2}){0,2}"
_ADHERENT_LIST = re.compile(
    r"\b(?:(?:metas(?:\s*(?:e|/)\s*(?:suas\s+)?etapas)?|etapas)\s*(?:n[o\u00ba]s?\.?\s*)?:?"
    r"|metas\b[^:.\n]{0,80}?:)\s*"
    rf"(?P<list>{_LIST_ITEM}(?:\s*(?:,|;|\be\b)\s*{_LIST_ITEM})*)"
)
# Who executes a list of metas in the adherents' place: "aderente", "que aderirem", …
_ADHERENT_WORD = re.compile(r"\bader(?:ente|entes|ir|irem|ira|irao|iu|ido|idos|idas)\b")
_ADHESION_WORD = re.compile(r"\bader\w*|\badesao\b|\bsegunda\s+camada\b")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?:\s|$)|\n\s*\n")


def _agreement_header(head_f: str, all_f: str) -> tuple[str | None, str | None]:
    match = _AGREEMENT_TITLE.search(head_f) or _AGREEMENT_TITLE.search(all_f)
    if not match:
        return None, None
    kind = _AGREEMENT_KINDS[re.sub(r"\s+", " ", match["kind"])]
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


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts (at most 400 characters back)."""
    window_start = max(0, position - 400)
    ends = list(_SENTENCE_END.finditer(text, window_start, position))
    return ends[-1].end() if ends else window_start


def _adherent_list(all_f: str) -> re.Match[str] | None:
    """The list of metas in the sentence that says what adherents execute."""
    for match in _ADHERENT_LIST.finditer(all_f):
        sentence = all_f[_sentence_start(all_f, match.start()) : match.start("list")]
        if _ADHESION_WORD.search(sentence):
            return match
    return None


def _adherent_codes(
    all_f: str, goals: list[dict[str, Any]], warnings: list[str]
) -> list[str]:
    """The goals adherents execute; a misprinted code read anyway flags its goal."""
    match = _adherent_list(all_f)
    if match is None:
        for word in _ADHERENT_WORD.finditer(all_f):
            end = _SENTENCE_END.search(all_f, word.end())
            sentence = all_f[_sentence_start(all_f, word.start()) : end.start() if end else None]
            if re.search(r"\bmetas\b", sentence):
                warnings.append(
                    "o plano diz que aderentes executam metas, mas a lista delas não foi "
                    "encontrada"
                )
                break
        return []
    by_code = {goal["code"]: goal for goal in goals}
    codes: list[str] = []
    for token in re.split(r"\s*(?:,|;|\be\b)\s*", match["list"]):
        if not token:
            continue
        if "." in token:
            code = ".".join(str(int(part)) for part in token.split("."))
        elif re.fullmatch(r"\d\d", token) and f"{token[0]}.{token[1]}" in by_code:
            code = f"{token[0]}.{token[1]}"
            by_code[code]["warnings"].append(
                f"“{token}” na lista de metas dos aderentes foi lido como {code}; confira"
            )
        else:
            warnings.append(
                f"“{token}” na lista de metas dos aderentes não é um código de meta; ignorado"
            )
            continue
        if code not in by_code:
            warnings.append(
                f"a lista de metas dos aderentes cita a meta {code}, que não está no cronograma"
            )
        if code not in codes:
            codes.append(code)
    return codes


def _section(rows: list[Row], starts: dict[str, int], name: str) -> list[Row]:
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
    text = decode(data, warnings)
    html_mode = bool(HTML_MARKERS.search(text))
    rows = html_rows(text) if html_mode else text_rows(text)
    if not rows:
        raise PlanParseError("O arquivo não tem conteúdo legível.")

    starts: dict[str, int] = {}
    for index, row in enumerate(rows):
        name = heading(row)
        if name and name not in starts:
            starts[name] = index

    all_text = "\n".join(row.text for row in rows)
    all_f = fold(all_text)

    # ---- the cronograma: the proof that this is a Plano de Trabalho
    if "cronograma" in starts:
        cron_rows = rows[starts["cronograma"] + 1 :]
    else:
        first = next((index for index, row in enumerate(rows) if is_header(row)), 0)
        cron_rows = rows[first:]
    goals = goals_of(cronograma_records(cron_rows, html_mode))
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
        warnings.append("número do acordo não encontrado")
    plan_match = _PLAN_NUMBER.search(head_f) or _PLAN_NUMBER.search(all_f)
    work_plan_number = re.sub(r"\s+", "", plan_match["number"]) if plan_match else None

    processes = [format_nup(m["nup"]) for m in _PROCESS.finditer(all_f)]
    sei_process = processes[0] if processes else None
    if sei_process is None:
        warnings.append("número do processo SEI não encontrado")
    elif any(other != sei_process for other in processes[1:]):
        others = ", ".join(sorted({p for p in processes if p != sei_process}))
        warnings.append(
            f"o documento cita outros números de processo ({others}) além de {sei_process}"
        )
    sei_process_valid = bool(sei_process) and is_valid_nup(sei_process)
    if sei_process and not sei_process_valid:
        warnings.append(f"processo SEI {sei_process} com dígitos verificadores inválidos")

    object_rows = _section(rows, starts, "objeto")
    agreement_object = clean(" ".join(row.text for row in object_rows)) or None
    if agreement_object is None:
        warnings.append("objeto (OBJETO) não encontrado")

    signed_on = _signed_on(all_f)
    if signed_on is None:
        warnings.append("nenhuma assinatura eletrônica encontrada; data de assinatura em branco")

    party_rows = _section(rows, starts, "dados")
    if not party_rows:
        end = min(starts.values(), default=len(rows))
        party_rows = rows[:end]
    parties = _parse_parties(party_rows, warnings)
    if not parties:
        warnings.append("partícipes (DADOS CADASTRAIS) não encontrados")

    axes_match = _PARTNER_AXES.search(all_f)
    if axes_match:
        axes = sorted({int(d) for d in re.findall(r"\d", axes_match["axes"])})
    else:
        axes = sorted({axis for goal in goals for axis in goal["axes"]})

    adherent = _adherent_codes(all_f, goals, warnings)
    for goal in goals:
        goal["needs_review"] = bool(goal["warnings"])
        warnings.extend(f"Meta {goal['code']}: {warning}" for warning in goal["warnings"])

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
