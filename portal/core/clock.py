"""What day and time it is for the portal's users (America/Sao_Paulo by default)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


def local_today() -> date:
    """Today where the users are: deadlines and overdue are counted in this calendar."""
    return datetime.now(zone()).date()


def as_utc(moment: datetime) -> datetime:
    """A stored instant, timezone-aware (SQLite gives it back naive; it is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local_date(moment: datetime) -> date:
    """The users' calendar day of a stored instant."""
    return as_utc(moment).astimezone(zone()).date()


def start_of_local_day(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the users' timezone."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)
