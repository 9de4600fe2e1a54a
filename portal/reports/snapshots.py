"""The annual report of a year, compiled once and kept until that year's data changes.

Compiling the network's report reads every deliverable due in the year (hundreds of
milliseconds at federation size). It is kept by ``core.cache`` under two versions: the
year's (``report:<year>``), bumped by any change to what is counted in that year —
deliverables due in it, their versions and reviews, training started in it, events starting
in it, its introduction — and the Rede's (``report``), bumped by changes that reach every
year: institutions, agreements (adhesions and layers), goals, eixos.
"""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import inspect

from portal.agreements.models import Agreement, Axis, Goal
from portal.core import cache
from portal.core.clock import local_date
from portal.deliverables.models import Deliverable, Review, Submission
from portal.events.models import Event, EventInvitation
from portal.extensions import db
from portal.institutions.models import Institution
from portal.reports.charts import ReportCharts, measure_of, report_charts
from portal.reports.models import AnnualReport
from portal.reports.services import Report, compile_report
from portal.training.models import TrainingRecord

EVERY_YEAR = "report"


def year_version(year: int) -> str:
    return f"report:{year}"


def report(year: int, institution: Institution | None, today: date) -> Report:
    """:func:`compile_report`, kept while the year's data is unchanged. The open year is
    also cut at ``today``, so its key carries the day."""
    scope = institution.id if institution is not None else None
    return cache.cached(_key("report", year, scope, today), (EVERY_YEAR, year_version(year)),
                        lambda: compile_report(year, institution, today=today))


def charts(report: Report, today: date, measure: str | None) -> ReportCharts:
    """The report's map and charts, kept with it."""
    scope = report.institution.id if report.institution is not None else None
    key = _key("report-charts", report.year, scope, today) + f":{measure_of(measure)}"
    return cache.cached(key, (EVERY_YEAR, year_version(report.year)),
                        lambda: report_charts(report, measure))


def _key(kind: str, year: int, scope: int | None, today: date) -> str:
    day = today.isoformat() if year >= today.year else "closed"
    return f"{kind}:{year}:{scope or 'rede'}:{day}"


def _years(objects: list) -> set[str]:
    years: set[int] = set()
    deliverable_ids: set[int] = set()
    submission_ids: set[int] = set()
    event_ids: set[int] = set()
    for obj in objects:
        if isinstance(obj, Deliverable):
            years.update(d.year for d in _values(obj, "due_on") if d)
        elif isinstance(obj, Submission):
            if cache.status_changed(obj):
                deliverable_ids.add(obj.deliverable_id)
        elif isinstance(obj, Review):
            submission_ids.add(obj.submission_id)
        elif isinstance(obj, TrainingRecord):
            years.update(d.year for d in _values(obj, "start_on") if d)
        elif isinstance(obj, Event):
            years.update(_event_years(_values(obj, "starts_at")))
        elif isinstance(obj, EventInvitation):
            event_ids.add(obj.event_id)
        elif isinstance(obj, AnnualReport):
            years.add(obj.year)
        else:
            return {EVERY_YEAR}
    connection = db.session.connection()
    if submission_ids:
        deliverable_ids.update(connection.scalars(
            db.select(Submission.deliverable_id).where(Submission.id.in_(submission_ids))))
    if deliverable_ids:
        years.update(d.year for d in connection.scalars(
            db.select(Deliverable.due_on).where(Deliverable.id.in_(deliverable_ids))) if d)
    if event_ids:
        years.update(_event_years(connection.scalars(
            db.select(Event.starts_at).where(Event.id.in_(event_ids)))))
    return {year_version(year) for year in years}


def _values(obj, attribute: str) -> list:
    """The attribute's value now and, for a change, before."""
    history = inspect(obj).attrs[attribute].history
    return [*history.added, *history.unchanged, *history.deleted] or [getattr(obj, attribute)]


def _event_years(moments: Iterable[datetime | None]) -> set[int]:
    return {year for moment in moments if moment
            for year in (moment.year, local_date(moment).year)}


cache.track((Deliverable, Submission, Review, TrainingRecord, Event, EventInvitation,
             AnnualReport, Institution, Agreement, Goal, Axis), _years, bulk=[EVERY_YEAR])
