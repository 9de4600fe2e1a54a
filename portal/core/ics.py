"""iCalendar (RFC 5545) files for events and course classes: escaped, folded, CRLF."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODID = "-//SEGES-MGI//Portal da Rede de Parcerias//PT-BR"
MAX_OCTETS = 75


@dataclass(frozen=True)
class CalendarItem:
    """One VEVENT. ``start``/``end`` are aware datetimes, or dates for all-day items
    (``end`` is then the last day, inclusive)."""

    uid: str
    start: datetime | date
    end: datetime | date
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space (RFC 5545 §3.1)."""
    chunks, current, size = [], "", 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # the leading space counts
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def _utc(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: datetime | date, *, end: bool = False) -> str:
    if isinstance(value, datetime):
        return f"{name}:{_utc(value)}"
    if end:
        value += timedelta(days=1)  # DTEND of an all-day event is exclusive
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def calendar(items: list[CalendarItem], *, name: str, now: datetime | None = None) -> str:
    stamp = _utc(now or datetime.now(UTC))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}"]
    for item in items:
        lines += ["BEGIN:VEVENT", f"UID:{item.uid}", f"DTSTAMP:{stamp}",
                  _when("DTSTART", item.start), _when("DTEND", item.end, end=True),
                  f"SUMMARY:{escape(item.summary)}"]
        if item.location:
            lines.append(f"LOCATION:{escape(item.location)}")
        if item.description:
            lines.append(f"DESCRIPTION:{escape(item.description)}")
        if item.url:
            lines.append(f"URL:{item.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
