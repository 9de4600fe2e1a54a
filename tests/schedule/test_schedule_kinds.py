"""The schedule kinds and parameters plans need beyond the seed's: examples of each.

Months and publication in ``once_after_start``, ``from`` in ``at_start``, due rules of
``periodic`` (``due_day``, ``business_days``, ``days_after``) and periods beyond 1/2/3/6
months, ``after_event``, ``before_end``, ``after_end``, ``fixed_date``, ``annual_date`` and
the compound trigger ``also_on`` — each validated, turned into periods, described in words,
and (for events) turned into event periods.
"""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.schedule import engine as schedule

START, END, SIGNED = date(2025, 10, 1), date(2030, 9, 30), date(2025, 9, 24)
PROPERTY = settings(database=None, deadline=None, max_examples=150)


def periods(sched, start=START, end=END):
    return [(p.key, p.opens_on, p.due_on) for p in
            schedule.periods_for(sched, start=start, end=end, signed_on=SIGNED)]


# ------------------------------------------------------------------ once_after_start


def test_once_after_start_in_months_follows_the_civil_rule():
    assert periods({"kind": "once_after_start", "months": 6}) == [
        ("once", START, date(2026, 4, 1))
    ]
    # 31/08 + 6 months: February has no 31st, so 01/03 (Código Civil art. 132 §3)
    assert periods({"kind": "once_after_start", "months": 6}, start=date(2025, 8, 31),
                   end=date(2026, 8, 30)) == [("once", date(2025, 8, 31), date(2026, 3, 1))]


def test_once_after_publication_counts_from_the_start():
    sched = {"kind": "once_after_start", "days": 30, "from": "publication"}
    assert periods(sched) == [("once", START, date(2025, 10, 31))]
    assert schedule.describe_schedule(sched) == "Uma vez, até 30 dias após a publicação do extrato"


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [
        ({"kind": "once_after_start", "days": 5, "months": 2}, "months", "não nos dois"),
        ({"kind": "once_after_start", "months": 2, "business_days": True}, "business_days",
         "Dias úteis"),
        ({"kind": "once_after_start", "months": 0}, "months", "entre 1 e 120"),
        ({"kind": "once_after_start", "months": 121}, "months", "entre 1 e 120"),
    ],
)
def test_once_after_start_rejects(bad, field, fragment):
    with pytest.raises(schedule.ScheduleError) as caught:
        schedule.validate_schedule(bad)
    assert caught.value.field == field and fragment in str(caught.value)


def test_once_after_start_in_months_normalises():
    assert schedule.validate_schedule({"kind": "once_after_start", "months": 3}) == {
        "kind": "once_after_start", "months": 3, "business_days": False, "from": "start"
    }


# --------------------------------------------------------------------------- at_start


@pytest.mark.parametrize(
    ("origin", "words"),
    [(None, "do início da vigência"), ("start", "do início da vigência"),
     ("signature", "da assinatura"), ("publication", "da publicação do extrato")],
)
def test_at_start_from(origin, words):
    sched = {"kind": "at_start", "from": origin}
    normalised = schedule.validate_schedule(sched)
    assert normalised == ({"kind": "at_start", "from": origin}
                          if origin in ("signature", "publication") else {"kind": "at_start"})
    assert schedule.is_continuous(normalised) and periods(normalised) == []
    assert schedule.describe_schedule(sched) == f"Contínua, a partir {words} (sem prazo no plano)"


# --------------------------------------------------------------------------- periodic


@pytest.mark.parametrize(
    ("months", "count", "words"),
    [(4, 15, "Quadrimestral"), (12, 5, "A cada 12 meses"), (24, 3, "Bienal"),
     (36, 2, "Trienal"), (5, 12, "A cada 5 meses")],
)
def test_periods_beyond_the_seed(months, count, words):
    found = periods({"kind": "periodic", "months": months})
    assert len(found) == count
    assert found[-1][2] == END  # the last period is clipped to the term
    assert schedule.describe_schedule({"kind": "periodic", "months": months}) == words


def test_due_day_of_the_next_month():
    sched = {"kind": "periodic", "months": 1, "due_day": 10}
    assert periods(sched)[:2] == [
        ("P2025-10", date(2025, 10, 1), date(2025, 11, 10)),
        ("P2025-11", date(2025, 11, 1), date(2025, 12, 10)),
    ]
    assert periods(sched)[-1] == ("P2030-09", date(2030, 9, 1), date(2030, 10, 10))
    assert schedule.describe_schedule(sched) == (
        "Mensal, até o dia 10 do mês seguinte a cada período"
    )


def test_nth_business_day_of_the_next_month():
    sched = {"kind": "periodic", "months": 1, "due_day": 5, "business_days": True}
    # November 2025: Sunday 2 (Finados) and the weekend skipped → Friday 7
    assert periods(sched)[0] == ("P2025-10", date(2025, 10, 1), date(2025, 11, 7))
    assert schedule.describe_schedule(sched) == (
        "Mensal, até o 5º dia útil do mês seguinte a cada período"
    )


def test_quarterly_due_on_the_15th_after_the_quarter():
    sched = {"kind": "periodic", "months": 3, "due_day": 15}
    assert periods(sched)[0] == ("P2025-10", date(2025, 10, 1), date(2026, 1, 15))


def test_days_after_each_period():
    sched = {"kind": "periodic", "months": 6, "days_after": 30}
    assert periods(sched)[:2] == [
        ("P2025-10", date(2025, 10, 1), date(2026, 4, 30)),
        ("P2026-04", date(2026, 4, 1), date(2026, 10, 30)),
    ]
    assert schedule.describe_schedule(sched) == (
        "Semestral, até 30 dias após o fim de cada período"
    )


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"kind": "periodic", "months": 1, "due_day": 29}, "due_day"),
        ({"kind": "periodic", "months": 1, "due_day": 0}, "due_day"),
        ({"kind": "periodic", "months": 1, "days_after": 0}, "days_after"),
        ({"kind": "periodic", "months": 1, "days_after": 366}, "days_after"),
        ({"kind": "periodic", "months": 1, "due_day": 5, "days_after": 5}, "days_after"),
        ({"kind": "periodic", "months": 1, "business_days": True}, "business_days"),
    ],
)
def test_periodic_due_rules_reject(bad, field):
    with pytest.raises(schedule.ScheduleError) as caught:
        schedule.validate_schedule(bad)
    assert caught.value.field == field


def test_periodic_keeps_the_seed_normal_form():
    assert schedule.validate_schedule({"kind": "periodic", "months": 3, "business_days": False}) \
        == {"kind": "periodic", "months": 3}


# -------------------------------------------------------------------------- end of term


def test_before_end_in_days_business_days_and_months():
    assert periods({"kind": "before_end", "days": 60}) == [("end", START, date(2030, 8, 1))]
    assert periods({"kind": "before_end", "days": 0}) == [("end", START, END)]
    # 30/09/2030 is a Monday: 10 business days back is Monday 16/09
    assert periods({"kind": "before_end", "days": 10, "business_days": True}) == [
        ("end", START, date(2030, 9, 16))
    ]
    # 31/08 − 6 months: February has no 31st → its last day
    assert periods({"kind": "before_end", "months": 6}, end=date(2030, 8, 31)) == [
        ("end", START, date(2030, 2, 28))
    ]


def test_before_end_longer_than_the_term_opens_on_its_due_date():
    assert periods({"kind": "before_end", "days": 400}, end=date(2026, 9, 30)) == [
        ("end", date(2025, 8, 26), date(2025, 8, 26))
    ]


def test_after_end():
    assert periods({"kind": "after_end", "days": 60}) == [("end", END, date(2030, 11, 29))]
    assert periods({"kind": "after_end", "months": 2}) == [("end", END, date(2030, 11, 30))]


@pytest.mark.parametrize(
    ("sched", "words"),
    [
        ({"kind": "before_end", "days": 60}, "Uma vez, até 60 dias antes do fim da vigência"),
        ({"kind": "before_end", "days": 0}, "Uma vez, até o fim da vigência"),
        ({"kind": "before_end", "months": 1}, "Uma vez, até 1 mês antes do fim da vigência"),
        ({"kind": "after_end", "days": 1, "business_days": True},
         "Uma vez, até 1 dia útil após o fim da vigência"),
    ],
)
def test_end_of_term_words(sched, words):
    assert schedule.describe_schedule(sched) == words


# ------------------------------------------------------------------------- fixed dates


def test_fixed_date():
    sched = {"kind": "fixed_date", "date": "2026-03-31"}
    assert periods(sched) == [("D2026-03-31", START, date(2026, 3, 31))]
    assert schedule.describe_schedule(sched) == "Uma vez, até 31/03/2026"
    # a date before the start is the document's: it opens on that date
    assert periods({"kind": "fixed_date", "date": "2025-09-01"}) == [
        ("D2025-09-01", date(2025, 9, 1), date(2025, 9, 1))
    ]


@pytest.mark.parametrize("value", ["2026-02-30", "31/03/2026", "1999-12-31", 20260331, None])
def test_fixed_date_rejects(value):
    with pytest.raises(schedule.ScheduleError) as caught:
        schedule.validate_schedule({"kind": "fixed_date", "date": value})
    assert caught.value.field == "date"


def test_annual_date():
    sched = {"kind": "annual_date", "month": 3, "day": 31}
    assert periods(sched) == [
        ("D2026-03-31", START, date(2026, 3, 31)),
        ("D2027-03-31", date(2026, 4, 1), date(2027, 3, 31)),
        ("D2028-03-31", date(2027, 4, 1), date(2028, 3, 31)),
        ("D2029-03-31", date(2028, 4, 1), date(2029, 3, 31)),
        ("D2030-03-31", date(2029, 4, 1), date(2030, 3, 31)),
    ]
    assert schedule.describe_schedule(sched) == "Anual, até 31/03 de cada ano"


@pytest.mark.parametrize(
    ("bad", "field"),
    [({"kind": "annual_date", "month": 2, "day": 29}, "day"),
     ({"kind": "annual_date", "month": 4, "day": 31}, "day"),
     ({"kind": "annual_date", "month": 13, "day": 1}, "month"),
     ({"kind": "annual_date", "day": 1}, "month")],
)
def test_annual_date_rejects(bad, field):
    with pytest.raises(schedule.ScheduleError) as caught:
        schedule.validate_schedule(bad)
    assert caught.value.field == field


# ----------------------------------------------------------------------------- events


def test_after_event_is_due_days_after_each_adhesion():
    sched = {"kind": "after_event", "days": 30}
    assert schedule.validate_schedule(sched) == {
        "kind": "after_event", "days": 30, "business_days": False, "event": "adhesion"
    }
    assert periods(sched) == [] and schedule.event_trigger(sched) == "adhesion"
    period = schedule.event_period(sched, event_key="adesao-3", event_date=date(2026, 1, 5))
    assert (period.key, period.opens_on, period.due_on) == (
        "Eadesao-3", date(2026, 1, 5), date(2026, 2, 4)
    )
    assert period.label == "Acordo de Adesão celebrado em 05/01/2026"
    assert schedule.describe_schedule(sched) == "Até 30 dias após cada adesão"
    business = {"kind": "after_event", "days": 10, "business_days": True}
    assert schedule.event_period(
        business, event_key="a", event_date=date(2025, 12, 19)).due_on == date(2026, 1, 6)


@pytest.mark.parametrize(
    ("sched", "trigger", "words"),
    [
        ({"kind": "annual", "also_on": "request"}, "request", "Anual e sempre que solicitado"),
        ({"kind": "during_term", "also_on": "request"}, "request",
         "Contínua, durante a vigência (sem prazo no plano) e sempre que solicitado"),
        ({"kind": "periodic", "months": 6, "also_on": "meeting"}, "meeting",
         "Semestral e sempre que convocado"),
        ({"kind": "once_after_start", "days": 15, "also_on": "course_schedule_change"},
         "course_schedule_change",
         "Uma vez, até 15 dias após o início e a cada alteração nos cursos"),
    ],
)
def test_also_on_adds_event_deliverables_to_a_dated_rule(sched, trigger, words):
    assert schedule.event_trigger(sched) == trigger
    assert schedule.describe_schedule(sched) == words
    due = date(2026, 3, 20)
    period = schedule.event_period(sched, event_key="e1", event_date=date(2026, 3, 2), due_on=due)
    assert period.due_on == due
    plain = {key: value for key, value in sched.items() if key != "also_on"}
    assert periods(sched) == periods(plain)  # its own periods are untouched


@pytest.mark.parametrize(
    "sched",
    [{"kind": "on_call", "trigger": "request", "also_on": "meeting"},
     {"kind": "after_event", "days": 3, "also_on": "request"},
     {"kind": "manual", "also_on": "request"},
     {"kind": "annual", "also_on": "always"}],
)
def test_also_on_only_where_it_means_something(sched):
    with pytest.raises(schedule.ScheduleError):
        schedule.validate_schedule(sched)


def test_new_kinds_without_events_reject_event_periods():
    for sched in ({"kind": "before_end", "days": 3}, {"kind": "fixed_date", "date": "2026-01-01"},
                  {"kind": "annual_date", "month": 1, "day": 31}):
        with pytest.raises(schedule.ScheduleError):
            schedule.event_period(sched, event_key="x", event_date=START, due_on=END)


def test_describe_schedule_of_an_invalid_schedule_asks_for_a_person():
    assert schedule.describe_schedule({"kind": "periodic"}) == "Definir manualmente"


# ------------------------------------------------------------------ property tests

new_schedules = st.one_of(
    st.fixed_dictionaries({"kind": st.just("once_after_start"), "months": st.integers(1, 120)},
                          optional={"from": st.sampled_from(schedule.ORIGINS)}),
    st.fixed_dictionaries({"kind": st.just("periodic"), "months": st.integers(1, 120)},
                          optional={"due_day": st.integers(1, 28)}),
    st.fixed_dictionaries({"kind": st.just("periodic"), "months": st.integers(1, 120),
                           "days_after": st.integers(1, 365)}),
    st.fixed_dictionaries({"kind": st.sampled_from(["before_end", "after_end"]),
                           "days": st.integers(0, 3660)},
                          optional={"business_days": st.booleans()}),
    st.fixed_dictionaries({"kind": st.sampled_from(["before_end", "after_end"]),
                           "months": st.integers(1, 120)}),
    st.builds(lambda d: {"kind": "fixed_date", "date": d.isoformat()},
              st.dates(date(2000, 1, 1), date(2100, 12, 31))),
    st.builds(lambda d: {"kind": "annual_date", "month": d.month, "day": d.day},
              st.dates(date(2001, 1, 1), date(2001, 12, 31))),
    st.fixed_dictionaries({"kind": st.just("after_event"), "days": st.integers(1, 3660)}),
)


@PROPERTY
@given(
    sched=new_schedules,
    also_on=st.sampled_from([None, *schedule.ALSO_ON]),
    start=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    years=st.integers(1, 10),
)
def test_new_kinds_make_sound_periods(sched, also_on, start, years):
    if also_on and sched["kind"] != "after_event":
        sched = {**sched, "also_on": also_on}
    normalised = schedule.validate_schedule(sched)
    assert schedule.validate_schedule(normalised) == normalised
    assert json.loads(json.dumps(normalised)) == normalised
    end = schedule.term_end(start, years)
    found = schedule.periods_for(sched, start=start, end=end)
    assert len({p.key for p in found}) == len(found)
    assert all(p.opens_on <= p.due_on for p in found)
    if sched["kind"] == "annual_date":
        assert all(start <= p.due_on <= end for p in found)
        assert len(found) in (years, years + 1) or (sched["month"], sched["day"]) == (2, 29)
    if sched["kind"] in ("before_end", "after_end", "fixed_date", "once_after_start"):
        assert len(found) == 1
    assert schedule.describe_schedule(sched) != "Definir manualmente"
