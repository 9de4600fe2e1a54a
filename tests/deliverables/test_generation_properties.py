"""The generation's properties, checked on the rows it writes (SQLite and PostgreSQL).

Three kinds of rows come out of a plan, each with its own invariant:

* ``plan`` rows (the plan's own dates): inside the term — except ``once_after_start``,
  whose written rule may fall after it — and never overlapping for one (goal, institution);
* ``followup`` rows (the partner's yearly *relato de acompanhamento* of a continuous goal):
  one per calendar year the term touches, ``R<year>``, opening inside the term (on 01/01 or
  the term start) and due on the first business day on or after 01/03 of the next year
  (31/03 minus 30 days) — after the year it reports on has closed, so consecutive follow-ups
  overlap from January to March by design, and the last one is due after the term ends;
* ``default`` rows of the goal whose role is ``annual_report`` (3.6): the Rede's annual
  report, SEGES's, ``A<year>``, from 01/01 of the year to 31/03 of the next — it may open
  before the term starts and close after it ends, since it is the whole Rede's year.
"""

from datetime import date, timedelta
from itertools import pairwise

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.agreements.models import Agreement, Goal
from portal.deliverables import generation
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan

PLAN = parse_plan(read_seed_plan())
UNCLIPPED = {"once_after_start"}  # the document's own rule may fall after the term
CONTINUOUS = {"at_start", "during_term", "per_regulation"}


def _first_business_day_from(day: date) -> date:
    """An oracle independent of the engine: Monday–Friday and not a national holiday."""
    while day.weekday() >= 5 or day in holidays.country_holidays(
        "BR", years=day.year, categories=("public",)
    ):
        day += timedelta(days=1)
    return day


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    years=st.integers(min_value=1, max_value=10),
)
def test_generated_rows_respect_the_term_never_overlap_and_regenerate_to_nothing(
    users, seges, start, years
):
    agreement, _ = plans.import_plan(
        PLAN, start=start, years=years, number=f"P{start:%Y%m%d}/{years}"
    )
    try:
        term_start, term_end = agreement.term_start, agreement.term_end
        partner = agreement.partner_id
        report_years = list(range(term_start.year, term_end.year + 1))
        goals = {goal.id: goal for goal in agreement.goals}
        rows = db.session.execute(
            db.select(
                Deliverable.goal_id,
                Deliverable.institution_id,
                Deliverable.period_key,
                Deliverable.opens_on,
                Deliverable.due_on,
                Deliverable.deadline_source,
                Deliverable.deadline_rule,
            )
            .join(Goal)
            .where(Goal.agreement_id == agreement.id)
            .order_by(Deliverable.goal_id, Deliverable.institution_id, Deliverable.opens_on)
        ).all()
        assert rows
        by_source = {"plan": [], "followup": [], "default": []}
        for row in rows:
            assert row.opens_on <= row.due_on
            by_source[row.deadline_source].append(row)

        # The plan's dates: inside the term, never overlapping.
        for row in by_source["plan"]:
            goal = goals[row.goal_id]
            assert goal.schedule["kind"] not in CONTINUOUS and row.deadline_rule is None
            if goal.schedule["kind"] not in UNCLIPPED:
                assert term_start <= row.opens_on and row.due_on <= term_end
        for previous, current in pairwise(by_source["plan"]):
            if (previous.goal_id, previous.institution_id) == (
                current.goal_id,
                current.institution_id,
            ):
                assert previous.due_on < current.opens_on  # periods never overlap
                assert previous.due_on < current.due_on

        # Follow-ups: the partner's only, one per report year, of each continuous goal it owes.
        followups: dict[int, list] = {}
        for row in by_source["followup"]:
            goal = goals[row.goal_id]
            assert goal.schedule["kind"] in CONTINUOUS and goal.responsible != "seges"
            assert row.institution_id == partner and "pedido pela SEGES" in row.deadline_rule
            year = int(row.period_key.removeprefix("R"))
            assert row.opens_on == max(term_start, date(year, 1, 1))
            assert term_start <= row.opens_on <= term_end
            assert row.due_on == _first_business_day_from(date(year + 1, 3, 1))
            assert row.due_on > date(year, 12, 31)  # after the year it reports on
            followups.setdefault(row.goal_id, []).append(row)
        owed = {
            goal.id for goal in goals.values()
            if goal.schedule["kind"] in CONTINUOUS and goal.responsible != "seges"
            and not goal.has_role("annual_report")
        }
        assert set(followups) == owed and owed
        for items in followups.values():
            assert [r.period_key for r in items] == [f"R{y}" for y in report_years]
            for before, after in pairwise(items):
                assert before.opens_on < after.opens_on and before.due_on < after.due_on
            assert items[-1].due_on > term_end

        # The Rede's annual report: SEGES's, one per report year, on the annual_report goal.
        (report_goal,) = [g for g in goals.values() if g.has_role("annual_report")]
        reports = by_source["default"]
        assert {r.goal_id for r in reports} == {report_goal.id}
        assert {r.institution_id for r in reports} == {seges.id}
        assert [(r.period_key, r.opens_on, r.due_on) for r in reports] == [
            (f"A{y}", date(y, 1, 1), _first_business_day_from(date(y + 1, 3, 31)))
            for y in report_years
        ]

        # SEGES's own continuous duties are reported in the annual report: no rows at all.
        seges_continuous = {
            goal.id for goal in goals.values()
            if goal.schedule["kind"] in CONTINUOUS and goal.responsible == "seges"
            and not goal.has_role("annual_report")
        }
        assert seges_continuous and not seges_continuous & {row.goal_id for row in rows}

        assert generation.generate_deliverables(agreement) == 0
        db.session.commit()
    finally:
        db.session.delete(db.session.get(Agreement, agreement.id))
        db.session.commit()
