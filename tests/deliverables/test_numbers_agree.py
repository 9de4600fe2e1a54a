"""The same partner on the same day gets the same numbers on every page: the home (tabs and
progress by eixo), the network panel (row and totals) and the annual report — because they
are all built from the lifecycle's expressions. The network is seeded (MG and ES on the
seed plan, different starts), then random deliverables are worked on through the real
services: drafts, submissions, approvals, returns and waivers."""

import random
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.deliverables import lifecycle, reviews, services
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.panel import services as panel
from portal.reports.services import compile_report
from tests import factories

DAYS = [date(2025, 12, 31), date(2026, 3, 2), date(2026, 3, 3), date(2026, 10, 1),
        date(2026, 12, 4), date(2027, 6, 30)]


@pytest.fixture
def network(users):
    factories.seed_agreement()
    factories.seed_agreement(start=date(2026, 2, 16), number="161/2025",
                             partner=users["other_manager"].institution)
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    es_manager = users["other_manager"]
    chooser = random.Random(20261204)
    owned = db.session.scalars(db.select(Deliverable).where(
        Deliverable.institution_id.in_([member.institution_id, es_manager.institution_id]))
        .order_by(Deliverable.id)).all()
    for deliverable in chooser.sample(owned, 40):
        author = member if deliverable.institution_id == member.institution_id else es_manager
        action = chooser.choice(["draft", "submit", "approve", "return", "waive"])
        if action == "waive":
            reviews.waive(deliverable, by=users["seges_admin"], reason="Teste")
            continue
        services.save_draft(deliverable, by=author, report="Feito.", covers_from=None,
                            covers_to=None)
        if action == "draft":
            continue
        submission = services.submit(deliverable, by=author)
        if action in ("approve", "return"):
            reviews.decide(submission, by=reviewer,
                           decision="approved" if action == "approve" else "returned",
                           reason_code="insufficient_evidence", comment="Complete, por favor.")
    return users


def _panel_row(institution_id: int, today: date, year: int | None = None):
    """The partner's panel row (the panel lists only partners owing something there)."""
    query = panel.progress_query(panel.PanelFilters(year=year), today)
    row = next((row for row in db.session.execute(query) if row.id == institution_id), None)
    return row or SimpleNamespace(due=0, done=0, overdue=0, followup_late=0, waiting=0,
                                  returned=0)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.sampled_from(DAYS), who=st.sampled_from(["partner_manager", "other_manager"]))
def test_home_panel_and_annual_report_agree(network, day, who):
    institution_id = network[who].institution_id
    home = services.counts_for(institution_id, day)
    progress = services.progress_by_axis(institution_id, day)
    assert sum(p.due for p in progress) == home.due
    assert sum(p.approved for p in progress) == home.done
    tabs = services.group_counts(services.deliverables_query(institution_id), day)
    assert tabs["atrasadas"] == home.late
    assert tabs["em_analise"] == home.in_review and tabs["devolvidas"] == home.returned

    row = _panel_row(institution_id, day)
    assert (row.due, row.done, row.overdue, row.followup_late, row.waiting, row.returned) == (
        home.due, home.done, home.late, home.followup_late, home.in_review, home.returned)

    report = compile_report(day.year, network[who].institution, today=day)
    year_row = _panel_row(institution_id, day, year=day.year)
    assert report.totals.due == year_row.due
    assert report.totals.met == year_row.done  # every approval here is before the closing


def test_python_and_sql_states_agree_on_every_combination(app, users):
    """``state_of`` (Python) and ``state_expr`` (SQL) are one rule."""
    today = date(2026, 12, 4)
    cases = [(status, due, source) for status in lifecycle.Status for source in lifecycle.Source
             for due in (date(2026, 12, 3), today, date(2026, 12, 5), date(2027, 1, 10))]
    for status, due, source in cases:
        expression = lifecycle.state_expr(today, db.literal(status.value),
                                          db.literal(due), db.literal(source.value))
        group = lifecycle.group_expr(today, db.literal(status.value), db.literal(due),
                                     db.literal(source.value))
        sql_state, sql_group = db.session.execute(db.select(expression, group)).one()
        assert sql_state == lifecycle.state_of(status, due, source, today), (status, due, source)
        assert sql_group == lifecycle.group_of(status, due, source, today), (status, due, source)


def test_a_late_follow_up_is_never_late_against_the_plan(app):
    state = lifecycle.state_of("pending", date(2026, 3, 2), "followup", date(2026, 12, 4))
    assert state == lifecycle.State.FOLLOWUP_LATE
    assert lifecycle.STATE_LABELS[state] == "Relato pendente (pedido pela SEGES)"
    assert lifecycle.state_of("returned", date(2026, 3, 2), "plan", date(2026, 12, 4)) == (
        lifecycle.State.RETURNED)
