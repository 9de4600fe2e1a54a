"""Dates, times, numbers and sizes as Brazilian users read them (Babel, pt_BR, Brasília time).

The one place that turns values into text for people: services, e-mails and exports import
from here; ``core.templating`` only registers these functions as Jinja filters.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale, dates, numbers, units
from flask_babel import ngettext

from portal.core.clock import as_utc, zone

LOCALE = "pt_BR"


# The numeric patterns (dd/MM/yyyy, HH:mm) need no locale data: written with strftime, which
# gives Babel's text (a test compares them) in a tenth of the time — a list shows hundreds.


def format_date(value: date | datetime | None) -> str:
    """dd/mm/aaaa; a datetime is first moved to the users' timezone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(zone())
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_datetime(value: datetime | None) -> str:
    """dd/mm/aaaa HH:MM in the users' timezone."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(zone())
    return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"


def format_time(value: datetime) -> str:
    """HH:MM in the users' timezone."""
    local = as_utc(value).astimezone(zone())
    return f"{local.hour:02d}:{local.minute:02d}"


def _past_patterns() -> list[tuple[str, int, dict[str, str]]]:
    """Babel's pt_BR "há {0} …" patterns, by unit (largest first) and plural form."""
    fields = Locale.parse(LOCALE)._data["date_fields"]
    return [
        (unit, seconds, dict((fields.get(f"{unit}-long") or fields[unit])["past"]))
        for unit, seconds in dates.TIMEDELTA_UNITS
    ]


_PAST = _past_patterns()
_PLURAL_FORM = Locale.parse(LOCALE).plural_form
_THRESHOLD = 0.85  # Babel's default: "há 1 hora" from 51 minutes on


def format_relative(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, as in "há 5 minutos" (rounded, like people say it).

    Babel's ``format_timedelta(-age, add_direction=True)`` — the same units, threshold,
    rounding and patterns (a test compares them) — without looking the locale's data up
    again on every call: a forum page shows dozens."""
    if value is None:
        return ""
    age = (now or datetime.now(UTC)) - as_utc(value)
    if age < timedelta(minutes=1):
        return "agora mesmo"
    seconds = age.total_seconds()
    for unit, unit_seconds, patterns in _PAST:
        amount = seconds / unit_seconds
        if amount >= _THRESHOLD or unit == "second":
            if unit == "second":
                amount = max(1, amount)
            amount = round(amount)
            pattern = patterns.get(_PLURAL_FORM(amount)) or patterns["other"]
            return pattern.replace("{0}", str(amount))
    return ""


def format_number(value: int | float | None) -> str:
    """1.234,5: dots between thousands, a decimal comma."""
    if value is None:
        return ""
    if isinstance(value, int):  # Babel's text for pt_BR, without its pattern machinery
        return f"{value:,}".replace(",", ".")
    return numbers.format_decimal(value, locale=LOCALE)


def format_count(count: int, one: str, many: str) -> str:
    """"1 entrega", "1.234 entregas": the number and the noun in its number (Flask-Babel)."""
    return f"{format_number(count)} {ngettext(one, many, count)}"


_TENTH = Decimal("0.1")
_PT_BR_SEPARATORS = str.maketrans({",": ".", ".": ","})


def format_percent(value: float | None) -> str:
    """A percentage with one decimal: "66,7%" (``value`` is already out of 100)."""
    if value is None:
        return ""
    # Babel's "#,##0.0%" for pt_BR, without its pattern machinery (a test compares them):
    # the same decimal, half-to-even rounding, then its separators.
    tenths = (Decimal(str(value / 100)) * 100).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
    return f"{tenths:,.1f}".translate(_PT_BR_SEPARATORS) + "%"


_KB, _MB = 1024, 1024 * 1024


def format_file_size(size: int | None) -> str:
    """A file's size: "830 bytes", "12 kB", "1,5 MB" (units of 1,024)."""
    if size is None:
        return ""
    if size >= _MB:
        return units.format_unit(
            size / _MB, "digital-megabyte", "short", format="#,##0.0", locale=LOCALE
        )
    if size >= _KB:
        return units.format_unit(
            round(size / _KB), "digital-kilobyte", "short", format="#,##0", locale=LOCALE
        )
    return units.format_unit(size, "digital-byte", "long", locale=LOCALE)
