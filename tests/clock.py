"""The tests' one clock: the portal's calendar, never the machine's.

The code counts deadlines in the users' calendar (``DISPLAY_TIMEZONE``, Brasília), so a
test that needs "today" asks :func:`today` here rather than ``date.today()``, which is the
machine's (UTC) date and differs from Brasília's between 21:00 and 24:00 there.

``PORTAL_TEST_NOW`` (an ISO instant such as ``2026-12-05T01:30:00+00:00``) moves the
clock of the test processes there, ticking (time-machine): ``PORTAL_TEST_NOW=… make test``
shows that what the portal computes does not depend on the hour the suite runs at. What runs
outside those processes keeps the machine's clock: the local gov.br provider (its tokens),
the subprocesses (``portal worker``, gunicorn) and files' modification times. At an instant
more than a few minutes away, the tests that meet them fail (on 2026-12-05, a date ahead:
the gov.br tests, the worker's, the recent-orphan file check, and one test that tripped on
a file they left open).
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal import config

ZONE = ZoneInfo(config.DISPLAY_TIMEZONE)


def today() -> date:
    return datetime.now(ZONE).date()


def travel_destination() -> datetime | None:
    value = os.environ.get("PORTAL_TEST_NOW")
    return datetime.fromisoformat(value) if value else None
