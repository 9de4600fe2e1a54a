"""Rules of obligations that pages rely on: a goal made continuous leaves nothing late
against the plan, and a follow-up belongs to the year it reports on."""

from datetime import date

from portal.deliverables import services
from portal.deliverables.lifecycle import State
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.plans import services as plans
from tests.factories import deliverable_of


def _keys(goal_id: int, institution_id: int) -> dict[str, str]:
    return dict(db.session.execute(db.select(Deliverable.period_key, Deliverable.deadline_source)
                                   .where(Deliverable.goal_id == goal_id,
                                          Deliverable.institution_id == institution_id)).all())


def test_a_goal_made_continuous_keeps_nothing_late_and_no_work_is_lost(users, act):
    mg = users["partner_manager"].institution_id
    member = users["partner_member"]
    worked = deliverable_of(act, "2.1", mg)  # Y1, due 30/09/2026: drafted, so kept
    services.save_draft(worked, by=member, report="Cronograma em elaboração.",
                        covers_from=None, covers_to=None)
    goal = worked.goal
    plans.update_goal(goal, by=users["seges_admin"], today=date(2026, 12, 4),
                      description=goal.description, deadline_text="Durante a vigência",
                      responsible=goal.responsible, applies_to_adherents=True,
                      schedule={"kind": "during_term"}, roles=[])
    db.session.commit()
    keys = _keys(goal.id, mg)
    assert keys == {"Y1": "followup", **{f"R{y}": "followup" for y in range(2025, 2031)}}
    kept = db.session.get(Deliverable, worked.id)
    assert kept.status == "draft" and db.session.scalar(
        db.select(db.func.count(Submission.id)).where(Submission.deliverable_id == kept.id)) == 1
    assert all(d.state(date(2026, 12, 4)) != State.LATE
               for d in db.session.scalars(db.select(Deliverable).where(
                   Deliverable.goal_id == goal.id)))


def test_a_follow_up_belongs_to_the_year_it_reports_on(users, act):
    """R2025 opens 01/10/2025 and is due 02/03/2026: it is 2025's, in every year filter."""
    mg = users["partner_manager"].institution_id
    keys_2025 = {d.period_key for d in db.session.scalars(
        services.deliverables_query(mg, year=2025)) if d.is_followup}
    keys_2026 = {d.period_key for d in db.session.scalars(
        services.deliverables_query(mg, year=2026)) if d.is_followup}
    assert keys_2025 == {"R2025"} and keys_2026 == {"R2026"}
