"""The schedule engine's date arithmetic (pure: no Flask, no database)."""

from __future__ import annotations

import calendar
import itertools
import json
import math
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schedule import engine as schedule

SCHEDULE_KINDS = schedule.SCHEDULE_KINDS
Period = schedule.Period
ScheduleError = schedule.ScheduleError
add_business_days = schedule.add_business_days
event_period = schedule.event_period
event_trigger = schedule.event_trigger
is_business_day = schedule.is_business_day
is_continuous = schedule.is_continuous
periods_for = schedule.periods_for
term_end = schedule.term_end
term_years = schedule.term_years
training_years = schedule.training_years
validate_schedule = schedule.validate_schedule

# The seed: ACT 160/2025 (MG), signed 24/09/2025; these tests assume a 5-year term
# starting 01/10/2025.
START = date(2025, 10, 1)
END = date(2030, 9, 30)
SIGNED = date(2025, 9, 24)

# No example database: the run must not write .hypothesis/ into the checkout.
# No deadline: the first call for a year builds that year's holiday table.
PROPERTY = settings(database=None, deadline=None, max_examples=150)


# ----------------------------------------------------------------------- term dates


def test_term_end_of_the_seed_agreement():
    assert term_end(START, 5) == END
    assert term_end(START, 1) == date(2026, 9, 30)
    assert term_end(date(2025, 1, 1), 1) == date(2025, 12, 31)


def test_term_end_from_29_february_follows_the_civil_code():
    # Anniversary of 29/02 in a common year is 01/03 (Código Civil art. 132 §3).
    assert term_end(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert term_end(date(2024, 2, 29), 4) == date(2028, 2, 28)
    assert term_end(date(2024, 2, 29), 5) == date(2029, 2, 28)


@pytest.mark.parametrize("years", [0, -1, True, 1.0, None])
def test_term_end_rejects_bad_years(years):
    with pytest.raises(ScheduleError):
        term_end(START, years)


def test_term_years_of_the_seed_agreement():
    years = term_years(START, END)
    assert [number for number, _, _ in years] == [1, 2, 3, 4, 5]
    assert years[0] == (1, date(2025, 10, 1), date(2026, 9, 30))
    assert years[-1] == (5, date(2029, 10, 1), date(2030, 9, 30))


def test_term_years_clips_the_last_year():
    assert term_years(START, date(2027, 3, 15)) == [
        (1, date(2025, 10, 1), date(2026, 9, 30)),
        (2, date(2026, 10, 1), date(2027, 3, 15)),
    ]
    assert term_years(START, START) == [(1, START, START)]


def test_term_years_from_29_february_has_no_gaps():
    assert term_years(date(2024, 2, 29), date(2028, 3, 31)) == [
        (1, date(2024, 2, 29), date(2025, 2, 28)),
        (2, date(2025, 3, 1), date(2026, 2, 28)),
        (3, date(2026, 3, 1), date(2027, 2, 28)),
        (4, date(2027, 3, 1), date(2028, 2, 28)),
        (5, date(2028, 2, 29), date(2028, 3, 31)),
    ]


def test_term_years_rejects_end_before_start():
    with pytest.raises(ScheduleError):
        term_years(START, START - timedelta(days=1))


# ------------------------------------------------------------------- the seed table

DURING = {"kind": "during_term"}
REGULATION = {"kind": "per_regulation"}
# expected: (number of periods, first opens_on, first due_on, last due_on)
FIVE_YEARS = (5, date(2025, 10, 1), date(2026, 9, 30), date(2030, 9, 30))
# "60 horas ao ano": the calendar years 2025..2030 the term touches, clipped to it.
SIX_CALENDAR_YEARS = (6, date(2025, 10, 1), date(2025, 12, 31), date(2030, 9, 30))
# Continuous obligations (and event-driven goals) have no deadline in the plan: no period.
NONE = (0, None, None, None)

# (code, prazo text as in the seed, schedule, expected)
SEED_GOALS = [
    ("1.1", "Durante a vigência do Acordo", DURING, NONE),
    (
        "1.2",
        "Até 15 dias após o início da vigência",
        {"kind": "once_after_start", "days": 15},
        (1, date(2025, 10, 1), date(2025, 10, 16), date(2025, 10, 16)),
    ),
    ("1.3", "Durante a vigência do Acordo", DURING, NONE),
    ("1.4", "Durante a vigência do Acordo", DURING, NONE),
    ("1.5", "Observância à norma vigente", REGULATION, NONE),
    ("1.6", "Observância à norma vigente", REGULATION, NONE),
    (
        "1.7",
        "Quando convocadas pela Secretaria-Executiva da Rede",
        {"kind": "on_call", "trigger": "meeting"},
        NONE,
    ),
    ("2.1", "Anual", {"kind": "annual"}, FIVE_YEARS),
    (
        "2.2",
        "Anual com o mínimo de 60 horas ao ano",
        {"kind": "annual", "min_hours": 60},
        SIX_CALENDAR_YEARS,
    ),
    ("2.3", "Durante a vigência do acordo", DURING, NONE),
    (
        "3.1",
        "A partir do início da vigência",
        {"kind": "at_start"},
        NONE,
    ),
    (
        "3.2",
        "Anual e sempre quando houver alteração nos cursos",
        {"kind": "annual", "also_on": "course_schedule_change"},
        FIVE_YEARS,
    ),
    ("3.3", "Durante a vigência do Acordo", DURING, NONE),
    ("3.4", "Anual", {"kind": "annual"}, FIVE_YEARS),
    # 3.6 is the Rede's annual report: one SEGES deliverable a year, made by the generation
    # from the goal's role, not by the schedule (tests/plans/test_plans.py).
    ("3.6", "Observância à norma vigente", REGULATION, NONE),
    ("3.7", "Durante a vigência do Acordo", DURING, NONE),
    (
        "C.1",
        "10 dias a partir do início da vigência",
        {"kind": "once_after_start", "days": 10},
        (1, date(2025, 10, 1), date(2025, 10, 11), date(2025, 10, 11)),
    ),
    ("C.2", "Durante a vigência do Acordo", DURING, NONE),
    ("C.3", "Durante a vigência do Acordo", DURING, NONE),
    (
        "C.4",
        "Até o dia 10 do mês subsequente à celebração do Acordo de Adesão",
        {"kind": "monthly_after_event", "day": 10, "event": "adhesion"},
        NONE,
    ),
    ("C.5", "Durante a vigência do ACT", DURING, NONE),
    ("C.6", "Durante a vigência do Acordo", DURING, NONE),
]


@pytest.mark.parametrize(
    ("code", "text", "sched", "expected"), SEED_GOALS, ids=[row[0] for row in SEED_GOALS]
)
def test_seed_goal_periods(code, text, sched, expected):
    periods = periods_for(sched, start=START, end=END, signed_on=SIGNED)
    count, first_opens, first_due, last_due = expected
    assert len(periods) == count, f"{code}: {text}"
    if count:
        assert (periods[0].opens_on, periods[0].due_on) == (first_opens, first_due)
        assert periods[-1].due_on == last_due


def test_yearly_periods_have_year_keys_and_labels():
    periods = periods_for({"kind": "annual"}, start=START, end=END)
    assert [p.key for p in periods] == ["Y1", "Y2", "Y3", "Y4", "Y5"]
    assert periods[0].label == "Ano 1 (01/10/2025 a 30/09/2026)"
    assert periods[4] == Period(
        "Y5", "Ano 5 (01/10/2029 a 30/09/2030)", date(2029, 10, 1), date(2030, 9, 30)
    )


def test_course_change_years_are_term_years_too():
    # 3.2 "Anual e sempre quando houver alteração nos cursos": the yearly part is by term
    # year (only "N horas ao ano" counts by calendar year).
    periods = periods_for(
        {"kind": "annual", "also_on": "course_schedule_change"}, start=START, end=END
    )
    assert [(p.key, p.opens_on, p.due_on) for p in periods][:2] == [
        ("Y1", date(2025, 10, 1), date(2026, 9, 30)),
        ("Y2", date(2026, 10, 1), date(2027, 9, 30)),
    ]


def test_training_hours_count_by_calendar_year_clipped_to_the_term():
    """2.2 "Anual com o mínimo de 60 horas ao ano": one period per calendar year the term
    touches (the annual report's year), the first and the last clipped to the term."""
    periods = periods_for({"kind": "annual", "min_hours": 60}, start=START, end=END)
    assert periods == [
        Period("C2025", "Ano de capacitação de 2025 (01/10/2025 a 31/12/2025)",
               date(2025, 10, 1), date(2025, 12, 31)),
        Period("C2026", "Ano de capacitação de 2026 (01/01/2026 a 31/12/2026)",
               date(2026, 1, 1), date(2026, 12, 31)),
        Period("C2027", "Ano de capacitação de 2027 (01/01/2027 a 31/12/2027)",
               date(2027, 1, 1), date(2027, 12, 31)),
        Period("C2028", "Ano de capacitação de 2028 (01/01/2028 a 31/12/2028)",
               date(2028, 1, 1), date(2028, 12, 31)),
        Period("C2029", "Ano de capacitação de 2029 (01/01/2029 a 31/12/2029)",
               date(2029, 1, 1), date(2029, 12, 31)),
        Period("C2030", "Ano de capacitação de 2030 (01/01/2030 a 30/09/2030)",
               date(2030, 1, 1), date(2030, 9, 30)),
    ]


def test_training_years_edge_terms():
    # A term from 01/01 covers whole calendar years: one period each, nothing clipped.
    assert training_years(date(2026, 1, 1), term_end(date(2026, 1, 1), 2)) == [
        (2026, date(2026, 1, 1), date(2026, 12, 31)),
        (2027, date(2027, 1, 1), date(2027, 12, 31)),
    ]
    # A term inside one calendar year: one period, clipped at both ends.
    assert training_years(date(2026, 3, 10), date(2026, 5, 20)) == [
        (2026, date(2026, 3, 10), date(2026, 5, 20))
    ]
    # A one-day term on 31/12.
    assert training_years(date(2026, 12, 31), date(2026, 12, 31)) == [
        (2026, date(2026, 12, 31), date(2026, 12, 31))
    ]
    # The period label says the year and the clipped dates.
    (period,) = periods_for(
        {"kind": "annual", "min_hours": 20}, start=date(2026, 3, 10), end=date(2026, 5, 20)
    )
    assert period == Period(
        "C2026", "Ano de capacitação de 2026 (10/03/2026 a 20/05/2026)",
        date(2026, 3, 10), date(2026, 5, 20),
    )


def test_training_hours_with_course_changes_keeps_calendar_years_and_events():
    sched = {"kind": "annual", "min_hours": 60, "also_on": "course_schedule_change"}
    keys = [p.key for p in periods_for(sched, start=START, end=END)]
    assert keys == ["C2025", "C2026", "C2027", "C2028", "C2029", "C2030"]
    change = event_period(sched, event_key="C2026", event_date=date(2026, 4, 1))
    assert (change.key, change.due_on) == ("EC2026", date(2026, 5, 1))  # never a C key


def test_once_labels_and_keys():
    (once,) = periods_for({"kind": "once_after_start", "days": 15}, start=START, end=END)
    assert once == Period("once", "Prazo único", START, date(2025, 10, 16))


@pytest.mark.parametrize("kind", ["at_start", "during_term", "per_regulation"])
def test_continuous_kinds_have_no_plan_periods(kind):
    """"A partir do início", "Durante a vigência", "Observância à norma vigente": the plan
    sets no date, so the engine makes no period (SEGES's yearly follow-up is not the plan's
    and is not made here)."""
    assert is_continuous({"kind": kind})
    assert periods_for({"kind": kind}, start=START, end=END, signed_on=SIGNED) == []
    assert periods_for({"kind": kind}, start=START, end=START) == []
    assert event_trigger({"kind": kind}) is None


@pytest.mark.parametrize(
    "sched",
    [
        {"kind": "once_after_start", "days": 15},
        {"kind": "annual"},
        {"kind": "annual", "min_hours": 60},
        {"kind": "periodic", "months": 3},
        {"kind": "on_call", "trigger": "meeting"},
        {"kind": "monthly_after_event", "day": 10},
        {"kind": "manual"},
        {},
        None,
    ],
)
def test_other_kinds_are_not_continuous(sched):
    assert not is_continuous(sched)


# ---------------------------------------------------------------- once_after_start


def test_business_days_from_signature():
    # "Até 30 (trinta) dias úteis da assinatura", signed 24/09/2025: 30 business days
    # later, skipping weekends (12/10, 02/11 and 15/11 fall on weekends) and 20/11.
    sched = {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"}
    (period,) = periods_for(sched, start=START, end=END, signed_on=SIGNED)
    assert period.opens_on == SIGNED
    assert period.due_on == date(2025, 11, 5)


def test_signature_rule_without_signature_date_counts_from_start():
    sched = {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"}
    (period,) = periods_for(sched, start=START, end=END)
    assert period.opens_on == START
    assert period.due_on == date(2025, 11, 12)


def test_calendar_days_are_not_rolled_to_a_business_day():
    # C.1: 01/10/2025 + 10 days is Saturday 11/10/2025; the document's rule stands.
    (period,) = periods_for({"kind": "once_after_start", "days": 10}, start=START, end=END)
    assert period.due_on == date(2025, 10, 11)
    assert period.due_on.weekday() == 5


def test_once_after_start_is_not_clipped_to_the_term():
    end = term_end(START, 1)
    (period,) = periods_for({"kind": "once_after_start", "days": 400}, start=START, end=end)
    assert period.due_on == START + timedelta(days=400)
    assert period.due_on > end


def test_signature_before_start_opens_before_start():
    sched = {"kind": "once_after_start", "days": 5, "from": "signature"}
    (period,) = periods_for(sched, start=START, end=END, signed_on=SIGNED)
    assert (period.opens_on, period.due_on) == (SIGNED, date(2025, 9, 29))


# ------------------------------------------------------------------- business days


def test_carnaval_is_not_a_national_holiday():
    br = holidays.country_holidays("BR", years=2026)
    assert date(2026, 2, 16) not in br and date(2026, 2, 17) not in br
    assert date(2026, 2, 17) in holidays.country_holidays(
        "BR", years=2026, categories=("optional",)
    )
    # Friday 13/02/2026 + 1 business day is Carnaval Monday; + 3 is Ash Wednesday.
    assert add_business_days(date(2026, 2, 13), 1) == date(2026, 2, 16)
    assert add_business_days(date(2026, 2, 13), 3) == date(2026, 2, 18)
    assert is_business_day(date(2026, 2, 17))


def test_black_awareness_day_is_national_from_2024():
    assert add_business_days(date(2025, 11, 19), 1) == date(2025, 11, 21)
    assert add_business_days(date(2025, 11, 13), 5) == date(2025, 11, 21)
    assert not is_business_day(date(2025, 11, 20))
    # Before Lei 14.759/2023 it was not national: Monday 20/11/2023 is a business day.
    assert add_business_days(date(2023, 11, 17), 1) == date(2023, 11, 20)


def test_republic_proclamation_day():
    # 15/11/2025 is a Saturday anyway; in 2024 it was a Friday.
    assert add_business_days(date(2025, 11, 14), 1) == date(2025, 11, 17)
    assert add_business_days(date(2024, 11, 14), 1) == date(2024, 11, 18)
    assert not is_business_day(date(2024, 11, 15))


def test_christmas_and_new_year_but_not_their_eves():
    assert add_business_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert add_business_days(date(2025, 12, 23), 1) == date(2025, 12, 24)
    assert add_business_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert add_business_days(date(2025, 12, 30), 1) == date(2025, 12, 31)


def test_good_friday_and_tiradentes():
    assert add_business_days(date(2026, 4, 2), 1) == date(2026, 4, 6)
    assert add_business_days(date(2026, 4, 20), 1) == date(2026, 4, 22)


def test_zero_and_negative_business_days():
    saturday = date(2025, 10, 11)
    assert add_business_days(saturday, 0) == saturday
    assert add_business_days(saturday, 1) == date(2025, 10, 13)
    assert add_business_days(saturday, -1) == date(2025, 10, 10)
    assert add_business_days(date(2025, 11, 21), -1) == date(2025, 11, 19)


@pytest.mark.parametrize("n", [1.0, True, "1", None])
def test_add_business_days_rejects_non_int(n):
    with pytest.raises(TypeError):
        add_business_days(START, n)


# ------------------------------------------------------------------------ periodic


@pytest.mark.parametrize(("months", "count"), [(1, 60), (2, 30), (3, 20), (6, 10), (7, 9), (12, 5)])
def test_periodic_counts_over_the_seed_term(months, count):
    periods = periods_for({"kind": "periodic", "months": months}, start=START, end=END)
    assert len(periods) == count
    assert periods[0].opens_on == START
    assert periods[-1].due_on == END


def test_quarterly_periods():
    periods = periods_for({"kind": "periodic", "months": 3}, start=START, end=END)
    assert periods[0] == Period(
        "P2025-10", "Período 01/10/2025 a 31/12/2025", date(2025, 10, 1), date(2025, 12, 31)
    )
    assert periods[1] == Period(
        "P2026-01", "Período 01/01/2026 a 31/03/2026", date(2026, 1, 1), date(2026, 3, 31)
    )
    assert periods[-1].key == "P2030-07"


def test_periodic_last_period_is_clipped():
    periods = periods_for({"kind": "periodic", "months": 7}, start=START, end=END)
    assert periods[-1] == Period(
        "P2030-06", "Período 01/06/2030 a 30/09/2030", date(2030, 6, 1), date(2030, 9, 30)
    )


def test_monthly_from_the_31st_keeps_unique_keys():
    periods = periods_for(
        {"kind": "periodic", "months": 1}, start=date(2025, 1, 31), end=date(2025, 5, 31)
    )
    assert [(p.key, p.opens_on, p.due_on) for p in periods] == [
        ("P2025-01", date(2025, 1, 31), date(2025, 2, 28)),
        ("P2025-02", date(2025, 3, 1), date(2025, 3, 30)),
        ("P2025-03", date(2025, 3, 31), date(2025, 4, 30)),
        ("P2025-04", date(2025, 5, 1), date(2025, 5, 30)),
        ("P2025-05", date(2025, 5, 31), date(2025, 5, 31)),
    ]


# -------------------------------------------------------------------------- events


@pytest.mark.parametrize("kind", ["on_call", "monthly_after_event", "manual"])
def test_event_driven_and_manual_kinds_have_no_term_periods(kind):
    sched = {
        "on_call": {"kind": "on_call", "trigger": "request"},
        "monthly_after_event": {"kind": "monthly_after_event", "day": 10},
        "manual": {"kind": "manual"},
    }[kind]
    assert periods_for(sched, start=START, end=END) == []


@pytest.mark.parametrize(
    ("signed", "due"),
    [
        (date(2025, 11, 20), date(2025, 12, 10)),
        (date(2025, 12, 31), date(2026, 1, 10)),
        (date(2026, 1, 31), date(2026, 2, 10)),
        (date(2025, 10, 1), date(2025, 11, 10)),
    ],
)
def test_adhesion_is_reported_by_day_10_of_the_next_month(signed, due):
    sched = {"kind": "monthly_after_event", "day": 10, "event": "adhesion"}
    period = event_period(sched, event_key="adhesion-7", event_date=signed)
    assert period.key == "Eadhesion-7"
    assert (period.opens_on, period.due_on) == (signed, due)
    assert period.label == f"Acordo de Adesão celebrado em {signed:%d/%m/%Y}"


def test_adhesion_due_date_can_be_overridden():
    sched = {"kind": "monthly_after_event", "day": 10}
    period = event_period(
        sched, event_key="a1", event_date=date(2025, 11, 20), due_on=date(2025, 12, 19)
    )
    assert period.due_on == date(2025, 12, 19)


def test_meeting_period():
    sched = {"kind": "on_call", "trigger": "meeting"}
    period = event_period(
        sched, event_key="meeting-3", event_date=date(2025, 11, 3), due_on=date(2025, 11, 25)
    )
    assert period == Period(
        "Emeeting-3", "Reunião de 25/11/2025", date(2025, 11, 3), date(2025, 11, 25)
    )


def test_request_period_with_custom_label():
    sched = {"kind": "on_call", "trigger": "request"}
    period = event_period(
        sched,
        event_key="req-9",
        event_date=date(2026, 2, 2),
        due_on=date(2026, 2, 20),
        label="  Levantamento de boas práticas  ",
    )
    assert period.label == "Levantamento de boas práticas"
    default = event_period(
        sched, event_key="req-9", event_date=date(2026, 2, 2), due_on=date(2026, 2, 20)
    )
    assert default.label == "Solicitação de 02/02/2026"


def test_on_call_requires_a_due_date_not_before_the_event():
    sched = {"kind": "on_call", "trigger": "meeting"}
    with pytest.raises(ScheduleError) as excinfo:
        event_period(sched, event_key="m1", event_date=date(2025, 11, 3))
    assert excinfo.value.field == "due_on"
    with pytest.raises(ScheduleError):
        event_period(sched, event_key="m1", event_date=date(2025, 11, 3), due_on=date(2025, 11, 2))


def test_course_schedule_change_period():
    sched = {"kind": "annual", "also_on": "course_schedule_change"}
    period = event_period(sched, event_key="courses-2026-03-05", event_date=date(2026, 3, 5))
    assert period == Period(
        "Ecourses-2026-03-05",
        "Alteração nos cursos em 05/03/2026",
        date(2026, 3, 5),
        date(2026, 4, 4),
    )
    custom = event_period(
        sched, event_key="c2", event_date=date(2026, 3, 5), due_on=date(2026, 3, 20)
    )
    assert custom.due_on == date(2026, 3, 20)


@pytest.mark.parametrize(
    "sched",
    [
        {"kind": "annual"},
        {"kind": "annual", "min_hours": 60},
        {"kind": "during_term"},
        {"kind": "once_after_start", "days": 15},
        {"kind": "manual"},
        {"kind": "periodic", "months": 1},
    ],
)
def test_kinds_without_events_reject_event_periods(sched):
    with pytest.raises(ScheduleError):
        event_period(sched, event_key="x", event_date=START, due_on=END)


@pytest.mark.parametrize(
    ("sched", "trigger"),
    [
        ({"kind": "on_call", "trigger": "meeting"}, "meeting"),
        ({"kind": "on_call", "trigger": "request"}, "request"),
        ({"kind": "monthly_after_event", "day": 10}, "adhesion"),
        ({"kind": "annual", "also_on": "course_schedule_change"}, "course_schedule_change"),
        ({"kind": "annual", "min_hours": 60}, None),
        ({"kind": "during_term"}, None),
        ({"kind": "manual"}, None),
    ],
)
def test_event_trigger(sched, trigger):
    assert event_trigger(sched) == trigger


@pytest.mark.parametrize("key", ["", " ", "a b", "x" * 64, None, 7])
def test_event_key_must_be_a_short_token(key):
    sched = {"kind": "monthly_after_event", "day": 10}
    with pytest.raises(ScheduleError):
        event_period(sched, event_key=key, event_date=START)


def test_event_keys_never_clash_with_term_keys():
    sched = {"kind": "annual", "also_on": "course_schedule_change"}
    keys = [p.key for p in periods_for(sched, start=START, end=END)]
    keys += [event_period(sched, event_key=k, event_date=START).key for k in ("Y1", "once", "P1")]
    assert len(keys) == len(set(keys))


# ---------------------------------------------------------------------- validation


def test_schedule_kinds():
    assert SCHEDULE_KINDS == (
        "once_after_start",
        "at_start",
        "annual",
        "periodic",
        "during_term",
        "per_regulation",
        "on_call",
        "monthly_after_event",
        "after_event",
        "before_end",
        "after_end",
        "fixed_date",
        "annual_date",
        "manual",
    )


@pytest.mark.parametrize(
    ("given_schedule", "normalised"),
    [
        (
            {"kind": "once_after_start", "days": 15},
            {"kind": "once_after_start", "days": 15, "business_days": False, "from": "start"},
        ),
        (
            {"kind": "once_after_start", "days": 30.0, "business_days": True, "from": "signature"},
            {"kind": "once_after_start", "days": 30, "business_days": True, "from": "signature"},
        ),
        (
            {"kind": "once_after_start", "days": 0, "business_days": None, "from": None},
            {"kind": "once_after_start", "days": 0, "business_days": False, "from": "start"},
        ),
        ({"kind": "annual", "min_hours": None}, {"kind": "annual"}),
        (
            {"kind": "annual", "min_hours": 60, "also_on": "course_schedule_change"},
            {"kind": "annual", "min_hours": 60, "also_on": "course_schedule_change"},
        ),
        ({"kind": "periodic", "months": 6}, {"kind": "periodic", "months": 6}),
        (
            {"kind": "monthly_after_event", "day": 10},
            {"kind": "monthly_after_event", "day": 10, "event": "adhesion"},
        ),
        ({"kind": "on_call", "trigger": "request"}, {"kind": "on_call", "trigger": "request"}),
        ({"kind": "manual"}, {"kind": "manual"}),
    ],
)
def test_validate_schedule_normalises(given_schedule, normalised):
    original = json.loads(json.dumps(given_schedule))
    assert validate_schedule(given_schedule) == normalised
    assert given_schedule == original  # a copy, the input is untouched
    assert validate_schedule(normalised) == normalised


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [
        (None, None, "objeto"),
        ([], None, "objeto"),
        ({}, "kind", "Informe o tipo"),
        ({"kind": "weekly"}, "kind", "desconhecido"),
        ({"kind": ["annual"]}, "kind", "desconhecido"),
        ({"kind": "annual", "dias": 3}, "kind", "não reconhecido"),
        ({"kind": "once_after_start"}, "days", "Informe o número de dias"),
        ({"kind": "once_after_start", "days": -1}, "days", "entre 0 e"),
        ({"kind": "once_after_start", "days": 1.5}, "days", "inteiro"),
        ({"kind": "once_after_start", "days": True}, "days", "inteiro"),
        ({"kind": "once_after_start", "days": "15"}, "days", "inteiro"),
        ({"kind": "once_after_start", "days": 10**6}, "days", "entre 0 e"),
        ({"kind": "once_after_start", "days": 5, "business_days": "sim"}, "business_days", "úteis"),
        ({"kind": "once_after_start", "days": 5, "from": "end"}, "from", "assinatura"),
        ({"kind": "periodic"}, "months", "meses"),
        ({"kind": "periodic", "months": 0}, "months", "entre 1 e 120"),
        ({"kind": "periodic", "months": 121}, "months", "entre 1 e 120"),
        ({"kind": "monthly_after_event"}, "day", "dia"),
        ({"kind": "monthly_after_event", "day": 29}, "day", "entre 1 e 28"),
        ({"kind": "monthly_after_event", "day": 0}, "day", "entre 1 e 28"),
        ({"kind": "monthly_after_event", "day": 10, "event": "meeting"}, "event", "Adesão"),
        ({"kind": "on_call"}, "trigger", "gatilho"),
        ({"kind": "on_call", "trigger": "email"}, "trigger", "gatilho"),
        ({"kind": "annual", "min_hours": 0}, "min_hours", "carga horária"),
        ({"kind": "annual", "also_on": "always"}, "also_on", "alteração nos cursos"),
        ({"kind": "at_start", "days": 0}, "kind", "não reconhecido"),
    ],
)
def test_validate_schedule_rejects(bad, field, fragment):
    with pytest.raises(ScheduleError) as excinfo:
        validate_schedule(bad)
    assert excinfo.value.field == field
    assert fragment in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_periods_for_validates_its_inputs():
    with pytest.raises(ScheduleError):
        periods_for({"kind": "nope"}, start=START, end=END)
    with pytest.raises(ScheduleError):
        periods_for({"kind": "annual"}, start=END, end=START)


def test_period_cannot_be_due_before_it_opens():
    with pytest.raises(ScheduleError):
        Period("x", "x", date(2025, 10, 2), date(2025, 10, 1))


# ----------------------------------------------------------------- property tests

LEAP_DAYS = [date(year, 2, 29) for year in range(1992, 2100, 4)]
starts = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(LEAP_DAYS),
    st.builds(  # month ends: where adding months/years needs the civil-code rule
        lambda year, month, back: (
            date(year, month, calendar.monthrange(year, month)[1]) - timedelta(days=back)
        ),
        st.integers(1990, 2100),
        st.integers(1, 12),
        st.integers(0, 3),
    ),
)
term_lengths = st.integers(min_value=1, max_value=10)

valid_schedules = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("once_after_start"), "days": st.integers(0, schedule.MAX_DAYS)},
        optional={
            "business_days": st.booleans(),
            "from": st.sampled_from(["start", "signature"]),
        },
    ),
    st.just({"kind": "at_start"}),
    st.fixed_dictionaries(
        {"kind": st.just("annual")},
        optional={
            "min_hours": st.integers(1, schedule.MAX_HOURS_PER_YEAR),
            "also_on": st.just("course_schedule_change"),
        },
    ),
    st.fixed_dictionaries({"kind": st.just("periodic"), "months": st.integers(1, 12)}),
    st.just({"kind": "during_term"}),
    st.just({"kind": "per_regulation"}),
    st.fixed_dictionaries(
        {"kind": st.just("on_call"), "trigger": st.sampled_from(["meeting", "request"])}
    ),
    st.fixed_dictionaries(
        {"kind": st.just("monthly_after_event"), "day": st.integers(1, 28)},
        optional={"event": st.just("adhesion")},
    ),
    st.just({"kind": "manual"}),
)

# Kinds whose document rule may put dates outside [start, end]: once_after_start
# (days beyond the term end; "from signature" before the start).
UNBOUNDED_KINDS = {"once_after_start"}


def _assert_tiles(periods, start, end):
    """Consecutive periods covering [start, end] exactly, each due on its last day."""
    assert periods[0].opens_on == start
    assert periods[-1].due_on == end
    for before, after in itertools.pairwise(periods):
        assert after.opens_on == before.due_on + timedelta(days=1)


def _assert_calendar_years(periods, start, end):
    """"N horas ao ano": one period per calendar year from start's to end's, keyed C<year>,
    tiling [start, end], each inside its own year and whole except where the term clips it."""
    assert [p.key for p in periods] == [f"C{y}" for y in range(start.year, end.year + 1)]
    _assert_tiles(periods, start, end)
    for period in periods:
        year = int(period.key[1:])
        assert period.opens_on.year == period.due_on.year == year
        assert period.opens_on == start or (period.opens_on.month, period.opens_on.day) == (1, 1)
        assert period.due_on == end or (period.due_on.month, period.due_on.day) == (12, 31)
        assert period.label.startswith(f"Ano de capacitação de {year} (")


@PROPERTY
@given(
    sched=valid_schedules,
    start=starts,
    years=term_lengths,
    signature_offset=st.one_of(st.none(), st.integers(-400, 400)),
)
def test_periods_invariants(sched, start, years, signature_offset):
    end = term_end(start, years)
    signed_on = None if signature_offset is None else start + timedelta(days=signature_offset)
    periods = periods_for(sched, start=start, end=end, signed_on=signed_on)

    assert periods == periods_for(sched, start=start, end=end, signed_on=signed_on)
    assert len({p.key for p in periods}) == len(periods)
    for period in periods:
        assert period.opens_on <= period.due_on
        if sched["kind"] not in UNBOUNDED_KINDS:
            assert start <= period.opens_on and period.due_on <= end
    for before, after in itertools.pairwise(periods):
        assert before.due_on < after.opens_on  # in order, never overlapping

    kind = sched["kind"]
    if kind == "annual" and sched.get("min_hours"):
        _assert_calendar_years(periods, start, end)
    elif kind == "annual":
        assert [p.key for p in periods] == [f"Y{n}" for n in range(1, years + 1)]
        _assert_tiles(periods, start, end)
    elif kind == "periodic":
        assert len(periods) == math.ceil(12 * years / sched["months"])
        _assert_tiles(periods, start, end)
    elif kind == "once_after_start":
        (period,) = periods
        by_signature = sched.get("from") == "signature" and signed_on is not None
        base = signed_on if by_signature else start
        assert period.opens_on == base
        if sched.get("business_days"):
            assert period.due_on == add_business_days(base, sched["days"])
        else:
            assert period.due_on == base + timedelta(days=sched["days"])
    else:
        # continuous (at_start, during_term, per_regulation): no date in the plan;
        # on_call, monthly_after_event, manual: only events or SEGES make deliverables.
        assert periods == []
    assert is_continuous(sched) is (kind in {"at_start", "during_term", "per_regulation"})


@PROPERTY
@given(
    sched=valid_schedules,
    start=starts,
    length=st.integers(min_value=0, max_value=3700),
)
def test_periods_over_an_arbitrary_end(sched, start, length):
    end = start + timedelta(days=length)
    periods = periods_for(sched, start=start, end=end)
    assert len({p.key for p in periods}) == len(periods)
    if sched["kind"] == "annual" and sched.get("min_hours"):
        _assert_calendar_years(periods, start, end)
    elif sched["kind"] in {"annual", "periodic"}:
        _assert_tiles(periods, start, end)
    elif sched["kind"] in {"at_start", "during_term", "per_regulation"}:
        assert periods == []


@PROPERTY
@given(start=starts, years=term_lengths)
def test_term_years_partition_the_term(start, years):
    end = term_end(start, years)
    spans = term_years(start, end)
    assert [number for number, _, _ in spans] == list(range(1, years + 1))
    assert spans[0][1] == start and spans[-1][2] == end
    for (_, _, last), (_, first, _) in itertools.pairwise(spans):
        assert first == last + timedelta(days=1)
    for _, first, last in spans:
        assert (last - first).days + 1 in (365, 366)
        # each year starts on the start's day number, or on 01/03 for a 29/02 start
        assert (first.month, first.day) in {(start.month, start.day), (3, 1)}
    assert term_end(start, years) < term_end(start, years + 1)


@PROPERTY
@given(
    d=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_add_business_days_properties(d, n):
    result = add_business_days(d, n)
    national = holidays.country_holidays("BR", years=result.year)
    if n != 0:
        assert result.weekday() < 5
        assert result not in national
        assert is_business_day(result)
    assert add_business_days(d, n) < add_business_days(d, n + 1)
    # exactly |n| business days in (d, result] going forward, in [result, d) going back
    if n >= 0:
        span = [d + timedelta(days=i) for i in range(1, (result - d).days + 1)]
    else:
        span = [result + timedelta(days=i) for i in range((d - result).days)]
    assert sum(is_business_day(day) for day in span) == abs(n)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(SCHEDULE_KINDS),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
PARAM_NAMES = [
    "days",
    "business_days",
    "from",
    "min_hours",
    "also_on",
    "months",
    "trigger",
    "day",
    "event",
    "kind",
]
kinded_dicts = st.builds(
    lambda kind, params: {**params, "kind": kind},
    st.one_of(st.sampled_from(SCHEDULE_KINDS), json_values),
    st.dictionaries(
        st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=8)),
        st.one_of(
            json_values,
            st.integers(-5, 4000),
            st.sampled_from(
                ["start", "signature", "meeting", "request", "adhesion", "course_schedule_change"]
            ),
            st.floats(min_value=-2, max_value=40),
        ),
        max_size=4,
    ),
)


@PROPERTY
@given(value=st.one_of(json_values, kinded_dicts))
def test_validate_schedule_only_raises_schedule_error(value):
    try:
        normalised = validate_schedule(value)
    except ScheduleError as exc:
        assert str(exc)
        return
    assert normalised["kind"] in SCHEDULE_KINDS
    assert validate_schedule(normalised) == normalised
    assert json.loads(json.dumps(normalised)) == normalised
    # anything accepted can be scheduled
    periods = periods_for(normalised, start=START, end=term_end(START, 1), signed_on=SIGNED)
    assert all(isinstance(p, Period) for p in periods)


event_schedules = st.one_of(
    st.fixed_dictionaries(
        {"kind": st.just("on_call"), "trigger": st.sampled_from(["meeting", "request"])}
    ),
    st.fixed_dictionaries({"kind": st.just("monthly_after_event"), "day": st.integers(1, 28)}),
    st.just({"kind": "annual", "also_on": "course_schedule_change"}),
)


@PROPERTY
@given(
    sched=event_schedules,
    event_date=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    lead=st.integers(min_value=0, max_value=120),
    keys=st.lists(
        st.text(alphabet=st.characters(categories=["L", "N", "Pd"]), min_size=1, max_size=20),
        min_size=1,
        max_size=5,
        unique=True,
    ),
)
def test_event_periods(sched, event_date, lead, keys):
    due_on = event_date + timedelta(days=lead) if sched["kind"] == "on_call" else None
    periods = [
        event_period(sched, event_key=key, event_date=event_date, due_on=due_on) for key in keys
    ]
    assert len({p.key for p in periods}) == len(keys)
    for period in periods:
        assert period.opens_on == event_date <= period.due_on
    if sched["kind"] == "monthly_after_event":
        due = periods[0].due_on
        assert due.day == sched["day"]
        assert (due.year * 12 + due.month) - (event_date.year * 12 + event_date.month) == 1
    elif sched["kind"] == "annual":
        assert periods[0].due_on == event_date + timedelta(days=30)
