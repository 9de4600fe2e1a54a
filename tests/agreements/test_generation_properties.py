"""The schedule engine's properties, checked on the rows it writes (SQLite and PostgreSQL)."""

from datetime import date
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.agreements import generation, plans
from portal.agreements.importer import parse_plan, read_seed_plan
from portal.agreements.models import Agreement, Goal
from portal.deliverables.models import Deliverable
from portal.extensions import db

PLAN = parse_plan(read_seed_plan())
UNCLIPPED = {"once_after_start"}  # the document's own rule may fall after the term


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    years=st.integers(min_value=1, max_value=10),
)
def test_generated_rows_respect_the_term_never_overlap_and_regenerate_to_nothing(
    users, start, years
):
    agreement, _ = plans.import_plan(
        PLAN, start=start, years=years, number=f"P{start:%Y%m%d}/{years}"
    )
    try:
        rows = db.session.execute(
            db.select(
                Deliverable.goal_id,
                Deliverable.institution_id,
                Deliverable.opens_on,
                Deliverable.due_on,
                Goal.schedule,
            )
            .join(Goal)
            .where(Goal.agreement_id == agreement.id)
            .order_by(Deliverable.goal_id, Deliverable.institution_id, Deliverable.opens_on)
        ).all()
        assert rows
        for row in rows:
            assert row.opens_on <= row.due_on
            if row.schedule["kind"] not in UNCLIPPED:
                assert agreement.term_start <= row.opens_on
                assert row.due_on <= agreement.term_end
        for previous, current in pairwise(rows):
            if (previous.goal_id, previous.institution_id) == (
                current.goal_id,
                current.institution_id,
            ):
                assert previous.due_on < current.opens_on  # periods never overlap
                assert previous.due_on < current.due_on
        assert generation.generate_deliverables(agreement) == 0
        db.session.commit()
    finally:
        db.session.delete(db.session.get(Agreement, agreement.id))
        db.session.commit()
