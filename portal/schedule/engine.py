"""Schedule engine: pure date arithmetic from a goal's structured prazo to its periods.

A goal's ``schedule`` is a JSON-like dict produced by the Plano de Trabalho importer
(or set by SEGES in the UI), e.g. ``{"kind": "once_after_start", "days": 15}``.
This module turns it into :class:`Period` values (what a deliverable covers and when
it is due). It knows nothing about the database, Flask or institutions; the service
that creates ``Deliverable`` rows calls :func:`periods_for` / :func:`event_period` and
matches rows by :attr:`Period.key`, so regeneration is idempotent.

Kinds and parameters (:func:`validate_schedule` returns the normalised form, which
always carries every parameter of its kind that has a default; optional parameters
without a value are omitted):

=======================  ===========================================================
kind                     parameters
=======================  ===========================================================
``once_after_start``     ``days`` (int 0..3660) *or* ``months`` (int 1..120), one of
                         them required; ``business_days`` (bool, default false; only
                         with ``days``), ``from`` (``"start"`` | ``"signature"`` |
                         ``"publication"``, default ``"start"``)
``at_start``             ``from`` (``"signature"`` | ``"publication"``, optional;
                         absent means the start)
``annual``               ``min_hours`` (int 1..8784, optional)
``periodic``             ``months`` (int 1..120, required); optionally *one* due rule:
                         ``due_day`` (int 1..28: that day of the month after each
                         period; with ``business_days: true`` the n-th business day of
                         that month) or ``days_after`` (int 1..365: days after each
                         period ends)
``during_term``          none
``per_regulation``       none
``on_call``              ``trigger`` (``"meeting"`` | ``"request"``, required)
``monthly_after_event``  ``day`` (int 1..28, required), ``event`` (``"adhesion"``,
                         default ``"adhesion"``)
``after_event``          ``days`` (int 1..3660, required), ``business_days`` (bool,
                         default false), ``event`` (``"adhesion"``, default)
``before_end``           ``days`` (int 0..3660) *or* ``months`` (int 1..120);
                         ``business_days`` (bool, default false; only with ``days``)
``after_end``            the same parameters as ``before_end``
``fixed_date``           ``date`` (``"YYYY-MM-DD"``, years 2000..2100, required)
``annual_date``          ``month`` (int 1..12) and ``day`` (int, a day that month has
                         every year: 1..28 in February), both required
``manual``               none
=======================  ===========================================================

Every kind with a date or no date at all (all but ``on_call``, ``monthly_after_event``,
``after_event`` and ``manual``) also takes ``also_on`` (optional): ``"request"``,
``"meeting"`` or ``"course_schedule_change"`` — the second half of a compound prazo
("Anual e sempre que solicitado"): besides its own periods, the goal gets one more
deliverable per request, meeting or change of the course schedule.

Validation is strict: unknown keys are rejected (a typo such as ``"dias"`` must not
silently become "no deadline"), booleans are not accepted as numbers, integral floats
(``15.0``) are normalised to ints, and ``None`` for an optional or defaulted
parameter means "not given". Every problem raises :class:`ScheduleError` (a
``ValueError``) with a pt-BR message and the offending ``field``.

Calendar rules
--------------
* **Adding months/years** follows the Brazilian civil rule for prazos in months and
  years (Código Civil art. 132 §3, Lei 810/1949 art. 3): same day number in the
  target month; when that month has no such day, the first day of the following
  month. So the anniversary of 29/02/2024 is 01/03/2025. Boundaries are always
  computed from the original start (start + k·months), never chained, so they never
  drift.
* **Term**: ``term_end(start, years)`` = start + ``years`` years − 1 day. Term year N
  runs from anniversary N−1 to anniversary N − 1 day (year 1 = start … start + 1 year
  − 1 day); the last year is clipped to the term end. A 29/02 start gives
  29/02/2024–28/02/2025, 01/03/2025–28/02/2026, … with no gaps and no overlaps.
* **Business days** (:func:`add_business_days`) skip Saturdays, Sundays and Brazilian
  *national* public holidays as listed by the ``holidays`` package for ``BR`` without
  subdivision and with the ``public`` category only (e.g. Confraternização Universal,
  Sexta-feira Santa, Tiradentes, 1º de Maio, 7 de Setembro, 12 de Outubro, Finados,
  15 de Novembro, 20 de Novembro from 2024 on, Natal). Carnaval, Quarta-feira de
  Cinzas, Corpus Christi, 28/10, 24/12 and 31/12 are *pontos facultativos* (the
  package's ``optional`` category) and count as business days; state and municipal
  holidays are ignored. Counting excludes the starting day: ``n`` > 0 is the n-th
  business day after ``d``, ``n`` < 0 the |n|-th before it, and ``n == 0`` returns
  ``d`` unchanged even if it is not a business day.
* **Calendar-day prazos are not rolled** to the next business day: "10 dias a partir
  do início da vigência" from 01/10/2025 is due on Saturday 11/10/2025, exactly as
  written in the document.

Periods per kind (``periods_for``)
----------------------------------
* ``once_after_start``: one period, key ``"once"``, label ``"Prazo único"``. It opens
  on the base date — the term start, or the signature date when ``from`` is
  ``"signature"`` (falling back to the start when ``signed_on`` is unknown); the
  publication of the extract is what starts the term, so ``"publication"`` counts from
  the start — and is due ``days`` calendar days (or business days) or ``months`` months
  after it. **Not clipped to the term**: a due date after the term end (days longer
  than the term) or a signature-based period that opens/falls before the start keeps
  the document's own rule.
* ``at_start``, ``during_term``, ``per_regulation``: *continuous* obligations — the plan
  sets no date, so no period (:func:`is_continuous`). SEGES's yearly follow-up of them is
  not the plan's and is made in ``portal.deliverables.deadlines``.
* ``annual``: one period per term year, key ``"Y<n>"``, label ``"Ano n (dd/mm/aaaa a
  dd/mm/aaaa)"``, opening on the year's first day and due on its last day (the last year
  clipped to the term end).
* ``annual`` with ``min_hours`` ("60 horas ao ano"): the training year is the calendar
  year — the same year the annual report counts hours in — so one period per calendar
  year the term touches, key ``"C<year>"``, label ``"Ano de capacitação de <year>
  (dd/mm/aaaa a dd/mm/aaaa)"``, clipped to the term at both ends.
* ``periodic``: consecutive periods of ``months`` months from the start (the last one
  clipped to the term end), label ``"Período dd/mm/aaaa a dd/mm/aaaa"``, due on each
  period's last day — or, with ``due_day``, on that day (or n-th business day) of the
  month after the period's last day, or ``days_after`` days after it (these due dates
  may fall after the term end, as the document says). The key is ``"P<YYYY-MM>"`` of
  the period's *nominal* start month (start month + k·months). It equals the opening
  month except when the start day does not exist in that month (a monthly schedule from
  31/01 opens its second period on 01/03 but keys it ``P…-02``), so keys stay unique.
* ``before_end``: one period, key ``"end"``, label ``"Prazo único (antes do fim da
  vigência)"``, due ``days`` (business) days or ``months`` months before the term end
  (a month-end day missing in the target month gives that month's last day), opening on
  the start — or on the due date, if a term shorter than the prazo puts it earlier.
* ``after_end``: one period, key ``"end"``, label ``"Prazo único (após o fim da
  vigência)"``, opening on the term end and due ``days``/``months`` after it.
* ``fixed_date``: one period, key ``"D<YYYY-MM-DD>"``, label ``"Data fixa dd/mm/aaaa"``,
  due on that date, opening on the start (or on the date, if it comes first). Not
  clipped to the term: the date is the document's.
* ``annual_date``: one period per occurrence of day/month inside the term, key
  ``"D<YYYY-MM-DD>"``, label ``"Até dd/mm/aaaa"``, each opening the day after the
  previous one (the first on the start).
* ``on_call``, ``monthly_after_event``, ``after_event``, ``manual``: no periods; they
  produce deliverables only through :func:`event_period` or when SEGES sets them by hand.

Event-driven periods (``event_period``), key ``"E<event_key>"`` (never clashes with
the ``once``/``end``/``D``/``Y``/``P`` keys of the same goal):

* ``on_call`` and ``also_on`` ``"meeting"``/``"request"``: opens on ``event_date`` (when
  SEGES created the meeting or request), due on ``due_on`` (the meeting date or the
  request's due date), which is required.
* ``monthly_after_event``: opens on ``event_date`` (the adhesion's signature), due on
  ``day`` of the following month (20/11/2025 → 10/12/2025; 31/12/2025 → 10/01/2026)
  unless ``due_on`` overrides it.
* ``after_event``: opens on ``event_date`` (the adhesion's signature), due ``days``
  calendar (or business) days later unless ``due_on`` overrides it.
* ``also_on: "course_schedule_change"``: opens on the change date, due 30 calendar days
  later unless ``due_on`` is given.

Event periods are not clipped to the term either (the engine does not know it here).
A ``due_on`` earlier than ``event_date`` is rejected with :class:`ScheduleError`.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays

from portal.core.exceptions import DomainError

__all__ = [
    "SCHEDULE_KINDS",
    "Period",
    "ScheduleError",
    "add_business_days",
    "event_period",
    "event_trigger",
    "is_business_day",
    "is_continuous",
    "periods_for",
    "term_end",
    "term_years",
    "validate_schedule",
]

SCHEDULE_KINDS: tuple[str, ...] = (
    "once_after_start",
    "at_start",
    "annual",
    "periodic",
    "during_term",
    "per_regulation",
    "on_call",
    "monthly_after_event",
    "after_event",
    "before_end",
    "after_end",
    "fixed_date",
    "annual_date",
    "manual",
)

MAX_DAYS = 3660
MAX_MONTHS = 120
MAX_DAYS_AFTER_PERIOD = 365
MAX_HOURS_PER_YEAR = 8784
COURSE_CHANGE_DUE_DAYS = 30
MAX_EVENT_KEY_LENGTH = 63
FIXED_DATE_YEARS = (2000, 2100)

CONTINUOUS_KINDS = frozenset({"at_start", "during_term", "per_regulation"})
ALSO_ON = ("course_schedule_change", "request", "meeting")
ORIGINS = ("start", "signature", "publication")

_ALSO = frozenset({"also_on"})
_PARAMS: dict[str, frozenset[str]] = {
    "once_after_start": frozenset({"days", "months", "business_days", "from"}) | _ALSO,
    "at_start": frozenset({"from"}) | _ALSO,
    "annual": frozenset({"min_hours"}) | _ALSO,
    "periodic": frozenset({"months", "due_day", "business_days", "days_after"}) | _ALSO,
    "during_term": _ALSO,
    "per_regulation": _ALSO,
    "on_call": frozenset({"trigger"}),
    "monthly_after_event": frozenset({"day", "event"}),
    "after_event": frozenset({"days", "business_days", "event"}),
    "before_end": frozenset({"days", "months", "business_days"}) | _ALSO,
    "after_end": frozenset({"days", "months", "business_days"}) | _ALSO,
    "fixed_date": frozenset({"date"}) | _ALSO,
    "annual_date": frozenset({"month", "day"}) | _ALSO,
    "manual": frozenset(),
}


class ScheduleError(DomainError, ValueError):
    """An invalid schedule or schedule input; ``str(exc)`` is a pt-BR message."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class Period:
    """One concrete deadline of a goal.

    ``key`` identifies the period across regenerations (``"once"``, ``"Y1"``,
    ``"P2026-01"``, ``"E<event key>"``); ``label`` is what users see.
    """

    key: str
    label: str
    opens_on: date
    due_on: date

    def __post_init__(self) -> None:
        if self.due_on < self.opens_on:
            raise ScheduleError("O vencimento não pode ser anterior à abertura do período.")


# --------------------------------------------------------------------------- helpers


def _show(value: Any, limit: int = 60) -> str:
    """repr() for error messages: bounded, and never raising."""
    try:
        text = repr(value)
    except Exception:  # e.g. ints beyond the str-conversion limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def _check_date(value: Any, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def _int_param(
    schedule: dict, field: str, *, minimum: int, maximum: int, message: str
) -> int | None:
    """Read an integer parameter (integral floats accepted); None when absent."""
    value = schedule.get(field)
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError(message, field)
    if not minimum <= value <= maximum:
        raise ScheduleError(message, field)
    return value


def _choice_param(schedule: dict, field: str, choices: tuple[str, ...], message: str) -> str | None:
    value = schedule.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        raise ScheduleError(message, field)
    return value


# ------------------------------------------------------------------------ validation


def validate_schedule(schedule: dict) -> dict:
    """Return a normalised copy of ``schedule`` or raise :class:`ScheduleError`.

    Never raises anything else, whatever JSON-like value it is given.
    """
    if not isinstance(schedule, dict):
        raise ScheduleError("O prazo estruturado deve ser um objeto com o campo “kind”.")
    kind = schedule.get("kind")
    if kind is None:
        raise ScheduleError("Informe o tipo de prazo (campo “kind”).", "kind")
    if not isinstance(kind, str) or kind not in SCHEDULE_KINDS:
        raise ScheduleError(
            f"Tipo de prazo desconhecido: {_show(kind)}. "
            f"Tipos válidos: {', '.join(SCHEDULE_KINDS)}.",
            "kind",
        )
    unknown = [key for key in schedule if key != "kind" and key not in _PARAMS[kind]]
    if unknown:
        names = ", ".join(sorted(_show(key) for key in unknown))
        raise ScheduleError(f"Campo não reconhecido para o tipo “{kind}”: {names}.", "kind")

    result: dict[str, Any] = {"kind": kind}
    validator = _VALIDATORS.get(kind)
    if validator is not None:
        result.update(validator(schedule))
    if "also_on" in _PARAMS[kind]:
        also_on = _choice_param(
            schedule,
            "also_on",
            ALSO_ON,
            "O campo “also_on” aceita “course_schedule_change” (alteração nos cursos), "
            "“request” (solicitação) ou “meeting” (reunião).",
        )
        if also_on is not None:
            result["also_on"] = also_on
    return result


def _bool_param(schedule: dict, field: str, message: str) -> bool:
    value = schedule.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ScheduleError(message, field)
    return value


_BUSINESS_DAYS_MESSAGE = "O campo “business_days” (dias úteis) deve ser verdadeiro ou falso."


def _days_param(schedule: dict, *, minimum: int = 0) -> int | None:
    return _int_param(
        schedule,
        "days",
        minimum=minimum,
        maximum=MAX_DAYS,
        message=f"O número de dias deve ser um inteiro entre {minimum} e {MAX_DAYS}.",
    )


def _months_param(schedule: dict) -> int | None:
    return _int_param(
        schedule,
        "months",
        minimum=1,
        maximum=MAX_MONTHS,
        message=f"O número de meses deve ser um inteiro entre 1 e {MAX_MONTHS}.",
    )


def _span(schedule: dict) -> dict[str, Any]:
    """``days`` (calendar or business) or ``months``: exactly one of them."""
    days, months = _days_param(schedule), _months_param(schedule)
    business_days = _bool_param(schedule, "business_days", _BUSINESS_DAYS_MESSAGE)
    if days is None and months is None:
        raise ScheduleError("Informe o número de dias do prazo (campo “days”).", "days")
    if days is not None and months is not None:
        raise ScheduleError("Informe o prazo em dias ou em meses, não nos dois.", "months")
    if months is not None:
        if business_days:
            raise ScheduleError(
                "Dias úteis só se aplicam a prazos contados em dias.", "business_days"
            )
        return {"months": months, "business_days": False}
    return {"days": days, "business_days": business_days}


def _origin_param(schedule: dict) -> str | None:
    return _choice_param(
        schedule,
        "from",
        ORIGINS,
        "O campo “from” deve ser “start” (início da vigência), “signature” (assinatura) "
        "ou “publication” (publicação do extrato).",
    )


def _once_after_start(schedule: dict) -> dict[str, Any]:
    return {**_span(schedule), "from": _origin_param(schedule) or "start"}


def _at_start(schedule: dict) -> dict[str, Any]:
    origin = _origin_param(schedule)
    return {"from": origin} if origin not in (None, "start") else {}


def _annual(schedule: dict) -> dict[str, Any]:
    min_hours = _int_param(
        schedule,
        "min_hours",
        minimum=1,
        maximum=MAX_HOURS_PER_YEAR,
        message=(
            "A carga horária mínima anual deve ser um inteiro entre 1 e "
            f"{MAX_HOURS_PER_YEAR} horas."
        ),
    )
    return {"min_hours": min_hours} if min_hours is not None else {}


def _periodic(schedule: dict) -> dict[str, Any]:
    months = _int_param(
        schedule,
        "months",
        minimum=1,
        maximum=MAX_MONTHS,
        message=f"O número de meses da periodicidade deve ser um inteiro entre 1 e {MAX_MONTHS}.",
    )
    if months is None:
        raise ScheduleError("Informe o número de meses da periodicidade.", "months")
    due_day = _int_param(
        schedule,
        "due_day",
        minimum=1,
        maximum=28,
        message="O dia de vencimento no mês seguinte deve ser um inteiro entre 1 e 28.",
    )
    days_after = _int_param(
        schedule,
        "days_after",
        minimum=1,
        maximum=MAX_DAYS_AFTER_PERIOD,
        message=(
            "Os dias após o fim de cada período devem ser um inteiro entre 1 e "
            f"{MAX_DAYS_AFTER_PERIOD}."
        ),
    )
    business_days = _bool_param(schedule, "business_days", _BUSINESS_DAYS_MESSAGE)
    if due_day is not None and days_after is not None:
        raise ScheduleError(
            "Informe o dia do mês seguinte ou os dias após o período, não os dois.", "days_after"
        )
    if business_days and due_day is None:
        raise ScheduleError(
            "Dias úteis na periodicidade só se aplicam com o dia do mês seguinte (“due_day”).",
            "business_days",
        )
    result: dict[str, Any] = {"months": months}
    if due_day is not None:
        result["due_day"] = due_day
        if business_days:
            result["business_days"] = True
    if days_after is not None:
        result["days_after"] = days_after
    return result


def _on_call(schedule: dict) -> dict[str, Any]:
    trigger = _choice_param(
        schedule,
        "trigger",
        ("meeting", "request"),
        "O gatilho deve ser “meeting” (reunião) ou “request” (solicitação).",
    )
    if trigger is None:
        raise ScheduleError(
            "Informe o gatilho: “meeting” (reunião) ou “request” (solicitação).", "trigger"
        )
    return {"trigger": trigger}


def _event_param(schedule: dict) -> str:
    event = _choice_param(
        schedule,
        "event",
        ("adhesion",),
        "O evento deve ser “adhesion” (celebração de Acordo de Adesão).",
    )
    return event or "adhesion"


def _monthly_after_event(schedule: dict) -> dict[str, Any]:
    day = _int_param(
        schedule,
        "day",
        minimum=1,
        maximum=28,
        message="O dia do mês deve ser um inteiro entre 1 e 28.",
    )
    if day is None:
        raise ScheduleError("Informe o dia do mês subsequente (campo “day”).", "day")
    return {"day": day, "event": _event_param(schedule)}


def _after_event(schedule: dict) -> dict[str, Any]:
    days = _days_param(schedule, minimum=1)
    if days is None:
        raise ScheduleError("Informe o número de dias do prazo (campo “days”).", "days")
    business_days = _bool_param(schedule, "business_days", _BUSINESS_DAYS_MESSAGE)
    return {"days": days, "business_days": business_days, "event": _event_param(schedule)}


def _fixed_date(schedule: dict) -> dict[str, Any]:
    message = (
        "A data fixa deve estar no formato AAAA-MM-DD, entre os anos "
        f"{FIXED_DATE_YEARS[0]} e {FIXED_DATE_YEARS[1]}."
    )
    value = schedule.get("date")
    if value is None:
        raise ScheduleError("Informe a data do prazo (campo “date”).", "date")
    if not isinstance(value, str) or len(value) != 10:
        raise ScheduleError(message, "date")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ScheduleError(message, "date") from None
    if not FIXED_DATE_YEARS[0] <= parsed.year <= FIXED_DATE_YEARS[1]:
        raise ScheduleError(message, "date")
    return {"date": parsed.isoformat()}


def _annual_date(schedule: dict) -> dict[str, Any]:
    month = _int_param(
        schedule, "month", minimum=1, maximum=12, message="O mês deve ser um inteiro entre 1 e 12."
    )
    if month is None:
        raise ScheduleError("Informe o mês do prazo anual (campo “month”).", "month")
    last = 28 if month == 2 else calendar.monthrange(2001, month)[1]
    day = _int_param(
        schedule,
        "day",
        minimum=1,
        maximum=last,
        message=f"O dia deve ser um inteiro entre 1 e {last} para esse mês.",
    )
    if day is None:
        raise ScheduleError("Informe o dia do prazo anual (campo “day”).", "day")
    return {"month": month, "day": day}


_VALIDATORS = {
    "once_after_start": _once_after_start,
    "at_start": _at_start,
    "annual": _annual,
    "periodic": _periodic,
    "on_call": _on_call,
    "monthly_after_event": _monthly_after_event,
    "after_event": _after_event,
    "before_end": _span,
    "after_end": _span,
    "fixed_date": _fixed_date,
    "annual_date": _annual_date,
}


# ------------------------------------------------------------------------- calendar


def _add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` months under Código Civil art. 132 §3.

    Raises OverflowError outside the range of ``date``.
    """
    total = d.year * 12 + (d.month - 1) + months
    year, month_index = divmod(total, 12)
    month = month_index + 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    if d.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, d.day)
    if month == 12:
        if year == 9999:
            raise OverflowError("date out of range")
        return date(year + 1, 1, 1)
    return date(year, month + 1, 1)


def _split(start: date, end: date, months: int) -> list[tuple[int, date, date]]:
    """Consecutive spans of ``months`` months from ``start``, the last clipped to ``end``.

    Returns (index from 0, first day, last day).
    """
    if end < start:
        raise ScheduleError("O fim da vigência não pode ser anterior ao início.", "end")
    spans: list[tuple[int, date, date]] = []
    index = 0
    first = start
    while first <= end:
        try:
            following = _add_months(start, (index + 1) * months)
        except OverflowError:
            spans.append((index, first, end))
            break
        spans.append((index, first, min(following - timedelta(days=1), end)))
        first = following
        index += 1
    return spans


def term_end(start: date, years: int) -> date:
    """Last day of a term of ``years`` years starting on ``start`` (start + years − 1 day)."""
    _check_date(start, "start")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise ScheduleError("A vigência deve ter pelo menos 1 ano.", "years")
    try:
        return _add_months(start, 12 * years) - timedelta(days=1)
    except OverflowError:
        raise ScheduleError("A vigência ultrapassa o ano 9999.", "years") from None


def term_years(start: date, end: date) -> list[tuple[int, date, date]]:
    """(year number from 1, first day, last day) of each term year; the last clipped."""
    _check_date(start, "start")
    _check_date(end, "end")
    return [(index + 1, first, last) for index, first, last in _split(start, end, 12)]


def training_years(start: date, end: date) -> list[tuple[int, date, date]]:
    """(calendar year, first day, last day) of each year the term touches, clipped to it:
    the training year of "N horas ao ano", the same as the annual report's year."""
    _check_date(start, "start")
    _check_date(end, "end")
    return [(year, max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
            for year in range(start.year, end.year + 1)]


@lru_cache(maxsize=512)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(
        holidays.country_holidays("BR", years=year, categories=(holidays.PUBLIC,)).keys()
    )


def is_business_day(d: date) -> bool:
    """Monday to Friday and not a Brazilian national public holiday."""
    _check_date(d, "d")
    return d.weekday() < 5 and d not in _national_holidays(d.year)


def add_business_days(d: date, n: int) -> date:
    """The n-th business day after ``d`` (before it when n < 0); ``d`` itself when n == 0."""
    _check_date(d, "d")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if current.weekday() < 5 and current not in _national_holidays(current.year):
            remaining -= 1
    return current


# -------------------------------------------------------------------------- periods


def _year_label(number: int, first: date, last: date) -> str:
    return f"Ano {number} ({_fmt(first)} a {_fmt(last)})"


def periods_for(
    schedule: dict, *, start: date, end: date, signed_on: date | None = None
) -> list[Period]:
    """The periods a goal with ``schedule`` produces over the term ``[start, end]``."""
    _check_date(start, "start")
    _check_date(end, "end")
    if signed_on is not None:
        _check_date(signed_on, "signed_on")
    if end < start:
        raise ScheduleError("O fim da vigência não pode ser anterior ao início.", "end")
    normalised = validate_schedule(schedule)
    kind = normalised["kind"]
    try:
        if kind == "once_after_start":
            base = start
            if normalised["from"] == "signature" and signed_on is not None:
                base = signed_on
            return [Period("once", "Prazo único", base, _shift(base, normalised))]
        if kind == "annual" and normalised.get("min_hours"):
            return [
                Period(f"C{year}", f"Ano de capacitação de {year} ({_fmt(first)} a {_fmt(last)})",
                       first, last)
                for year, first, last in training_years(start, end)
            ]
        if kind == "annual":
            return [
                Period(f"Y{number}", _year_label(number, first, last), first, last)
                for number, first, last in term_years(start, end)
            ]
        if kind == "periodic":
            return _periodic_periods(normalised, start, end)
        if kind == "before_end":
            due = _shift(end, normalised, backwards=True)
            return [Period("end", "Prazo único (antes do fim da vigência)", min(start, due), due)]
        if kind == "after_end":
            return [Period("end", "Prazo único (após o fim da vigência)", end,
                           _shift(end, normalised))]
        if kind == "fixed_date":
            due = date.fromisoformat(normalised["date"])
            return [Period(f"D{due.isoformat()}", f"Data fixa {_fmt(due)}", min(start, due), due)]
        if kind == "annual_date":
            return _annual_date_periods(normalised, start, end)
    except OverflowError:
        raise ScheduleError("O prazo ultrapassa o ano 9999.", "days") from None
    # continuous kinds: no date in the plan; on_call, monthly_after_event, after_event and
    # manual: deliverables come from event_period() or are set by SEGES.
    return []


def _shift(base: date, normalised: dict, *, backwards: bool = False) -> date:
    """``base`` moved by a schedule's ``days`` (calendar or business) or ``months``.

    Raises OverflowError outside the range of ``date``.
    """
    sign = -1 if backwards else 1
    if "months" in normalised:
        if backwards:
            return _sub_months(base, normalised["months"])
        return _add_months(base, normalised["months"])
    if normalised["business_days"]:
        return add_business_days(base, sign * normalised["days"])
    return base + timedelta(days=sign * normalised["days"])


def _sub_months(d: date, months: int) -> date:
    """``d`` minus ``months`` months; a day the target month lacks gives its last day."""
    total = d.year * 12 + (d.month - 1) - months
    year, month_index = divmod(total, 12)
    if year < 1:
        raise OverflowError("date out of range")
    month = month_index + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _periodic_periods(normalised: dict, start: date, end: date) -> list[Period]:
    months = normalised["months"]
    periods = []
    for index, first, last in _split(start, end, months):
        nominal = start.year * 12 + (start.month - 1) + index * months
        year, month_index = divmod(nominal, 12)
        periods.append(
            Period(
                f"P{year:04d}-{month_index + 1:02d}",
                f"Período {_fmt(first)} a {_fmt(last)}",
                first,
                _periodic_due(normalised, last),
            )
        )
    return periods


def _periodic_due(normalised: dict, last: date) -> date:
    """When a period ending on ``last`` is due: its last day unless a due rule says."""
    if "days_after" in normalised:
        return last + timedelta(days=normalised["days_after"])
    if "due_day" not in normalised:
        return last
    next_month = _add_months(last.replace(day=1), 1)
    if normalised.get("business_days"):
        return add_business_days(next_month - timedelta(days=1), normalised["due_day"])
    return next_month.replace(day=normalised["due_day"])


def _annual_date_periods(normalised: dict, start: date, end: date) -> list[Period]:
    periods = []
    opens = start
    for year in range(start.year, end.year + 1):
        due = date(year, normalised["month"], normalised["day"])
        if start <= due <= end:
            periods.append(Period(f"D{due.isoformat()}", f"Até {_fmt(due)}", opens, due))
            opens = due + timedelta(days=1)
    return periods


def is_continuous(schedule: dict | None) -> bool:
    """A duty that lasts (no date in the plan): never late against the plan."""
    return (schedule or {}).get("kind") in CONTINUOUS_KINDS


def event_trigger(schedule: dict) -> str | None:
    """Which event makes this schedule produce periods through :func:`event_period`.

    ``"meeting"`` / ``"request"`` (on_call, or ``also_on``), ``"adhesion"``
    (monthly_after_event, after_event), ``"course_schedule_change"`` (``also_on``), or None.
    """
    normalised = validate_schedule(schedule)
    kind = normalised["kind"]
    if kind == "on_call":
        return normalised["trigger"]
    if kind in ("monthly_after_event", "after_event"):
        return normalised["event"]
    return normalised.get("also_on")


def event_period(
    schedule: dict,
    *,
    event_key: str,
    event_date: date,
    due_on: date | None = None,
    label: str | None = None,
) -> Period:
    """The period an event (meeting, request, adhesion, course change) creates.

    ``event_key`` identifies the event within the goal (e.g. ``"meeting-12"``); the
    period key is ``"E" + event_key``.
    """
    _check_date(event_date, "event_date")
    if due_on is not None:
        _check_date(due_on, "due_on")
    if (
        not isinstance(event_key, str)
        or not event_key
        or len(event_key) > MAX_EVENT_KEY_LENGTH
        or any(ch.isspace() for ch in event_key)
    ):
        raise ScheduleError(
            f"A chave do evento deve ter de 1 a {MAX_EVENT_KEY_LENGTH} caracteres, sem espaços.",
            "event_key",
        )
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ScheduleError("O rótulo do período não pode ficar em branco.", "label")
    normalised = validate_schedule(schedule)
    trigger = event_trigger(normalised)
    if trigger is None:
        kind = normalised["kind"]
        raise ScheduleError(f"O tipo de prazo “{kind}” não gera entregas por evento.", "kind")
    try:
        due, default_label = _event_due(normalised, trigger, event_date, due_on)
    except OverflowError:
        raise ScheduleError("O prazo ultrapassa o ano 9999.", "event_date") from None
    if due < event_date:
        raise ScheduleError("O prazo não pode ser anterior à data do evento.", "due_on")
    return Period(f"E{event_key}", label.strip() if label else default_label, event_date, due)


def _event_due(
    normalised: dict, trigger: str, event_date: date, due_on: date | None
) -> tuple[date, str]:
    """(due date, default label) of the period ``trigger`` opens on ``event_date``."""
    if trigger in ("meeting", "request"):
        if due_on is None:
            raise ScheduleError("Informe a data da reunião ou o prazo da solicitação.", "due_on")
        if trigger == "meeting":
            return due_on, f"Reunião de {_fmt(due_on)}"
        return due_on, f"Solicitação de {_fmt(event_date)}"
    if trigger == "adhesion":
        label = f"Acordo de Adesão celebrado em {_fmt(event_date)}"
        if due_on is not None:
            return due_on, label
        if normalised["kind"] == "after_event":
            return _shift(event_date, normalised), label
        year, month = (
            (event_date.year + 1, 1)
            if event_date.month == 12
            else (event_date.year, event_date.month + 1)
        )
        if year > 9999:
            raise OverflowError("date out of range")
        return date(year, month, normalised["day"]), label
    label = f"Alteração nos cursos em {_fmt(event_date)}"
    return due_on or event_date + timedelta(days=COURSE_CHANGE_DUE_DAYS), label


_FROM_LABELS = {
    "start": "o início",
    "signature": "a assinatura",
    "publication": "a publicação do extrato",
}
_SINCE_LABELS = {
    "start": "do início da vigência",
    "signature": "da assinatura",
    "publication": "da publicação do extrato",
}
_PERIOD_WORDS = {
    1: "Mensal",
    2: "Bimestral",
    3: "Trimestral",
    4: "Quadrimestral",
    6: "Semestral",
    24: "Bienal",
    36: "Trienal",
}
_ALSO_ON_LABELS = {
    "course_schedule_change": "a cada alteração nos cursos",
    "request": "sempre que solicitado",
    "meeting": "sempre que convocado",
}
_TRIGGER_LABELS = {"meeting": "reunião", "request": "solicitação"}


def _amount(normalised: dict) -> str:
    """'15 dias', '1 dia útil', '6 meses'."""
    if "months" in normalised:
        months = normalised["months"]
        return f"{months} {'mês' if months == 1 else 'meses'}"
    days = normalised["days"]
    if normalised.get("business_days"):
        return f"{days} {'dia útil' if days == 1 else 'dias úteis'}"
    return f"{days} {'dia' if days == 1 else 'dias'}"


def _periodic_words(normalised: dict) -> str:
    months = normalised["months"]
    text = _PERIOD_WORDS.get(months, f"A cada {months} meses")
    if "due_day" in normalised:
        day = normalised["due_day"]
        if normalised.get("business_days"):
            text += f", até o {day}º dia útil do mês seguinte a cada período"
        else:
            text += f", até o dia {day} do mês seguinte a cada período"
    elif "days_after" in normalised:
        text += f", até {normalised['days_after']} dias após o fim de cada período"
    return text


def _describe(normalised: dict) -> str:
    kind = normalised["kind"]
    if kind == "once_after_start":
        return f"Uma vez, até {_amount(normalised)} após {_FROM_LABELS[normalised['from']]}"
    if kind == "at_start":
        since = _SINCE_LABELS[normalised.get("from", "start")]
        return f"Contínua, a partir {since} (sem prazo no plano)"
    if kind == "annual":
        if normalised.get("min_hours"):
            return f"Anual (mínimo de {normalised['min_hours']} h por ano civil)"
        return "Anual"
    if kind == "periodic":
        return _periodic_words(normalised)
    if kind == "during_term":
        return "Contínua, durante a vigência (sem prazo no plano)"
    if kind == "per_regulation":
        return "Contínua, conforme a norma vigente (sem prazo no plano)"
    if kind == "on_call":
        return f"Quando convocado ({_TRIGGER_LABELS[normalised['trigger']]})"
    if kind == "monthly_after_event":
        return f"Até o dia {normalised['day']} do mês seguinte a cada adesão"
    if kind == "after_event":
        return f"Até {_amount(normalised)} após cada adesão"
    if kind == "before_end":
        if normalised.get("days") == 0:
            return "Uma vez, até o fim da vigência"
        return f"Uma vez, até {_amount(normalised)} antes do fim da vigência"
    if kind == "after_end":
        return f"Uma vez, até {_amount(normalised)} após o fim da vigência"
    if kind == "fixed_date":
        return f"Uma vez, até {_fmt(date.fromisoformat(normalised['date']))}"
    if kind == "annual_date":
        return f"Anual, até {normalised['day']:02d}/{normalised['month']:02d} de cada ano"
    return "Definir manualmente"


def describe_schedule(schedule: dict | None) -> str:
    """A goal's structured schedule in Portuguese words, for people."""
    try:
        normalised = validate_schedule(schedule or {})
    except ScheduleError:
        return "Definir manualmente"
    text = _describe(normalised)
    if normalised.get("also_on"):
        text += f" e {_ALSO_ON_LABELS[normalised['also_on']]}"
    return text
