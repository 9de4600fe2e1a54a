"""The dates the Plano de Trabalho does not set, by SEGES's rules — always labelled so.

* **After an event** (a meeting, a forum, a change in the course schedule): the plan says
  *when* the duty arises, not how long the partner has to report; SEGES's default gives
  N days (business days unless SEGES says otherwise), and never lands on a weekend or a
  national holiday.
* **Follow-up of continuous obligations** ("Durante a vigência", "A partir do início",
  "Observância à norma vigente"): the plan sets no date and such a duty is never late.
  For the annual report (meta 3.6) SEGES asks one *relato de acompanhamento* per report
  year (the calendar year, as the annual-report page), due a set number of days before
  the report's closing date (31/03 of the next year).
* **The annual report itself** (the goal whose role is ``annual_report``): one deliverable
  of SEGES for the whole Rede per report year, due on the closing date.

docs/plan-semantics.md lists, prazo by prazo, what the portal tracks.
"""

from datetime import date, timedelta

from portal.core import audit
from portal.core.exceptions import DomainError
from portal.core.formatting import format_date
from portal.deliverables.models import DeadlineSettings
from portal.extensions import db
from portal.schedule import engine as schedule

REPORT_CLOSING_MONTH, REPORT_CLOSING_DAY = 3, 31
EVENT_WORDS = {"meeting": "a reunião", "forum": "o fórum",
               "course_change": "a alteração no cronograma de cursos"}
SEGES_DEFAULT = "prazo padrão definido pela SEGES"
SEGES_FOLLOWUP = "relato de acompanhamento pedido pela SEGES, não é prazo do Plano de Trabalho"


def current() -> DeadlineSettings:
    """The Rede's settings (the row with the defaults is created on first use)."""
    row = db.session.scalar(db.select(DeadlineSettings).order_by(DeadlineSettings.id).limit(1))
    if row is None:
        row = DeadlineSettings()  # the column defaults are SEGES's defaults
        db.session.add(row)
        db.session.flush()
    return row


def next_business_day(day: date) -> date:
    """``day`` itself when it is a business day, else the first one after it."""
    while not schedule.is_business_day(day):
        day += timedelta(days=1)
    return day


def _unit(days: int, business: bool) -> str:
    if business:
        return "dia útil" if days == 1 else "dias úteis"
    return "dia" if days == 1 else "dias"


def after_event(kind: str, day: date, settings: DeadlineSettings | None = None
                ) -> tuple[date, str]:
    """(due date, the rule in words) for reporting on an event of ``kind`` held on ``day``."""
    settings = settings or current()
    days = {"meeting": settings.meeting_days, "forum": settings.forum_days,
            "course_change": settings.course_change_days}[kind]
    if settings.business_days:
        due = schedule.add_business_days(day, days)
    else:
        due = next_business_day(day + timedelta(days=days))
    unit = _unit(days, settings.business_days)
    rule = f"{days} {unit} após {EVENT_WORDS[kind]} — {SEGES_DEFAULT}"
    return due, rule


def report_closing(year: int) -> date:
    """The annual report of ``year`` closes on 31/03 of the next year."""
    return date(year + 1, REPORT_CLOSING_MONTH, REPORT_CLOSING_DAY)


def report_years(start: date, end: date) -> list[int]:
    return list(range(start.year, end.year + 1))


def followup_periods(start: date, end: date, settings: DeadlineSettings | None = None
                     ) -> list[tuple[schedule.Period, str]]:
    """One relato de acompanhamento per report year the term touches, with its rule."""
    settings = settings or current()
    days = settings.followup_days_before_closing
    rule = (f"Relato anual: {days} {_unit(days, False)} antes do fechamento do Relatório "
            f"Anual (31/03) — {SEGES_FOLLOWUP}")
    periods = []
    for year in report_years(start, end):
        opens = max(start, date(year, 1, 1))
        due = next_business_day(max(opens, report_closing(year) - timedelta(days=days)))
        periods.append((schedule.Period(f"R{year}", f"Relato de acompanhamento de {year}",
                                        opens, due), rule))
    return periods


def annual_report_periods(start: date, end: date) -> list[tuple[schedule.Period, str]]:
    """The network's annual report (SEGES) of each report year the term touches."""
    periods = []
    for year in report_years(start, end):
        closing = report_closing(year)
        due = next_business_day(closing)
        moved = "" if due == closing else f", no dia útil seguinte ({format_date(due)})"
        rule = (f"Fechamento do Relatório Anual de {year} em {format_date(closing)}{moved} — "
                f"{SEGES_DEFAULT}")
        periods.append((schedule.Period(f"A{year}", f"Relatório Anual da Rede de {year}",
                                        date(year, 1, 1), due), rule))
    return periods


# SEGES's settings page (Prazos padrão da SEGES) ----------------------------------------------

# The values SEGES may set, with the range each day count accepts (inclusive).
DAY_LIMITS = {"meeting_days": (1, 365), "forum_days": (1, 365), "course_change_days": (1, 365),
              "followup_days_before_closing": (0, 180)}
SETTINGS_FIELDS = (*DAY_LIMITS, "business_days")


def update_settings(*, by, **values) -> DeadlineSettings:
    """Set SEGES's defaults; they apply to deliverables created from now on.

    Dates of deliverables that already exist are not recomputed. Only the values given change;
    each one is checked before any is set, so a refusal (a :class:`DomainError` naming the
    field) leaves the row as it was. The change is audited with its before and after values.
    """
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown deadline settings: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        if name == "business_days":
            if not isinstance(value, bool):
                raise DomainError("Indique se a contagem é em dias úteis.", field=name)
            continue
        low, high = DAY_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise DomainError(f"Informe um número inteiro de dias, de {low} a {high}.",
                              field=name)
    row = current()
    changes = {name: [getattr(row, name), value] for name, value in values.items()
               if getattr(row, name) != value}
    if changes:
        for name, (_before, after) in changes.items():
            setattr(row, name, after)
        row.updated_by_id = by.id
        audit.record("deadline_settings.updated", row, actor=by, **changes)
    db.session.flush()
    return row
