"""The *prazo/periodicidade* cell of a cronograma, read into a schedule.

Clerks write the same rule in many ways ("Até 15 dias após o início da vigência",
"Em até quinze (15) dias contados da publicação do extrato", "15 dias a partir do início
do ACT"), so the cell is read by a small grammar rather than a list of phrases:

1. **Normalise** (:func:`normalise`): markup, case, accents and quotes gone; number words
   and ordinals turned into digits (``text2num``); a number written twice — "15
   (quinze)" — checked and kept once; "h", "hs", "horas-aula" → "horas"; dates kept as
   ``dd/mm/aaaa``; punctuation reduced to commas.
2. **Cut into clauses** (:func:`_clauses`): from left to right, the longest clause that
   starts at the current position is taken — a frequency ("semestral", "a cada 4 meses",
   "duas vezes ao ano"), an hours target, "N dias após <evento>", "N dias antes do
   término da vigência", a fixed date, "até o dia 10 de cada mês", a continuous duty, a
   regulation, a trigger ("sempre que solicitado") … — and connectors ("e", ",", "bem
   como") between them are skipped.
3. **Compose** (:func:`_compose`) the clauses into one schedule of
   :mod:`portal.schedule.engine`: a frequency with an hours target is ``annual`` with
   ``min_hours``; a dated rule with a trigger carries the trigger in ``also_on``;
   a continuous phrase next to a dated rule is context, the dated rule wins.

Nothing is guessed: text the grammar does not cover, or clauses that contradict each
other, give ``{"kind": "manual"}`` and a warning. A reading that is right but leaves a
part of the cell unused (an unknown condition after a dated rule, an hours target that is
not per year) keeps the reading and says what was left out, so the goal is reviewed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from text_to_num import alpha2digit

from portal.core.search import fold

__all__ = ["PrazoReading", "normalise", "parse_deadline", "read_prazo"]

MAX_PRAZO_LENGTH = 1000
SHOWN_LENGTH = 160


@dataclass
class PrazoReading:
    """What a prazo cell says: the schedule, and why it may need a person's eye.

    ``warning`` is None only when the whole cell was read with certainty.
    """

    schedule: dict[str, Any]
    warning: str | None = None


class _Unreadable(Exception):
    """The cell cannot be read; ``str(error)`` says why, in Portuguese."""


# ================================================================ normalising

_TAG = re.compile(r"<[^<>]*>")
_QUOTES = re.compile("[\"'\u201c\u201d\u2018\u2019\u00ab\u00bb*_]")
_DASHES = re.compile("[\u2010-\u2015\u2212]")
# "segundo a norma" is "according to", not the ordinal "2º"
_ACCORDING_TO = re.compile(r"\bsegundo\s+(?=(?:o|a|os|as)\b)")
_NUMBER_TWICE = re.compile(
    r"\b(\d{1,4})\s*\(\s*(\d{1,4})\s*(dias?|meses|mes|horas?|anos?)?\s*\)(?:\s+(\3))?"
)
_TENS_ORDINALS = {"decimo": 10, "vigesimo": 20, "trigesimo": 30}
_TENS_ORDINAL = re.compile(r"\b(decimo|vigesimo|trigesimo)(?:\s+(\d)\s*[oa\u00ba\u00aa])?\b")
_ORDINAL_MARK = re.compile(r"\b(\d{1,3})(?:\s*\.?[\u00ba\u00aa\u00b0]|[oa](?=\s|$))")
_HOURS = re.compile(r"\b(\d{1,4})\s*(?:h|hs|hrs?|horas?)(?:\s*[-/]?\s*aulas?)?\b")
_PER_YEAR_SLASH = re.compile(r"\s*/\s*(ano|mes|semestre|trimestre)\b")
_DATE_SEPARATORS = re.compile(r"\b(\d{1,2})[.\-](\d{1,2})[.\-](\d{2,4})\b")
_PUNCTUATION = re.compile(r"\s*[,;]\s*")
_DROPPED = re.compile(r"[():!?\[\]]|\.(?!\d)")
_SPACES = re.compile(r"\s+")
_GENDER_MARK = re.compile(r"(?<=[a-z])\((?:a|as|o|os|s|es)\)")  # "convocado(a)"
_SET_BY_THE_REQUEST = (
    r"(?:\s*,?\s+(?:n[oa]\s+prazo|na\s+data)\s+(?:por\s+ela\s+|nela\s+)?"
    r"(?:fixad[oa]|estabelecid[oa]|definid[oa]|indicad[oa])"
    r"(?:\s+(?:pela\s+seges|na\s+solicitacao|na\s+convocacao))?)?"
)


def _written_twice(match: re.Match[str]) -> str:
    digits, words, unit, _repeated = match.groups()
    if digits != words:
        raise _Unreadable("tem um número escrito em algarismos e por extenso que não coincidem")
    return f"{digits} {unit}" if unit else digits


def _tens_ordinal(match: re.Match[str]) -> str:
    return str(_TENS_ORDINALS[match.group(1)] + int(match.group(2) or 0))


def normalise(text: str) -> str:
    """The cell in the grammar's alphabet: lower case, no accents, digits, few signs.

    Raises :class:`_Unreadable` when a number written twice disagrees with itself.
    """
    text = html.unescape(_TAG.sub(" ", text))
    text = fold(_DASHES.sub("-", text))
    text = _QUOTES.sub(" ", _GENDER_MARK.sub("", text))
    text = _ACCORDING_TO.sub("conforme ", text)
    text = _SPACES.sub(" ", text).strip(" .;:,-")
    # threshold=0: "um"/"uma" too ("uma vez ao ano"), which alpha2digit keeps by default
    text = alpha2digit(text, "pt", threshold=0)
    text = _TENS_ORDINAL.sub(_tens_ordinal, text)
    text = _ORDINAL_MARK.sub(r"\1", text)
    text = _NUMBER_TWICE.sub(_written_twice, text)
    text = _HOURS.sub(r"\1 horas", text)
    text = _PER_YEAR_SLASH.sub(r" por \1", text)
    text = _DATE_SEPARATORS.sub(r"\1/\2/\3", text)
    text = _PUNCTUATION.sub(" , ", text)
    text = _DROPPED.sub(" ", text)
    text = text.replace(" - ", " ")
    return _SPACES.sub(" ", text).strip(" ,")


# ================================================================ vocabulary

_MONTH_NAMES = {
    "janeiro": 1, "fevereiro": 2, "marco": 3, "abril": 4, "maio": 5, "junho": 6, "julho": 7,
    "agosto": 8, "setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
}  # fmt: skip
_PERIOD_WORDS = {
    "mensal": 1, "bimestral": 2, "trimestral": 3, "quadrimestral": 4, "semestral": 6,
    "anual": 12, "bienal": 24, "trienal": 36,
}  # fmt: skip
_PERIOD_NOUNS = {
    "mes": 1, "meses": 1, "bimestre": 2, "bimestres": 2, "trimestre": 3, "trimestres": 3,
    "quadrimestre": 4, "quadrimestres": 4, "semestre": 6, "semestres": 6, "ano": 12,
    "anos": 12, "exercicio": 12, "bienio": 24, "bienios": 24,
}  # fmt: skip
_MONTH_NAME = "|".join(_MONTH_NAMES)
_PERIOD_WORD = "|".join(_PERIOD_WORDS)
_PERIOD_NOUN = "|".join(sorted(_PERIOD_NOUNS, key=len, reverse=True))

_AGREEMENT = (
    r"(?:(?:presente|deste|desse|este|o|do|seu|respectivo)\s+)?"
    r"(?:acordo(?!\s+de\s+adesao)(?:\s+de\s+cooperacao(?:\s+tecnica)?)?|act|instrumento"
    r"|termo(?!\s+de\s+adesao)(?:\s+de\s+cooperacao(?:\s+tecnica)?)?|ajuste|parceria)"
    r"(?:\s*/\s*(?:acordo|act))*"
)
_OF_AGREEMENT = rf"(?:\s+(?:d[oa]\s+|deste\s+|desse\s+)?{_AGREEMENT})?"
_ARTICLE = r"(?:(?:a|o|as|os)\s+)?"
_DATE_OF = r"(?:data\s+d[ae]\s+)?"
_TERM = rf"(?:(?:sua|seu)\s+)?(?:vigencia|periodo\s+de\s+vigencia){_OF_AGREEMENT}"

_REFERENCES = {
    "adhesion": (
        rf"{_ARTICLE}{_DATE_OF}(?:(?:celebracao|assinatura|formalizacao|publicacao)\s+"
        r"d[oea]s?\s+(?:cada\s+|novo\s+|eventua(?:l|is)\s+)?(?:acordos?|termos?)\s+de\s+adesao"
        r"|(?:cada\s+)?adesao(?:\s+(?:de\s+(?:novo\s+)?participe|ao\s+(?:acordo|act)))?)"
    ),
    "start": (
        rf"{_ARTICLE}{_DATE_OF}(?:inicio|comeco)\s+(?:da\s+{_TERM}|d[oa]\s+{_AGREEMENT})"
    ),
    "signature": (
        rf"{_ARTICLE}{_DATE_OF}(?:assinatura|celebracao|formalizacao|firmatura){_OF_AGREEMENT}"
    ),
    "publication": (
        rf"{_ARTICLE}{_DATE_OF}publicacao(?:\s+d[oa]\s+(?:seu\s+|respectivo\s+)?"
        r"(?:extrato|resumo))?" + _OF_AGREEMENT
        + r"(?:\s+(?:no|na)\s+(?:dou|diario\s+oficial(?:\s+da\s+uniao)?|imprensa\s+oficial"
        r"|d\s*o\s*u))?"
    ),
}
_END = (
    rf"{_ARTICLE}(?:termino|fim|final|encerramento|vencimento|expiracao)\s+"
    rf"(?:da\s+{_TERM}|d[oa]\s+{_AGREEMENT})"
)
_UNITS = r"(?P<unit>dias?|mes|meses|anos?)(?:\s+(?P<daykind>uteis|util|corridos))?"
_AMOUNT = rf"(?:o\s+)?(?P<n>\d{{1,4}})\s+{_UNITS}"
_UP_TO = (
    r"(?:(?:em|no|dentro\s+d[oe]|com)\s+)?(?:(?:o\s+)?(?:prazo|periodo)\s+(?:maximo\s+)?"
    r"(?:de\s+)?)?(?:ate\s+)?(?:o\s+prazo\s+(?:maximo\s+)?de\s+)?"
)
_AFTER = (
    r"(?:(?:apos|depois\s+d[aoe]s?|a\s+partir\s+d[aoe]s?|a\s+contar\s+d[aoe]s?"
    r"|contad[oa]s?\s+(?:a\s+partir\s+)?d[aoe]s?|d[aoe]s?|subsequentes?\s+a[os]?)\s+)?"
)
_BEFORE = (
    r"(?:antes\s+d[aoe]s?|que\s+antecede[mr]?|anteriores?\s+a[os]?"
    r"|de\s+antecedencia\s+d[aoe]s?)\s+"
)
_AUTHORITY = (
    r"(?:\s+(?:pela|pelo|por|da|do|na|no|para|junto\s+a)\s+[a-z0-9\-/]+"
    r"(?:\s+(?!e\b(?!\s+inovacao)|ou\b|com\b|sempre\b|quando\b)[a-z0-9\-/]+){0,9})?"
)

# Clause patterns: each yields one clause; the longest match at a position wins.
_CLAUSES: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"(?:{pattern})(?![a-z0-9])")  # a clause ends on a word's end
    for name, pattern in {
        "after_reference": (
            rf"{_UP_TO}{_AMOUNT}\s+(?:,\s+)?{_AFTER}(?:"
            + "|".join(f"(?P<{ref}>{rule})" for ref, rule in _REFERENCES.items())
            + r")"
        ),
        "before_end": rf"{_UP_TO}{_AMOUNT}\s+{_BEFORE}{_END}",
        "after_end": rf"{_UP_TO}{_AMOUNT}\s+(?:,\s+)?{_AFTER}{_END}",
        "before_end_notice": (
            rf"(?:com\s+)?(?:(?:a|uma)\s+)?antecedencia\s+(?:minima\s+)?de\s+{_AMOUNT}\s+"
            rf"(?:em\s+relacao\s+ao|antes\s+d[oa]|d[oa])\s+{_END}"
        ),
        "until_end": rf"(?:ate|ao|no|antes\s+d[oe])\s+{_END}",
        "at_reference": (
            r"(?:no\s+ato\s+d[ae]|na|quando\s+da|por\s+ocasiao\s+da)\s+"
            + f"(?P<signature>{_REFERENCES['signature']})"
        ),
        "since": (
            r"(?:a\s+partir|desde)\s+(?:d[oa]\s+)?(?:"
            + "|".join(
                f"(?P<{ref}>{_REFERENCES[ref]})" for ref in ("start", "signature", "publication")
            )
            + rf")|(?:no\s+)?{_REFERENCES['start']}"
        ),
        "frequency": (
            r"(?:(?:com|em|de|numa|na)\s+)?(?:periodicidade\s+|forma\s+|frequencia\s+)?"
            rf"(?P<word>{_PERIOD_WORD}|bianual)(?:mente)?"
            rf"|(?:1\s+vez\s+)?(?:a\s+cada|de\s+\d+\s+em|por|todo|cada|todos\s+os|ao)\s+"
            rf"(?:(?P<count>\d{{1,3}})\s+)?(?P<noun>{_PERIOD_NOUN})"
            rf"(?:\s+(?:civil|de\s+vigencia{_OF_AGREEMENT}))?"
            r"|(?P<times>\d{1,2})\s+vez(?:es)?\s+(?:ao|por|a\s+cada|em\s+cada|no)\s+ano"
        ),
        "hours": (
            r"(?:com\s+|sendo\s+|e\s+)?(?:(?:o|no|um|uma|a|pelo)\s+)?"
            r"(?:(?:carga(?:\s+horaria)?|minimo|menos|total(?:izando)?|perfazendo|somando)"
            r"(?:\s+(?:anual|minima|total|de|no|minimo|anuais))*\s+)?"
            r"(?P<hours>\d{1,4})\s+horas(?:\s+de\s+(?:capacitacao|cursos?|treinamento))?"
            r"(?:\s+(?:(?P<year>(?:ao|por|a\s+cada|em\s+cada|no)\s+(?:ano|exercicio)|anuais"
            r"|anualmente)|(?P<other>(?:por|a\s+cada|em\s+cada|no)\s+(?:semestre|trimestre|mes"
            r"|bimestre)|semestrais|trimestrais|mensais)))?"
        ),
        "day_of_month": (
            r"(?:ate\s+)?(?:o\s+)?(?:(?:dia\s+(?P<day>\d{1,2}))|(?P<bday>\d{1,2})\s+dia\s+util)"
            r"\s+(?:de\s+cada\s+mes|de\s+todo\s+mes|de\s+todos\s+os\s+meses"
            r"|d[oe]\s+mes\s+(?:subsequente|seguinte|posterior|imediatamente\s+posterior)"
            rf"(?:\s+a[oa]?\s+(?:(?:fim|termino|encerramento)\s+d[oe]\s+)?(?:cada\s+)?"
            rf"(?P<per>{_PERIOD_NOUN}|periodo|mes)(?:\s+(?:de\s+referencia|vencido|anterior))?)?)"
        ),
        "days_after_period": (
            rf"{_UP_TO}(?P<n>\d{{1,3}})\s+dias(?:\s+(?P<daykind>corridos))?\s+"
            r"(?:apos|depois\s+d[oea]|a\s+contar\s+d[oea]|contados\s+d[oea])\s+(?:o\s+|a\s+)?"
            r"(?:fim|termino|encerramento|final|conclusao)\s+(?:de\s+cada|d[oa]|de)\s+"
            rf"(?P<per>{_PERIOD_NOUN}|periodo)(?:\s+(?:de\s+vigencia|de\s+referencia|civil))?"
        ),
        "date": (
            r"(?:(?:ate|em|no\s+dia|ate\s+o\s+dia|ate\s+a\s+data\s+de|na\s+data\s+de|prazo\s+final)"
            r"\s+)?(?P<d>\d{1,2})(?:\s+de\s+(?P<mname>" + _MONTH_NAME + r")|/(?P<m>\d{1,2}))"
            r"(?:(?:\s+de\s+|/)(?P<y>\d{4}|\d{2})"
            r"|(?P<yearly>\s+de\s+cada\s+ano|\s+de\s+todos\s+os\s+anos|\s+do\s+ano\s+"
            r"(?:subsequente|seguinte|posterior)(?:\s+ao\s+de\s+referencia)?|\s+anualmente))"
        ),
        "day_month": (
            r"(?:(?:ate|em|no\s+dia|ate\s+o\s+dia)\s+)?(?P<d>\d{1,2})(?:\s+de\s+(?P<mname>"
            + _MONTH_NAME + r")|/(?P<m>\d{1,2}))(?!\s*/|\s+de\s+\d)"
        ),
        "during": (
            r"(?:durante|ao\s+longo\s+d[ae]|por\s+toda\s+a|em\s+toda\s+a|no\s+decorrer\s+d[ae]"
            r"|enquanto\s+(?:durar|vigorar)|na)?\s*(?:toda\s+a\s+|todo\s+o\s+|o\s+|a\s+)?"
            rf"(?:periodo\s+de\s+)?(?:vigencia|execucao){_OF_AGREEMENT}"
            r"|enquanto\s+(?:vigente|vigorar|durar)\s+o\s+(?:acordo|act|instrumento)"
            r"|(?:(?:de\s+forma|em\s+carater|de\s+modo|em\s+regime)\s+)?"
            r"(?:(?:acao|atividade|obrigacao|meta)\s+)?"
            r"(?:permanente(?:mente)?|continu[oa]s?|continuamente|ininterrupt[oa])"
        ),
        "regulation": (
            r"(?:em\s+)?(?:observancia|conforme|de\s+acordo\s+com|nos\s+termos\s+d[aoe]s?"
            r"|consoante|em\s+conformidade\s+com|segundo|obedecendo|observad[oa]s?)\s+"
            r"(?:(?:a|ao|aos|as|o|os|à)\s+)?"
            r"(?:norma|normas|legislacao|regulamentacao|regulamento|regramento|normativo"
            r"|normativos|instrucao\s+normativa|portaria|calendario|cronograma|regras?"
            r"|diretrizes?|orientacoes?|metodologia|ciclo)"
            r"(?!\s+a\s+ser(?:em)?\s+definid)"
            r"(?:\s+(?:vigentes?|em\s+vigor|aplicave(?:l|is)|especific[oa]s?|propri[oa]s?"
            r"|oficial|anual|d[oe]\s+cursos))*"
            r"(?:\s+(?:d[oa]|estabelecid[oa]s?\s+pel[oa]|definid[oa]s?\s+pel[oa]"
            r"|publicad[oa]s?\s+pel[oa]|divulgad[oa]s?\s+pel[oa]|expedid[oa]s?\s+pel[oa])"
            r"\s+(?:seges|sege|mgi|rede(?:\s+de\s+parcerias)?|secretaria(?:-executiva)?"
            r"(?:\s+(?:executiva\s+)?da\s+rede(?:\s+de\s+parcerias)?"
            r"|\s+de\s+gestao\s+e\s+inovacao)?|modelo(?:\s+de\s+governanca)?[a-z\s.]*)"
            r"(?:\s*/\s*[a-z]+)*)?"
            r"(?:\s+(?:seges|sege|me|mgi)(?:\s*/\s*(?:me|mgi))?)?(?:\s+no?\s*[\d.]+)?"
            r"(?:(?:\s*,)?\s+de\s+\d{1,2}\s+de\s+(?:" + _MONTH_NAME + r")\s+de\s+\d{4}"
            r"|\s*/\s*\d{4}|(?:\s*,)?\s+de\s+\d{4})?"
        ),
        "call": (
            r"(?:(?:quando|sempre\s+que|se\s+e\s+quando|caso|nas\s+datas\s+em\s+que)\s+"
            r"(?:for(?:em)?\s+|houver\s+|seja[m]?\s+|ocorrer(?:em)?\s+)?(?:devidamente\s+)?)"
            r"(?:(?P<meeting>convocad[oa]s?|convidad[oa]s?|convocacao|reunio(?:es)?|reuniao)"
            r"|(?P<request>solicitad[oa]s?|requisitad[oa]s?|demandad[oa]s?|solicitacao|demanda"
            r"|requisicao|pedido))"
            r"(?:\s+(?:tecnicas?|de\s+trabalho|formal(?:mente)?|previamente|oficialmente"
            r"|convocad[oa]s?|agendad[oa]s?|marcad[oa]s?))*"
            + _AUTHORITY + _SET_BY_THE_REQUEST
            + r"|(?:sob|por|mediante|conforme|de\s+acordo\s+com\s+a)\s+(?:d[ao]\s+)?"
            r"(?:(?P<meeting2>convocacao|convite)|(?P<request2>demanda|solicitacao|requisicao"
            r"|pedido))" + _AUTHORITY + r"|(?P<request3>a\s+pedido)" + _AUTHORITY
        ),
        "self_triggered": (
            r"(?:sempre\s+que|quando|se\s+e\s+quando)\s+(?:for\s+|houver\s+|se\s+fizer\s+)?"
            r"(?:necessari[oa]|necessidade|pertinente|oportuno|cabivel)"
            r"|(?:sempre\s+que|quando)\s+houver\s+(?:alteracao|alteracoes|mudanca|mudancas"
            r"|atualizacao|substituicao)(?!\s+(?:nos|no|do|dos|de|da)\s+(?:cronograma\s+d[eo]s?\s+)?"
            r"cursos)(?:\s+(?:d[aoe]s?|nos?|nas?)\s+[a-z]+(?:\s+[a-z]+){0,4})?"
        ),
        "courses": (
            r"(?:sempre\s+(?:que|quando)|quando)\s+houver\s+(?:alteracao|alteracoes|mudanca"
            r"|mudancas|atualizacao|novos?|nova)\s*(?:(?:nos|no|do|dos|de|da|na)\s+)?"
            r"(?:(?:cronograma|calendario|oferta|grade)\s+d[eo]s?\s+)?cursos"
            r"(?:\s+(?:da|oferecidos\s+pela)\s+rede(?:\s+de\s+parcerias)?)?"
        ),
        "monthly_after_event": (
            r"(?:ate\s+)?o\s+dia\s+(?P<day>\d{1,2})\s+do\s+mes\s+(?:subsequente|seguinte|posterior)"
            r"\s+(?:a|ao|a\s+data\s+da|à)\s+(?P<adhesion>" + _REFERENCES["adhesion"] + r")"
        ),
        "undefined": (
            r"a\s+(?:definir|ser\s+definid[oa])|(?:conforme|segundo)\s+(?:cronograma|calendario)"
            r"\s+a\s+ser(?:em)?\s+definid[oa]s?.*"
        ),
    }.items()
}
_CONNECTOR = re.compile(r"(?:\s|,|\be\b|\bbem\s+como\b|\btambem\b|\balem\s+disso\b|\bsendo\b)*")
_CONDITION = re.compile(r"(?:^|[\s,])(?:e\s+)?((?:sempre\s+que|quando|se\s+e\s+quando|caso)\b)")


@dataclass
class _Clause:
    name: str
    groups: dict[str, str | None] = field(default_factory=dict)
    text: str = ""


def _clauses(key: str) -> tuple[list[_Clause], str]:
    """The clauses of ``key`` from left to right, and what is left unread (or "")."""
    found: list[_Clause] = []
    position = 0
    while True:
        position = _CONNECTOR.match(key, position).end()
        if position >= len(key):
            return found, ""
        best: tuple[int, str, re.Match[str]] | None = None
        for name, pattern in _CLAUSES.items():
            match = pattern.match(key, position)
            if match and match.end() > position and (best is None or match.end() > best[0]):
                best = (match.end(), name, match)
        if best is None:
            return found, key[position:]
        end, name, match = best
        found.append(_Clause(name, match.groupdict(), match.group(0).strip()))
        position = end


# ================================================================ composing


def _months_of(clause: _Clause) -> int:
    """The months of a frequency clause; raises when it has none a plan can mean."""
    groups = clause.groups
    if groups.get("word") == "bianual":
        raise _Unreadable("diz “bianual”, que pode ser duas vezes por ano ou a cada dois anos")
    if groups.get("word"):
        return _PERIOD_WORDS[groups["word"]]
    if groups.get("times"):
        times = int(groups["times"])
        if times < 1 or 12 % times:
            raise _Unreadable(f"diz {times} vezes por ano, que não divide o ano em meses")
        return 12 // times
    count = int(groups.get("count") or 1)
    months = count * _PERIOD_NOUNS[groups["noun"]]
    if not 1 <= months <= 120:
        raise _Unreadable("tem uma periodicidade fora do intervalo de 1 a 120 meses")
    return months


def _span(groups: dict[str, str | None], *, allow_zero: bool = False) -> dict[str, Any]:
    """``days`` (with ``business_days``) or ``months`` from an amount's groups."""
    n = int(groups["n"])
    unit = groups["unit"]
    if (n == 0 and not allow_zero) or n > 3660:
        raise _Unreadable(f"tem um prazo de {n} {unit}, fora do esperado")
    if unit.startswith("ano"):
        return {"months": 12 * n}
    if unit.startswith("mes"):
        return {"months": n}
    result: dict[str, Any] = {"days": n}
    if groups.get("daykind") in ("uteis", "util"):
        result["business_days"] = True
    return result


def _date_clause(groups: dict[str, str | None]) -> dict[str, Any]:
    day = int(groups["d"])
    month = _MONTH_NAMES[groups["mname"]] if groups.get("mname") else int(groups["m"])
    if groups.get("yearly"):
        try:
            date(2001, month, day)  # a common year: 29/02 is not a yearly date
        except ValueError:
            raise _Unreadable(f"cita o dia {day}/{month:02d}, que não existe") from None
        return {"kind": "annual_date", "month": month, "day": day}
    year = int(groups["y"])
    year += 2000 if year < 100 else 0
    try:
        when = date(year, month, day)
    except ValueError:
        raise _Unreadable(f"cita a data {day:02d}/{month:02d}/{year}, que não existe") from None
    if not 2000 <= year <= 2100:
        raise _Unreadable(f"cita o ano {year}, fora do esperado")
    return {"kind": "fixed_date", "date": when.isoformat()}


def _origin(groups: dict[str, str | None]) -> str | None:
    """``signature`` or ``publication`` when a clause counts from one of them."""
    return next((ref for ref in ("signature", "publication") if groups.get(ref)), None)


def _single(clause: _Clause) -> dict[str, Any]:
    """The schedule one main clause stands for, alone."""
    groups = clause.groups
    name = clause.name
    if name == "after_reference":
        if groups.get("adhesion"):
            span = _span(groups)
            if "months" in span:
                raise _Unreadable("conta meses a partir de cada adesão")
            return {"kind": "after_event", **span, "event": "adhesion"}
        schedule = {"kind": "once_after_start", **_span(groups)}
        origin = _origin(groups)
        return {**schedule, "from": origin} if origin else schedule
    if name in ("before_end", "after_end"):
        return {"kind": name, **_span(groups, allow_zero=True)}
    if name == "before_end_notice":
        return {"kind": "before_end", **_span(groups)}
    if name == "until_end":
        return {"kind": "before_end", "days": 0}
    if name == "at_reference":
        return {"kind": "once_after_start", "days": 0, "from": "signature"}
    if name == "since":
        origin = _origin(groups)
        return {"kind": "at_start", "from": origin} if origin else {"kind": "at_start"}
    if name == "date":
        return _date_clause(groups)
    if name == "during" or name == "self_triggered":
        return {"kind": "during_term"}
    if name == "regulation":
        return {"kind": "per_regulation"}
    if name == "monthly_after_event":
        day = int(groups["day"])
        if not 1 <= day <= 28:
            raise _Unreadable(f"cita o dia {day} do mês, que nem todo mês tem")
        return {"kind": "monthly_after_event", "day": day, "event": "adhesion"}
    if name == "undefined":
        raise _Unreadable("diz que o prazo ainda será definido")
    raise AssertionError(name)  # frequency, hours and due rules are composed, not single


_DATED = ("after_reference", "before_end", "before_end_notice", "after_end", "until_end",
          "at_reference", "date", "monthly_after_event", "undefined")
_CONTINUOUS = ("since", "during", "regulation", "self_triggered")
_RHYTHM = ("frequency", "hours", "day_of_month", "days_after_period", "day_month")


def _compose(clauses: list[_Clause], notes: list[str]) -> dict[str, Any]:
    """One schedule from the clauses of a cell; ``notes`` gets what was left out."""
    by_name: dict[str, list[_Clause]] = {}
    for clause in clauses:
        by_name.setdefault(clause.name, []).append(clause)
    triggers = by_name.pop("call", []) + by_name.pop("courses", [])
    dated = [c for name in _DATED for c in by_name.get(name, [])]
    rhythm = [c for name in _RHYTHM for c in by_name.get(name, [])]
    continuous = [c for name in _CONTINUOUS for c in by_name.get(name, [])]

    if dated and rhythm and _only_annual(rhythm) and dated[0].groups.get("yearly"):
        rhythm = []  # "Anual, até 31 de março de cada ano": the date says it all
    if len(dated) > 1 or (dated and rhythm):
        raise _Unreadable("tem duas regras de prazo que não se combinam")
    if dated:
        schedule = _single(dated[0])
    elif rhythm:
        schedule = _rhythm(by_name, notes)
    elif continuous:
        kinds = {_single(c)["kind"] for c in continuous}
        if len(kinds) > 1 and "self_triggered" not in by_name:
            raise _Unreadable("diz ao mesmo tempo que a meta é contínua e segue uma norma")
        schedule = _single(continuous[0])
    elif len(triggers) == 1 and triggers[0].name == "call":
        return {"kind": "on_call", "trigger": _trigger(triggers[0])}
    else:
        raise _Unreadable("não diz quando a meta é devida")
    return _with_trigger(schedule, triggers)


def _only_annual(clauses: list[_Clause]) -> bool:
    return all(c.name == "frequency" and _months_of(c) == 12 for c in clauses)


def _trigger(clause: _Clause) -> str:
    if clause.name == "courses":
        return "course_schedule_change"
    groups = clause.groups
    return "meeting" if groups.get("meeting") or groups.get("meeting2") else "request"


def _with_trigger(schedule: dict[str, Any], triggers: list[_Clause]) -> dict[str, Any]:
    if not triggers:
        return schedule
    if len(triggers) > 1:
        raise _Unreadable("tem mais de uma condição além do prazo")
    if schedule["kind"] in ("monthly_after_event", "after_event"):
        raise _Unreadable("junta uma adesão e outra condição no mesmo prazo")
    return {**schedule, "also_on": _trigger(triggers[0])}


def _rhythm(by_name: dict[str, list[_Clause]], notes: list[str]) -> dict[str, Any]:
    """Frequency, hours target and due rule ("trimestral, até o dia 15 do mês seguinte")."""
    frequencies = by_name.get("frequency", [])
    hours = by_name.get("hours", [])
    due_rules = by_name.get("day_of_month", []) + by_name.get("days_after_period", [])
    if len(frequencies) > 1 and len({_months_of(c) for c in frequencies}) > 1:
        raise _Unreadable("tem duas periodicidades diferentes")
    if len(hours) > 1 or len(due_rules) > 1:
        raise _Unreadable("repete uma regra de prazo com valores diferentes")
    months = _months_of(frequencies[0]) if frequencies else None
    if day_months := by_name.get("day_month"):
        if months != 12 or len(day_months) > 1 or hours or due_rules:
            raise _Unreadable("cita um dia do ano sem dizer que o prazo é anual")
        return _date_clause({**day_months[0].groups, "yearly": "anual"})
    if due_rules:
        return _periodic_with_due(due_rules[0], months)
    if hours:
        groups = hours[0].groups
        target = int(groups["hours"])
        if groups.get("other") or (months not in (None, 12)):
            notes.append(
                f"a carga de {target} horas não é anual; a meta de horas não foi registrada"
            )
            return _frequency_schedule(months or 12)
        if months is None and not groups.get("year"):
            raise _Unreadable(f"cita {target} horas sem dizer a periodicidade")
        if not 1 <= target <= 8784:
            raise _Unreadable(f"cita {target} horas por ano, fora do possível")
        return {"kind": "annual", "min_hours": target}
    return _frequency_schedule(months)


def _frequency_schedule(months: int) -> dict[str, Any]:
    return {"kind": "annual"} if months == 12 else {"kind": "periodic", "months": months}


def _periodic_with_due(rule: _Clause, months: int | None) -> dict[str, Any]:
    groups = rule.groups
    period = groups.get("per")
    stated = _PERIOD_NOUNS.get(period) if period and period != "periodo" else None
    if months is not None and stated is not None and stated != months:
        raise _Unreadable("cita uma periodicidade e um período de referência diferentes")
    months = months or stated or (1 if rule.name == "day_of_month" else None)
    if months is None:
        raise _Unreadable("diz dias após o período sem dizer qual é o período")
    schedule: dict[str, Any] = {"kind": "periodic", "months": months}
    if rule.name == "days_after_period":
        days = int(groups["n"])
        if not 1 <= days <= 365:
            raise _Unreadable(f"diz {days} dias após o período, fora do esperado")
        schedule["days_after"] = days
        return schedule
    day = int(groups.get("day") or groups["bday"])
    if not 1 <= day <= 28:
        raise _Unreadable(f"cita o dia {day} do mês, que nem todo mês tem")
    schedule["due_day"] = day
    if groups.get("bday"):
        schedule["business_days"] = True
    return schedule


# ================================================================ reading


def _shown(text: str) -> str:
    shown = " ".join(text.split())
    return shown if len(shown) <= SHOWN_LENGTH else shown[: SHOWN_LENGTH - 1] + "…"


def _manual(text: str, why: str) -> PrazoReading:
    return PrazoReading(
        {"kind": "manual"},
        f"prazo “{_shown(text)}” {why}; ficou para definir manualmente",
    )


def _before_an_unread_condition(key: str) -> tuple[list[_Clause], int]:
    """The clauses before a condition the grammar does not know ("Anual e sempre que houver
    nova turma" → "Anual"), and which condition word it is (0 for the first…); raises when
    there is no such split of ``key``."""
    for which, match in enumerate(_CONDITION.finditer(key)):
        clauses, rest = _clauses(key[: match.start()])
        if clauses and not rest:
            return clauses, which
    raise _Unreadable("não foi reconhecido")


def _condition_of(text: str, which: int) -> str:
    """The ``which``-th condition of the cell as the plan wrote it (accents and case kept)."""
    starts = [match.start(1) for match in _CONDITION.finditer(fold(text))]
    start = starts[min(which, len(starts) - 1)] if starts else 0
    return " ".join(text[start:].split()).rstrip(" .;")


def read_prazo(text: str | None) -> PrazoReading:
    """Read a prazo/periodicidade cell. Never raises."""
    if not isinstance(text, str) or not text.strip():
        return PrazoReading({"kind": "manual"}, "prazo em branco; ficou para definir manualmente")
    if len(text) > MAX_PRAZO_LENGTH:
        return _manual(text[:SHOWN_LENGTH], "é longo demais para ser um prazo")
    notes: list[str] = []
    try:
        key = normalise(text)
        clauses, rest = _clauses(key)
        if rest:
            clauses, which = _before_an_unread_condition(key)
            condition = _condition_of(text, which)
            notes.append(f"a condição “{condition}” não gera entregas próprias; confira")
        schedule = _compose(clauses, notes)
    except _Unreadable as why:
        return _manual(text, str(why))
    if notes:
        return PrazoReading(schedule, f"prazo “{_shown(text)}”: " + "; ".join(notes))
    return PrazoReading(schedule)


def parse_deadline(text: str | None) -> tuple[dict[str, Any], str | None]:
    """Turn a *prazo/periodicidade* cell into ``(schedule, warning)``.

    ``schedule["kind"]`` is one of the engine's ``SCHEDULE_KINDS``; a cell that is not
    read with certainty carries a pt-BR warning, and one not read at all is
    ``{"kind": "manual"}``. Never raises.
    """
    reading = read_prazo(text)
    return reading.schedule, reading.warning
