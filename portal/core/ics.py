"""iCalendar (RFC 5545) files for events and course classes, written by ``icalendar``."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar
from icalendar.prop import vText

PRODID = "-//SEGES-MGI//Portal da Rede de Parcerias//PT-BR"


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


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _when(value: datetime | date, zone: tzinfo | None, *, end: bool = False) -> datetime | date:
    if isinstance(value, datetime):
        return _utc(value).astimezone(zone) if zone else _utc(value)
    return value + timedelta(days=1) if end else value  # DTEND of an all-day event is exclusive


def calendar(items: list[CalendarItem], *, name: str, now: datetime | None = None,
             zone: ZoneInfo | None = None, refresh: timedelta | None = None) -> str:
    """The items as an iCalendar file: times in UTC, or in ``zone`` with its VTIMEZONE (a feed
    people subscribe to); ``refresh`` tells calendar apps how often to fetch it again."""
    stamp = _utc(now or datetime.now(UTC))
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(name))  # an X- property is not escaped unless typed as text
    if zone:
        cal.add("x-wr-timezone", vText(str(zone)))
    if refresh:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vText(icalendar.vDuration(refresh).to_ical().decode()))
    for item in items:
        event = icalendar.Event.new(
            uid=item.uid, stamp=stamp, start=_when(item.start, zone),
            end=_when(item.end, zone, end=True), summary=item.summary,
            location=item.location or None, description=item.description or None,
            url=item.url or None,
        )
        cal.add_component(event)
    if zone:
        cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")
