"""The annual report of a year is compiled once and kept until that year's data changes
(portal.reports.snapshots over portal.core.cache), in every process: the versions live in
the database and the changing transaction bumps them."""

from datetime import date

import pytest

from portal.core import cache
from portal.extensions import db
from portal.reports import snapshots
from portal.reports.services import compile_report
from tests import factories
from tests.factories import review, utc

TODAY = date(2027, 6, 1)  # 2025 and 2026 are closed years


@pytest.fixture
def compiled(cache_on, monkeypatch):
    """The cache on, empty, and a count of the compilations."""
    calls = []

    def counting(year, institution=None, today=None):
        calls.append(year)
        return compile_report(year, institution, today=today)

    monkeypatch.setattr(snapshots, "compile_report", counting)
    return calls


def test_a_closed_year_is_compiled_once(network, compiled):
    first = snapshots.report(2026, None, TODAY)
    again = snapshots.report(2026, None, date(2027, 6, 2))  # another day: same closed year
    assert compiled == [2026]
    assert again == first and again.totals.due == 10 and again.totals.met == 6


def test_a_review_of_that_year_compiles_it_again_with_the_new_numbers(network, compiled):
    assert snapshots.report(2026, None, TODAY).totals.met == 6
    review(network["a7"], "approved", utc(2026, 3, 20, 14))  # the overdue one, now met
    db.session.commit()
    assert snapshots.report(2026, None, TODAY).totals.met == 7
    assert compiled == [2026, 2026]


def test_a_change_to_another_year_keeps_the_year_cached(network, compiled):
    snapshots.report(2026, None, TODAY)
    snapshots.report(2025, None, TODAY)
    factories.training_record(network["admin"], institution_id=network["alfa"].id,
                              start_on=date(2025, 5, 5), hours=8, participants=3)
    db.session.commit()
    assert snapshots.report(2026, None, TODAY).totals.training_hours == 80
    assert snapshots.report(2025, None, TODAY).totals.training_hours == 18
    assert compiled == [2026, 2025, 2025]


def test_a_rolled_back_change_bumps_nothing(network, compiled):
    snapshots.report(2026, None, TODAY)
    before = cache.versions("report", "report:2026")
    network["a7"].due_on = date(2026, 3, 11)
    db.session.flush()
    db.session.rollback()
    assert cache.versions("report", "report:2026") == before
    snapshots.report(2026, None, TODAY)
    assert compiled == [2026]


def test_renaming_an_institution_compiles_every_year_again(network, compiled):
    snapshots.report(2026, None, TODAY)
    network["beta"].name = "Beta Estado"
    db.session.commit()
    assert any(p.name == "Beta Estado" for p in snapshots.report(2026, None, TODAY).partners)
    assert compiled == [2026, 2026]


def test_the_open_year_is_kept_per_day(network, compiled):
    snapshots.report(2026, None, date(2026, 6, 1))
    snapshots.report(2026, None, date(2026, 6, 1))
    snapshots.report(2026, None, date(2026, 6, 2))
    assert compiled == [2026, 2026]


def test_a_contribution_is_kept_apart_from_the_network_report(network, compiled):
    network_report = snapshots.report(2026, None, TODAY)
    contribution = snapshots.report(2026, network["alfa"], TODAY)
    assert network_report.institution is None and contribution.institution.id == network["alfa"].id
    assert compiled == [2026, 2026]
