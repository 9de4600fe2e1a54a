"""Dates, times, numbers and sizes as Brazilian users read them (Babel, pt_BR, Brasília time).

The one place that turns values into text for people: services, e-mails and exports import
from here; ``core.templating`` only registers these functions as Jinja filters.
"""

from datetime import UTC, date, datetime, timedelta

from babel import dates, numbers, units
from flask_babel import ngettext

from portal.core.clock import as_utc, zone

LOCALE = "pt_BR"


def format_date(value: date | datetime | None) -> str:
    """dd/mm/aaaa; a datetime is first moved to the users' timezone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return dates.format_datetime(as_utc(value), "dd/MM/yyyy", tzinfo=zone(), locale=LOCALE)
    return dates.format_date(value, "dd/MM/yyyy", locale=LOCALE)


def format_datetime(value: datetime | None) -> str:
    """dd/mm/aaaa HH:MM in the users' timezone."""
    if value is None:
        return ""
    return dates.format_datetime(
        as_utc(value), "dd/MM/yyyy HH:mm", tzinfo=zone(), locale=LOCALE
    )


def format_time(value: datetime) -> str:
    """HH:MM in the users' timezone."""
    return dates.format_time(as_utc(value), "HH:mm", tzinfo=zone(), locale=LOCALE)


def format_relative(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, as in "há 5 minutos" (rounded, like people say it)."""
    if value is None:
        return ""
    age = (now or datetime.now(UTC)) - as_utc(value)
    if age < timedelta(minutes=1):
        return "agora mesmo"
    return dates.format_timedelta(-age, add_direction=True, locale=LOCALE)


def format_number(value: int | float | None) -> str:
    """1.234,5: dots between thousands, a decimal comma."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=LOCALE)


def format_count(count: int, one: str, many: str) -> str:
    """"1 entrega", "1.234 entregas": the number and the noun in its number (Flask-Babel)."""
    return f"{format_number(count)} {ngettext(one, many, count)}"


def format_percent(value: float | None) -> str:
    """A percentage with one decimal: "66,7%" (``value`` is already out of 100)."""
    if value is None:
        return ""
    return numbers.format_percent(value / 100, "#,##0.0%", locale=LOCALE)


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
