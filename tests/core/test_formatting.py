"""Values as pt-BR users read them: dd/mm/aaaa in Brasília time, decimal commas, "há 2 dias"."""

from datetime import UTC, date, datetime, timedelta

import pytest
from babel import dates, numbers

from portal.core import formatting


def test_dates_and_times_are_dd_mm_aaaa_in_the_display_timezone(app):
    assert formatting.format_date(date(2025, 1, 2)) == "02/01/2025"
    late_evening = datetime(2025, 1, 2, 1, 5, tzinfo=UTC)  # 22:05 of the 1st in Brasília
    assert formatting.format_date(late_evening) == "01/01/2025"
    assert formatting.format_datetime(late_evening) == "01/01/2025 22:05"
    assert formatting.format_datetime(late_evening.replace(tzinfo=None)) == "01/01/2025 22:05"
    assert formatting.format_time(late_evening) == "22:05"
    assert formatting.format_date(None) == formatting.format_datetime(None) == ""


def test_the_numeric_formats_are_babels_to_the_character(app):
    """Written without Babel for speed: the same text as Babel's patterns, hour by hour across
    Brasília's old daylight-saving changes and the turn of years."""
    zone = formatting.zone()
    moment = datetime(2018, 10, 1, tzinfo=UTC)  # DST began 04/11/2018 and ended 17/02/2019
    while moment < datetime(2019, 3, 1, tzinfo=UTC):
        assert formatting.format_datetime(moment) == dates.format_datetime(
            moment, "dd/MM/yyyy HH:mm", tzinfo=zone, locale="pt_BR")
        assert formatting.format_time(moment) == dates.format_time(
            moment, "HH:mm", tzinfo=zone, locale="pt_BR")
        assert formatting.format_date(moment) == dates.format_datetime(
            moment, "dd/MM/yyyy", tzinfo=zone, locale="pt_BR")
        moment += timedelta(minutes=97)
    for day in (date(1, 1, 1), date(999, 12, 31), date(2026, 12, 31), date(9999, 12, 31)):
        assert formatting.format_date(day) == dates.format_date(day, "dd/MM/yyyy", locale="pt_BR")
    for number in (0, 7, -7, 999, 1000, -1000, 12_345, 999_999, 1_000_000, -98_765_432, 10**12):
        assert formatting.format_number(number) == numbers.format_decimal(number, locale="pt_BR")
    shares = [100 * part / whole for whole in range(1, 120) for part in range(whole + 1)]
    for share in [*shares, *(round(s, 1) for s in shares), 66.65, 0.05, 12_345.65, -3.25]:
        assert formatting.format_percent(share) == numbers.format_percent(
            share / 100, "#,##0.0%", locale="pt_BR")


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(seconds=20), "agora mesmo"),
        (timedelta(minutes=5), "há 5 minutos"),
        (timedelta(hours=1), "há 1 hora"),
        (timedelta(days=3), "há 3 dias"),
        (timedelta(days=62), "há 2 meses"),
        (timedelta(days=800), "há 2 anos"),
    ],
)
def test_relative_times(age, text):
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    assert formatting.format_relative(now - age, now=now) == text
    assert formatting.format_relative((now - age).replace(tzinfo=None), now=now) == text


def test_relative_times_are_babels_to_the_character():
    """Every unit boundary (the 0.85 threshold, the rounding between units) and ages in
    between, with and without fractions of a second."""
    now = datetime(2026, 5, 10, 12, tzinfo=UTC)
    ages = [*range(60, 7_200, 7), *range(7_200, 3 * 86_400, 311),
            *range(3 * 86_400, 12 * 365 * 86_400, 86_400 // 3 + 17)]
    for unit_seconds in (60, 3_600, 86_400, 604_800, 2_592_000, 31_536_000):
        ages += [round(unit_seconds * f) + d for f in (0.85, 1.5, 2.5) for d in (-1, 0, 1)]
    for seconds in (age for age in ages if age >= 60):  # under a minute: "agora mesmo"
        for micro in (0, 500_000):
            age = timedelta(seconds=seconds, microseconds=micro)
            expected = dates.format_timedelta(-age, add_direction=True, locale="pt_BR")
            assert formatting.format_relative(now - age, now=now) == expected, age


def test_numbers_percentages_and_file_sizes_use_the_decimal_comma():
    assert formatting.format_number(20000) == "20.000"
    assert formatting.format_number(1234.5) == "1.234,5"
    assert formatting.format_percent(60) == "60,0%"
    assert formatting.format_percent(200 / 3) == "66,7%"
    assert formatting.format_file_size(830) == "830 bytes"
    assert formatting.format_file_size(1) == "1 byte"
    assert formatting.format_file_size(12 * 1024 + 300) == "12 kB"
    assert formatting.format_file_size(3 * 2**20 // 2) == "1,5 MB"
    assert formatting.format_file_size(50 * 2**20) == "50,0 MB"


def test_templates_get_the_same_functions_as_filters(app):
    render = app.jinja_env.from_string(
        "{{ d|date }} {{ n|number }} {{ p|percent }} {{ s|filesize }}"
    ).render
    assert render(d=date(2025, 3, 4), n=20000, p=75, s=2**20) == "04/03/2025 20.000 75,0% 1,0 MB"


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_templates_pluralise_as_flask_babel_does(app, n):
    """The templates' gettext/ngettext are plain functions (no catalogue ships), answering
    what Flask-Babel's would: the singular only for exactly one."""
    import flask_babel

    template = app.jinja_env.from_string(
        "{{ ngettext('%(num)d pessoa achou útil', '%(num)d pessoas acharam útil', n) }}"
        " · {{ _('Prazo de %(dias)s dias', dias=n) }}")
    with app.test_request_context("/"):
        expected = (flask_babel.ngettext("%(num)d pessoa achou útil",
                                         "%(num)d pessoas acharam útil", n)
                    + " · " + flask_babel.gettext("Prazo de %(dias)s dias", dias=n))
        assert template.render(n=n) == expected
    assert ("pessoa achou" in expected) == (n == 1)
