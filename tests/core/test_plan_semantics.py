"""docs/plan-semantics.md is the code's behaviour: each row of its table is read here and
checked against the importer (the plan's words → schedule) and the deadline engine (where
the dates come from), then against the deliverables an imported plan really gets."""

import json
import re
from datetime import date
from pathlib import Path

import pytest

from portal.deliverables import deadlines
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.plans.importer import parse_deadline
from portal.schedule import engine as schedule

DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-semantics.md"
SOURCES = {"plano": "plan", "SEGES": "default", "acompanhamento": "followup", "nenhuma": None}
START, END = date(2025, 10, 1), date(2030, 9, 30)


def _rows() -> list[tuple[str, dict, str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("`{"):
            continue
        rows.append((cells[0], json.loads(cells[1].strip("`")), cells[2]))
    return rows


ROWS = _rows()


def test_the_table_covers_every_schedule_kind():
    assert {row[1]["kind"] for row in ROWS} == set(schedule.SCHEDULE_KINDS)
    assert {row[2] for row in ROWS} == set(SOURCES)


@pytest.mark.parametrize(("words", "expected", "source"), ROWS, ids=[r[0] for r in ROWS])
def test_each_row_is_what_the_importer_and_the_engine_do(app, words, expected, source):
    read, warning = parse_deadline(words)
    assert read == expected
    assert (warning is not None) == (expected["kind"] == "manual")
    periods = schedule.periods_for(expected, start=START, end=END, signed_on=date(2025, 9, 24))
    trigger = schedule.event_trigger(expected)
    if source == "plano":
        assert not schedule.is_continuous(expected)
        assert periods or trigger in ("request", "adhesion")
    elif source == "SEGES":
        assert not periods and trigger == "meeting"
        due, rule = deadlines.after_event("meeting", date(2026, 12, 24))
        assert "SEGES" in rule and schedule.is_business_day(due)
    elif source == "acompanhamento":
        assert schedule.is_continuous(expected) and not periods
        followups = deadlines.followup_periods(START, END)
        assert [p.key for p, _ in followups] == [f"R{y}" for y in range(2025, 2031)]
        assert all("SEGES" in rule for _, rule in followups)
    else:
        assert not periods and trigger is None


def test_an_imported_plan_gets_deliverables_of_the_documented_source(act):
    by_kind = {}
    for _words, expected, source in ROWS:
        by_kind.setdefault(expected["kind"], set()).add(SOURCES[source])
    for goal in act.goals:  # imported from the seed, started on START
        sources = set(db.session.scalars(
            db.select(Deliverable.deadline_source).where(Deliverable.goal_id == goal.id)))
        documented = by_kind[goal.schedule["kind"]]
        if goal.has_role("annual_report"):
            # 3.6: one network deliverable of SEGES per report year (documented in its row)
            keys = set(db.session.scalars(db.select(Deliverable.period_key).where(
                Deliverable.goal_id == goal.id)))
            assert keys == {f"A{y}" for y in range(2025, 2031)} and sources == {"default"}
            continue
        if goal.schedule["kind"] in ("on_call", "monthly_after_event"):
            assert sources == set(), goal.code  # nothing until a meeting, request, adhesion
            continue
        if goal.responsible == "seges" and "followup" in documented:
            assert sources == set(), goal.code  # SEGES reports continuous duties itself
            continue
        assert sources and sources <= documented, (goal.code, sources, documented)


def test_the_doc_names_the_settings_page_the_code_serves(app):
    assert re.search(r"`/configuracoes/prazos`", DOC.read_text(encoding="utf-8"))
    assert any(rule.rule == "/configuracoes/prazos" for rule in app.url_map.iter_rules())
