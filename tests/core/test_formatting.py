"""Values as pt-BR users read them: dd/mm/aaaa in Brasília time, decimal commas, "há 2 dias"."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.core import formatting


def test_dates_and_times_are_dd_mm_aaaa_in_the_display_timezone(app):
    assert formatting.format_date(date(2025, 1, 2)) == "02/01/2025"
    late_evening = datetime(2025, 1, 2, 1, 5, tzinfo=UTC)  # 22:05 of the 1st in Brasília
    assert formatting.format_date(late_evening) == "01/01/2025"
    assert formatting.format_datetime(late_evening) == "01/01/2025 22:05"
    assert formatting.format_datetime(late_evening.replace(tzinfo=None)) == "01/01/2025 22:05"
    assert formatting.format_time(late_evening) == "22:05"
    assert formatting.format_date(None) == formatting.format_datetime(None) == ""


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
