"""The partner home's figures — progress by eixo, the counts of each tab, the year ahead —
kept per institution and day while its deliverables are unchanged (``core.cache``).

Any change to one of the institution's deliverables (a submission, a decision, a waiver, a
new date: the lifecycle writes the deliverable's status and dates) bumps its version
``institution:<id>``; changes that reach every institution's figures — goals, the eixos'
names, agreements and institutions (named in the lists), deliverables written in bulk
(generation, deadline settings) — bump ``deliverables``.

A deliverable's own page is kept the same way (:func:`kept_page`), under its institution's
versions and its own, ``deliverable-page:<id>``, which its versions, evidence, reviews and
trail bump.
"""

from datetime import date
from typing import NamedTuple

from sqlalchemy import inspect

from portal.agreements.models import Agreement, Axis, Goal
from portal.agreements.services import agreements_of
from portal.auth.models import User
from portal.core import cache
from portal.core.models import AuditEvent
from portal.deliverables import services
from portal.deliverables.models import Deliverable, Evidence, Review, Submission
from portal.extensions import db
from portal.forum import search
from portal.institutions.models import Institution

EVERY_INSTITUTION = "deliverables"


def version(institution_id: int) -> str:
    return f"institution:{institution_id}"


def _depends_on(institution_id: int) -> tuple[str, str]:
    return EVERY_INSTITUTION, version(institution_id)


def progress_by_axis(institution_id: int, today: date) -> list[services.AxisProgress]:
    return cache.cached(f"home:progress:{institution_id}:{today}", _depends_on(institution_id),
                        lambda: services.progress_by_axis(institution_id, today))


def years_of(institution_id: int) -> list[int]:
    return cache.cached(f"home:years:{institution_id}", _depends_on(institution_id),
                        lambda: services.years_of(institution_id))


def group_counts(institution_id: int, filters: tuple, base_query, today: date) -> dict:
    """:func:`services.group_counts` of the home's list (``filters``: what ``base_query`` was
    built from: eixo, status, year)."""
    return cache.cached(f"home:counts:{institution_id}:{filters}:{today}",
                        _depends_on(institution_id),
                        lambda: services.group_counts(base_query, today))


def home_timeline(institution_id: int, filters: tuple, base_query, today: date):
    return cache.cached(f"home:timeline:{institution_id}:{filters}:{today}",
                        _depends_on(institution_id),
                        lambda: services.home_timeline(base_query, today))


class AgreementLink(NamedTuple):
    id: int
    title: str


def partner_agreement(institution_id: int) -> AgreementLink | None:
    """The partner's latest agreement (its ACT or adhesion), for the home's "Meu acordo"."""

    def first() -> AgreementLink | None:
        found = next(iter(agreements_of(institution_id)), None)
        return found and AgreementLink(found.id, found.title)

    return cache.cached(f"home:agreement:{institution_id}", _depends_on(institution_id), first)


def kept_for(institution_id: int, key: str, compute):
    """``compute()`` kept under the institution's versions, like its figures (for what a view
    renders from them: the rendered year ahead, a tab's rows)."""
    return cache.cached(f"home:{key}:{institution_id}", _depends_on(institution_id), compute)


def _versions(objects: list) -> set[str]:
    names = set()
    for obj in objects:
        if not isinstance(obj, Deliverable):
            return {EVERY_INSTITUTION}
        history = inspect(obj).attrs.institution_id.history
        names.update(version(i) for i in (*history.added, *history.unchanged, *history.deleted)
                     if i is not None)
    return names


# Agreements and institutions: their titles and names are in the kept home lists.
cache.track((Deliverable, Goal, Axis, Agreement, Institution), _versions, bulk=[EVERY_INSTITUTION])


# A deliverable's page ------------------------------------------------------------------------

EVERY_PAGE = "deliverable-pages"


def page_version(deliverable_id: int) -> str:
    return f"deliverable-page:{deliverable_id}"


def kept_page(deliverable: Deliverable, key: str, compute):
    """``compute()`` (the deliverable's rendered page) kept until the deliverable, its
    versions, evidence, reviews or trail change — or what the page shows around them: its
    goal, agreement and institution, training hours, the forum's questions, people's names."""
    depends_on = (*_depends_on(deliverable.institution_id), page_version(deliverable.id),
                  EVERY_PAGE, search.VERSION)
    return cache.cached(f"deliverable:{deliverable.id}:{key}", depends_on, compute)


def _page_versions(objects: list) -> set[str]:
    names, submission_ids = set(), set()
    for obj in objects:
        if isinstance(obj, Submission):
            names.add(page_version(obj.deliverable_id))
        elif isinstance(obj, Evidence | Review):
            submission_ids.add(obj.submission_id)
        elif isinstance(obj, AuditEvent):
            if obj.object_type == "Deliverable":
                names.add(page_version(obj.object_id))
        elif inspect(obj).attrs.name.history.has_changes():  # a person: only the name is shown
            names.add(EVERY_PAGE)
    if submission_ids:
        names.update(page_version(i) for i in db.session.scalars(
            db.select(Submission.deliverable_id).where(Submission.id.in_(submission_ids))))
    return names


cache.track((Submission, Evidence, Review, AuditEvent, User), _page_versions, bulk=[EVERY_PAGE])
