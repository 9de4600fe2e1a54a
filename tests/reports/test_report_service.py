"""The report's numbers, checked against the hand-computed fixture (see conftest)."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from portal.core.exceptions import DomainError
from portal.extensions import db
from portal.reports import services
from portal.reports.services import GoalLine
from tests import factories
from tests.factories import agreement, attended_event, deliverable, goal, review, utc


def _by_name(report):
    return {p.name.split()[0]: p for p in report.partners}


def test_network_totals_match_the_hand_computed_fixture(network):
    totals = services.compile_report(2026).totals
    assert (totals.partners, totals.first_layer, totals.second_layer) == (4, 2, 2)
    assert (totals.due, totals.met, totals.not_met, totals.percent) == (10, 6, 4, 60.0)
    assert (totals.training_hours, totals.training_courses, totals.participants) == (80, 3, 62)
    assert (totals.partners_with_target, totals.partners_reaching_target) == (2, 1)
    assert (totals.adhesions, totals.events, totals.attendances) == (1, 2, 2)


def test_each_partner_line_matches_the_fixture(network):
    report = services.compile_report(2026)
    assert [p.name.split()[0] for p in report.partners] == ["Alfa", "Beta", "Delta", "Gama"]
    lines = _by_name(report)
    fields = ("layer", "due", "met", "training_hours", "training_courses", "participants",
              "target_hours", "adhesions", "events_invited", "events_attended")

    def values(line):
        return tuple(getattr(line, f) for f in fields)

    assert values(lines["Alfa"]) == (1, 5, 3, 64, 2, 50, 60, 1, 1, 1)
    assert values(lines["Beta"]) == (1, 4, 2, 16, 1, 12, 60, 0, 2, 1)
    assert values(lines["Delta"]) == (2, 0, 0, 0, 0, 0, None, 0, 0, 0)
    assert values(lines["Gama"]) == (2, 1, 1, 0, 0, 0, None, 0, 0, 0)
    assert lines["Alfa"].percent == 60.0 and lines["Beta"].percent == 50.0
    assert lines["Delta"].percent is None
    assert lines["Alfa"].reached_target is True and lines["Beta"].reached_target is False
    assert lines["Gama"].reached_target is None
    # The page and the PDF show first-layer partners with their adherents summed.
    groups = [(g.partner.name.split()[0], g.adherents, g.adherents_due, g.adherents_met)
              for g in report.groups]
    assert groups == [("Alfa", 2, 1, 1), ("Beta", 0, 0, 0)]


def test_axes_group_goals_and_leave_out_waived_and_seges_deliverables(network):
    report = services.compile_report(2026)
    assert [s.axes for s in report.axes] == [(1,), (2,), (3,)]  # C.1 only had a waived one
    eixo1, eixo2, eixo3 = report.axes
    assert eixo1.goals == (GoalLine("1.1", "Meta 1.1 do plano", 4, 3, 2),)
    assert eixo2.goals == (GoalLine("2.2", "Meta 2.2 do plano", 2, 0, 0),)
    assert eixo3.goals == (GoalLine("3.5", "Meta 3.5 do plano", 4, 3, 3),)
    assert (eixo1.label, eixo3.percent) == ("Eixo 1 — Melhoria da Gestão", 75.0)
    assert sum(s.due for s in report.axes) == report.totals.due


def test_a_decision_counts_until_the_end_of_the_closing_day_in_brasilia(network):
    """a4 (due 20/12/2026) approved 15/01/2027 counts; b1 approved 31/03/2027 23:30 in
    Brasília counts; b4 approved 01/04/2027 00:30 there does not, though it is approved."""
    assert services.closing_date(2026) == date(2027, 3, 31)
    report = services.compile_report(2026, network["beta"])
    situations = {d.deliverable_id: d.situation for d in report.deliverables}
    assert situations[network["b1"].id] == "Cumprida"
    assert situations[network["b4"].id] == "Não cumprida"
    assert network["b4"].status == "approved"
    alfa = services.compile_report(2026, network["alfa"])
    a4 = next(d for d in alfa.deliverables if d.deliverable_id == network["a4"].id)
    assert (a4.situation, a4.approved_on) == ("Cumprida", date(2027, 1, 15))


def test_a_partners_contribution_lists_how_each_deliverable_was_counted(network):
    report = services.compile_report(2026, network["alfa"])
    assert report.institution.id == network["alfa"].id
    assert [p.institution_id for p in report.partners] == [network["alfa"].id]
    assert (report.totals.due, report.totals.met, report.totals.events) == (5, 3, 1)
    lines = [(d.goal_code, d.due_on, d.situation, d.approved_on) for d in report.deliverables]
    assert lines == [
        ("1.1", date(2026, 1, 31), "Cumprida", date(2026, 2, 5)),
        ("3.5", date(2026, 3, 10), "Não cumprida", None),
        ("C.1", date(2026, 5, 10), "Dispensada (não conta)", None),
        ("2.2", date(2026, 6, 30), "Não cumprida", None),
        ("1.1", date(2026, 7, 31), "Cumprida", date(2026, 8, 20)),  # the approved version 2
        ("3.5", date(2026, 12, 20), "Cumprida", date(2027, 1, 15)),
    ]
    assert [h.deliverable_id for h in report.highlights] == [network["a4"].id]


def test_highlights_are_plain_text_excerpts_one_per_partner_in_name_order(network):
    highlights = services.compile_report(2026).highlights
    assert [h.institution for h in highlights] == ["SCC/MG", "SEGER/ES", "GAMA"]
    alfa, beta, gama = highlights
    assert alfa.excerpt == "Publicamos o painel de parcerias no portal do Estado."
    assert beta.excerpt == (
        "Oficina <script>alert(1)</script> de comunicação realizada em 12/09. "
        "40 servidores 3 municípios"
    )  # plain text: the template escapes it
    assert gama.excerpt.endswith("…") and len(gama.excerpt) <= services.HIGHLIGHT_CHARS + 1
    assert gama.excerpt.startswith("Realizamos a Semana da Transparência em Gama")
    assert (gama.goal_code, gama.due_on) == ("3.5", date(2026, 11, 30))


def test_the_2025_report_uses_the_2025_closing_date(network):
    report = services.compile_report(2025)
    lines = _by_name(report)
    assert (lines["Alfa"].due, lines["Alfa"].met) == (1, 1)  # a6, approved 10/01/2026
    assert lines["Alfa"].adhesions == 1  # Delta, signed 10/11/2025
    assert (lines["Alfa"].training_hours, lines["Alfa"].events_attended) == (10, 1)
    assert "Beta" not in lines  # its term starts in 2026 and nothing was due
    assert report.totals.events == 1


def test_follow_ups_of_continuous_goals_are_not_counted(network):
    """SEGES's relatos de acompanhamento have no date in the plan: neither due nor met, in
    the network report nor in a contribution — only listed in the partner's contribution."""
    before = services.compile_report(2026)
    alfa_before = services.compile_report(2026, network["alfa"])
    continuous = goal(network["act_a"], "1.5", [1], 5, {"kind": "per_regulation"})
    sent = deliverable(continuous, network["alfa"], date(2026, 3, 2), key="R2025")
    review(sent, "approved", utc(2026, 3, 1, 14), report="Seguimos a norma.")
    other = goal(network["act_a"], "3.7", [3], 6, {"kind": "during_term"})
    late = deliverable(other, network["alfa"], date(2026, 3, 2), key="R2025")
    for followup in (sent, late):
        followup.deadline_source = "followup"
    db.session.commit()

    after = services.compile_report(2026)
    assert (after.totals.due, after.totals.met) == (10, 6)
    assert after.totals == before.totals and after.partners == before.partners
    assert after.axes == before.axes  # no line for 1.5 or 3.7
    alfa = services.compile_report(2026, network["alfa"])
    assert (alfa.totals.due, alfa.totals.met) == (5, 3) and alfa.totals == alfa_before.totals
    listed = {d.deliverable_id for d in alfa.deliverables}
    assert {sent.id, late.id} <= listed and len(listed) == len(alfa_before.deliverables) + 2
    # Cut at 03/03/2026: only a1 (31/01, approved) is due, follow-ups of 02/03 or not.
    early = services.compile_report(2026, network["alfa"], today=date(2026, 3, 3))
    assert (early.totals.due, early.totals.met) == (1, 1)


def test_today_cuts_the_open_year_at_that_day(network):
    """On 31/07/2026: Alfa owes a1 (31/01, met), a7 (10/03), a3 (30/06) and a2 (31/07, met;
    a5 of 10/05 is waived) — 2 of 4; Beta b1 (30/06, met) — 1 of 1; Gama's c1 (30/11) and
    the rest are not due yet. The hours target is the year's, due or not yet: Alfa's and
    Beta's 2.2 (60 h each) — two targets from January on."""
    report = services.compile_report(2026, today=date(2026, 7, 31))
    lines = _by_name(report)
    assert [(lines[n].due, lines[n].met) for n in ("Alfa", "Beta", "Delta", "Gama")] == [
        (4, 2), (1, 1), (0, 0), (0, 0)]
    assert (report.totals.due, report.totals.met, report.totals.percent) == (5, 3, 60.0)
    assert (report.totals.partners_with_target, lines["Alfa"].target_hours) == (2, 60)
    assert lines["Beta"].target_hours == 60
    eixo1, eixo2, eixo3 = report.axes
    assert eixo1.goals == (GoalLine("1.1", "Meta 1.1 do plano", 3, 3, 2),)
    assert eixo2.goals == (GoalLine("2.2", "Meta 2.2 do plano", 1, 0, 0),)
    assert eixo3.goals == (GoalLine("3.5", "Meta 3.5 do plano", 1, 0, 0),)
    # The day itself counts; the day before, a2 (due 31/07) is not due yet.
    day_before = services.compile_report(2026, network["alfa"], today=date(2026, 7, 30))
    assert (day_before.totals.due, day_before.totals.met) == (3, 1)
    # Before the year nothing is due; after it, the whole year (the same as no cut).
    assert services.compile_report(2026, today=date(2025, 12, 31)).totals.due == 0
    assert services.compile_report(2026, today=date(2027, 1, 1)) == services.compile_report(2026)
    assert services.compile_report(2026, today=date(2026, 12, 31)) == services.compile_report(
        2026)


def test_the_report_is_reproducible_whatever_is_recorded_later(network):
    first = services.compile_report(2026)
    assert services.compile_report(2026) == first
    alfa_first = services.compile_report(2026, network["alfa"])

    # Data of another year, and decisions on 2026 deliverables after the closing date.
    later = deliverable(network["goals"]["a35"], network["alfa"], date(2027, 2, 1))
    review(later, "approved", utc(2027, 2, 3, 14), report="Ação de 2027.")
    review(network["a7"], "approved", utc(2027, 5, 10, 14), report="Enviado muito depois.")
    for partner, day, hours, participants in ((network["alfa"], date(2027, 1, 5), 30, 10),
                                              (network["beta"], date(2025, 12, 31), 8, 3)):
        factories.training_record(network["admin"], institution_id=partner.id, start_on=day,
                                  hours=hours, participants=participants)
    epsilon = factories.institution(name="Épsilon Prefeitura", parent_id=network["alfa"].id)
    agreement("9/2027", epsilon, date(2027, 2, 1), date(2030, 6, 30),
               parent=network["act_a"], kind="TA")
    attended_event(utc(2027, 6, 1, 15), {network["alfa"]: True, network["beta"]: True})
    db.session.commit()

    assert services.compile_report(2026) == first
    assert services.compile_report(2026, network["alfa"]) == alfa_first


def test_compiling_does_not_depend_on_todays_date(network):
    first = services.compile_report(2026)
    with time_machine.travel(datetime(2031, 1, 1, 12, 0, tzinfo=UTC), tick=False):
        assert services.compile_report(2026) == first


def _statements(fn) -> int:
    return len(factories.statements(fn))


def test_query_count_does_not_grow_with_the_number_of_partners(network, more_partners):
    small = _statements(lambda: services.compile_report(2026))
    small_one = _statements(lambda: services.compile_report(2026, network["alfa"]))
    more_partners(6)
    report = services.compile_report(2026)
    assert report.totals.partners == 10 and len(report.highlights) == 9
    assert _statements(lambda: services.compile_report(2026)) == small
    assert _statements(lambda: services.compile_report(2026, network["alfa"])) == small_one


@pytest.mark.parametrize("year", [1999, 2101])
def test_years_out_of_range_are_refused(app, year):
    with pytest.raises(DomainError):
        services.compile_report(year)


def test_default_year_is_last_year_until_its_closing_date():
    assert services.default_year(date(2027, 3, 31)) == 2026
    assert services.default_year(date(2027, 4, 1)) == 2027
    assert services.default_year(date(2026, 11, 26)) == 2026


def test_plain_excerpt_drops_markup_and_cuts_at_a_word():
    assert services.plain_excerpt("# Título\n\n**Negrito** e [link](https://x.gov.br)") == (
        "Título Negrito e link"
    )
    assert services.plain_excerpt("palavra " * 100, limit=20) == "palavra palavra…"
    assert services.plain_excerpt("") == ""
