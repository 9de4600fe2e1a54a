"""``portal reminders send``: deadline reminders, overdue notices, the review SLA, the
monthly adhesion report (C.4) and the daily digests, meant to run once a day.

Every reminder has a key in :class:`ReminderLog` (unique). The key is inserted in the same
transaction as the reminder's notifications, and the e-mails leave only after that commit:
running twice on the same day sends nothing twice, and of two runs at the same time only the
one whose insert wins sends. Keys are tied to the day's position in the schedule (30, 7 and
1 days before the due date; 1, 8, 15… days after it). Each successful run is recorded
(:class:`ReminderRun`), and the next one covers every day since: a day the job missed is
caught up by the next run — one notice per reminder, worded as of the day it runs, under the
keys of every missed day, so nothing is lost and nothing is sent twice. ``--today`` runs as
another day.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app, url_for
from flask_babel import ngettext
from sqlalchemy import exists, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.agreements.models import Agreement
from portal.auth.models import User
from portal.auth.roles import SEGES_ROLES
from portal.core.clock import local_date
from portal.core.formatting import format_date
from portal.core.validators import format_cnpj
from portal.deliverables import lifecycle
from portal.deliverables.models import Deliverable, Review, Submission
from portal.extensions import db
from portal.notifications import services
from portal.notifications.models import ReminderLog, ReminderRun

log = logging.getLogger("portal.reminders")

# Still owed (overdue once past due); a returned one too: it awaits the partner's correction.
OPEN_STATUSES = (*lifecycle.OPEN_STATUSES, lifecycle.Status.RETURNED)
DAYS_BEFORE = (30, 7, 1)
OVERDUE_EVERY = 7
OVERDUE_WEEKS_MAX = 520  # weekly overdue reminders stop after ten years
CATCH_UP_DAYS_MAX = 366  # a run catches up at most this many days the job missed
ADHESION_KEY_PREFIX = "Eadesoes-"  # period key of the C.4 deliverables (see agreements.plans)


@dataclass
class Reminder:
    """Notifications to send under one or more sent-log keys."""

    keys: list[str]
    kind: str
    message: str
    url: str | None
    recipients: list[int]  # user ids
    label: str  # one line for the command's output


@dataclass
class RunSummary:
    """What one run did (or, dry, would do): a line per reminder and counts per sort."""

    dry_run: bool
    since: date | None = None  # the first day covered (before today: missed days caught up)
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, line: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        self.lines.append(line)


def send(today: date, *, dry_run: bool = False) -> RunSummary:
    """Do (or with ``dry_run`` only list) everything due on ``today`` and on the days since
    the last successful run; record this run (the caller commits)."""
    since = catch_up_from(today)
    report = RunSummary(dry_run, since)
    prefill_adhesion_reports(today, report)
    for what, reminders in [
        ("prazo", deadline_reminders(today, since)),
        ("atraso", overdue_reminders(today, since)),
        ("análise", review_reminders(today, since)),
    ]:
        for reminder in reminders:
            if _send(reminder, today, dry_run):
                report.add(what, reminder.label)
    send_digests(today, report)
    if not dry_run:
        db.session.add(ReminderRun(run_on=today, covered_from=since,
                                   sent=sum(report.counts.values())))
        db.session.flush()
    return report


def last_run() -> date | None:
    """The day the last successful run ran as."""
    return db.session.scalar(db.select(func.max(ReminderRun.run_on)))


def catch_up_from(today: date) -> date:
    """The first day a run on ``today`` covers: the day after the last successful run (at
    most CATCH_UP_DAYS_MAX days back), or ``today`` itself."""
    last = last_run()
    if last is None or last >= today - timedelta(days=1):
        return today
    return max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS_MAX))


def _days(since: date, today: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((today - since).days + 1)]


def _already_sent(keys: list[str]) -> bool:
    return db.session.scalar(db.select(ReminderLog.id).where(ReminderLog.key.in_(keys)).limit(1)) \
        is not None


def _unsent(keys: list[str]) -> list[str]:
    sent = set(db.session.scalars(db.select(ReminderLog.key).where(ReminderLog.key.in_(keys))))
    return [key for key in keys if key not in sent]


def _claimed(keys: list[str], today: date, recipients: int, work) -> bool:
    """Insert the keys and do ``work()`` in one transaction, then commit (the e-mails leave
    after it). False, with nothing done, when another run inserted a key first."""
    try:
        with db.session.no_autoflush:
            for key in keys:
                db.session.add(ReminderLog(key=key, run_on=today, recipients=recipients))
            work()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if not _already_sent(keys):  # not a concurrent run: a real failure
            log.exception("Falha ao registrar o lembrete %s", ", ".join(keys))
        else:
            log.info("Lembrete já enviado por outra execução: %s", ", ".join(keys))
        return False
    return True


def _send(reminder: Reminder, today: date, dry_run: bool) -> bool:
    keys = _unsent(reminder.keys) if reminder.recipients else []
    if not keys:
        return False
    if dry_run:
        return True

    def work():
        for user_id in reminder.recipients:
            services.notify(user_id, reminder.kind, reminder.message, reminder.url)

    return _claimed(keys, today, len(reminder.recipients), work)


def _users_of(institution_ids) -> dict[int, list[int]]:
    """{institution id: ids of its active users}. Ids, not objects: each reminder commits,
    and a committed object would be loaded again on its next use."""
    result: dict[int, list[int]] = {}
    ids = set(institution_ids)
    if not ids:
        return result
    for user_id, institution_id in db.session.execute(
        db.select(User.id, User.institution_id)
        .where(User.institution_id.in_(ids), User.active.is_(True))
        .order_by(User.id)
    ):
        result.setdefault(institution_id, []).append(user_id)
    return result


# The labels name each deliverable's institution (its goal is always joined).
_LABEL_LOADS = (selectinload(Deliverable.institution),)


def _deliverable_url(deliverable_id: int) -> str:
    return url_for("deliverables.deliverable", deliverable_id=deliverable_id)


def _goal_text(deliverable: Deliverable) -> str:
    return f"meta {deliverable.goal.code} ({deliverable.period_label})"


# Deadlines ----------------------------------------------------------------------------


def deadline_reminders(today: date, since: date | None = None) -> list[Reminder]:
    """30, 7 and 1 day before the due date of every deliverable still owed. Days missed
    since ``since``: one reminder, as of ``today``, for every mark passed meanwhile (none once
    the date has passed: the overdue notice takes over)."""
    marks: dict[date, list[int]] = {}  # due date → the marks (days before) in the window
    for day in _days(since or today, today):
        for n in DAYS_BEFORE:
            if day + timedelta(days=n) >= today:
                marks.setdefault(day + timedelta(days=n), []).append(n)
    deliverables = list(db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.status.in_(OPEN_STATUSES), Deliverable.due_on.in_(marks))
        .options(*_LABEL_LOADS)
        .order_by(Deliverable.due_on.desc(), Deliverable.id)
    ))
    users = _users_of(d.institution_id for d in deliverables)
    reminders = []
    for deliverable in deliverables:
        passed = marks[deliverable.due_on]
        n = (deliverable.due_on - today).days
        when = {0: "hoje", 1: "amanhã"}.get(n, f"em {n} dias")
        what = (f"o relato de acompanhamento pedido pela SEGES da {_goal_text(deliverable)}"
                if deliverable.is_followup else f"a {_goal_text(deliverable)}")
        reminders.append(Reminder(
            keys=[f"prazo:{deliverable.id}:{mark}" for mark in sorted(passed, reverse=True)],
            kind="deliverable.reminder",
            message=f"Lembrete: {what} vence {when}, em {format_date(deliverable.due_on)}.",
            url=_deliverable_url(deliverable.id),
            recipients=users.get(deliverable.institution_id, []),
            label=f"Lembrete ({n} d): {_goal_text(deliverable)} — "
                  f"{deliverable.institution.display_name}",
        ))
    return reminders


def _overdue_steps(due_on: date, days: list[date]) -> list[date]:
    """The days among ``days`` that are an overdue notice's: 1, 8, 15… days after ``due_on``."""
    return [day for day in days
            if 0 < (day - due_on).days <= 1 + OVERDUE_EVERY * (OVERDUE_WEEKS_MAX - 1)
            and ((day - due_on).days - 1) % OVERDUE_EVERY == 0]


def overdue_reminders(today: date, since: date | None = None) -> list[Reminder]:
    """The day after the due date, then every week while it is still owed. Days missed
    since ``since``: one notice, as of ``today``, under the keys of every step passed."""
    days = _days(since or today, today)
    if len(days) < OVERDUE_EVERY:
        due = db.select(Deliverable).where(Deliverable.due_on.in_(sorted({
            day - timedelta(days=1 + OVERDUE_EVERY * week)
            for day in days for week in range(OVERDUE_WEEKS_MAX)})))
    else:  # a week or more: every due date in the range has a step in the window
        due = db.select(Deliverable).where(Deliverable.due_on.between(
            days[0] - timedelta(days=1 + OVERDUE_EVERY * (OVERDUE_WEEKS_MAX - 1)),
            today - timedelta(days=1)))
    deliverables = list(db.session.scalars(
        due.where(Deliverable.status.in_(OPEN_STATUSES))
        .options(*_LABEL_LOADS)
        .order_by(Deliverable.due_on, Deliverable.id)
    ))
    users = _users_of(d.institution_id for d in deliverables)
    reminders = []
    for deliverable in deliverables:
        steps = _overdue_steps(deliverable.due_on, days)
        if not steps:
            continue
        late = (today - deliverable.due_on).days
        since = "ontem" if late == 1 else f"há {late} dias"
        if deliverable.status == lifecycle.Status.RETURNED:
            message = (f"A {_goal_text(deliverable)} foi devolvida pela SEGES e aguarda a sua "
                       f"correção (prazo: {format_date(deliverable.due_on)}). Corrija e envie de "
                       "novo assim que possível.")
        elif deliverable.is_followup:  # SEGES's own request, never a breach of the plan
            message = (f"O relato de acompanhamento pedido pela SEGES da "
                       f"{_goal_text(deliverable)} está pendente desde "
                       f"{format_date(deliverable.due_on)}. Envie assim que possível.")
        else:
            origin = (" (prazo padrão da SEGES)"
                      if deliverable.deadline_source == lifecycle.Source.DEFAULT else "")
            message = (f"A {_goal_text(deliverable)} está atrasada: venceu {since}, em "
                       f"{format_date(deliverable.due_on)}{origin}. Envie assim que possível.")
        reminders.append(Reminder(
            keys=[f"atraso:{deliverable.id}:{step.isoformat()}" for step in steps],
            kind="followup.pending" if deliverable.is_followup else "deliverable.overdue",
            message=message,
            url=_deliverable_url(deliverable.id),
            recipients=users.get(deliverable.institution_id, []),
            label=f"Atraso ({late} d): {_goal_text(deliverable)} — "
                  f"{deliverable.institution.display_name}",
        ))
    return reminders


# Review SLA -------------------------------------------------------------------------


def review_reminders(today: date, since: date | None = None) -> list[Reminder]:
    """SEGES is told of submissions waiting more than REVIEW_SLA_DAYS (then every week).

    One notification per run lists them all; days missed since ``since`` are caught up (a
    submission whose weekly step fell on one of them is listed, as of ``today``).
    """
    days = _days(since or today, today)
    sla = int(current_app.config["REVIEW_SLA_DAYS"])
    waiting = []
    rows = db.session.execute(
        db.select(Submission, Deliverable)
        .join(Deliverable, Deliverable.id == Submission.deliverable_id)
        .where(
            Submission.status == "submitted",
            Submission.submitted_at.is_not(None),
            ~exists().where(Review.submission_id == Submission.id),
        )
        .options(*_LABEL_LOADS)
        .order_by(Submission.submitted_at, Submission.id)
    ).all()
    for submission, deliverable in rows:
        sent_on = local_date(submission.submitted_at)
        steps = [(day - sent_on).days for day in days
                 if (day - sent_on).days > sla
                 and ((day - sent_on).days - sla - 1) % OVERDUE_EVERY == 0]
        keys = _unsent([f"analise:{submission.id}:{step}" for step in steps]) if steps else []
        if keys:
            waiting.append((submission, deliverable, (today - sent_on).days, keys))
    if not waiting:
        return []
    reviewers = list(db.session.scalars(
        db.select(User.id).where(User.role.in_(list(SEGES_ROLES)), User.active.is_(True))
        .order_by(User.id)
    ))
    keys = [key for *_rest, step_keys in waiting for key in step_keys]
    if len(waiting) == 1:
        _s, deliverable, days, _keys = waiting[0]
        who = deliverable.institution.acronym or deliverable.institution.name
        message = (f"O envio da {_goal_text(deliverable)} de {who} aguarda análise há {days} "
                   f"dias (prazo: {sla} dias).")
        url = url_for("deliverables.analysis", deliverable_id=deliverable.id)
    else:
        items = "; ".join(
            f"{d.institution.acronym or d.institution.name} — meta {d.goal.code} ({days} dias)"
            for _s, d, days, _keys in waiting
        )
        message = f"{len(waiting)} envios aguardam análise há mais de {sla} dias: {items}."
        url = url_for("deliverables.queue")
    return [Reminder(keys=keys, kind="review.waiting", message=message, url=url,
                     recipients=reviewers,
                     label="Análise atrasada: "
                           + ngettext("%(num)d envio", "%(num)d envios", len(waiting)) + " — "
                           + ngettext("%(num)d pessoa", "%(num)d pessoas", len(reviewers))
                           + " da SEGES")]


# Monthly adhesion report (C.4) ------------------------------------------------------


def _month_bounds(key: str) -> tuple[date, date]:
    year, month = (int(part) for part in key.removeprefix(ADHESION_KEY_PREFIX).split("-"))
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _escape(text: str) -> str:
    for char in "\\*_`[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def adhesion_report(deliverable: Deliverable, today: date) -> tuple[str, date, date]:
    """The Markdown list of the adhesions to the deliverable's agreement in its month."""
    first, last = _month_bounds(deliverable.period_key)
    parent = db.session.get(Agreement, deliverable.goal.agreement_id)
    adhesions = list(db.session.scalars(
        db.select(Agreement)
        .where(Agreement.parent_id == parent.id, Agreement.signed_on.between(first, last))
        .order_by(Agreement.signed_on, Agreement.id)
    ))
    lines = [f"Instituições que celebraram Acordo de Adesão ao {_escape(parent.title)} em "
             f"{first:%m/%Y}: {len(adhesions)}.", ""]
    for number, adhesion in enumerate(adhesions, start=1):
        instrument = adhesion.own_title
        lines.append(
            f"{number}. **{_escape(adhesion.partner.display_name)}** — CNPJ "
            f"{format_cnpj(adhesion.partner.cnpj)} — assinado em "
            f"{format_date(adhesion.signed_on)} — {_escape(instrument)}"
        )
    if not adhesions:
        lines.append("Nenhuma adesão registrada no portal neste mês.")
    lines += ["", f"_Relação preenchida pelo portal em {format_date(today)} com as adesões "
                  "registradas. Revise, complete se preciso e envie._"]
    return "\n".join(lines), first, last


def adhesion_reports_to_prefill(today: date) -> list[Deliverable]:
    """C.4 deliverables of months already ended that nobody has started."""
    return list(db.session.scalars(
        db.select(Deliverable)
        .where(
            Deliverable.period_key.startswith(ADHESION_KEY_PREFIX),
            Deliverable.period_key < f"{ADHESION_KEY_PREFIX}{today:%Y-%m}",
            Deliverable.status == "pending",
            ~exists().where(Submission.deliverable_id == Deliverable.id),
        )
        .options(*_LABEL_LOADS)
        .order_by(Deliverable.period_key, Deliverable.id)
    ))


def prefill_adhesion_reports(today: date, report: RunSummary) -> None:
    """From the 1st of each month: a draft with the previous month's adhesions, ready for
    the partner to review and send. A deliverable someone already started is left alone."""
    for deliverable in adhesion_reports_to_prefill(today):
        key = f"c4:{deliverable.id}"
        label = (f"Relação de adesões pré-preenchida: {_goal_text(deliverable)} — "
                 f"{deliverable.institution.display_name}")
        if _already_sent([key]):
            continue
        if report.dry_run:
            report.add("adesões", label)
            continue
        text, first, last = adhesion_report(deliverable, today)
        recipients = _users_of([deliverable.institution_id]).get(deliverable.institution_id, [])
        message = (f"A relação de adesões de {first:%m/%Y} (meta {deliverable.goal.code}) "
                   "está pronta no portal: revise e envie para a SEGES.")
        url = _deliverable_url(deliverable.id)

        def work(deliverable=deliverable, text=text, first=first, last=last,
                 recipients=recipients, message=message, url=url):
            db.session.add(Submission(deliverable_id=deliverable.id, version=1, status="draft",
                                      report=text, covers_from=first, covers_to=last))
            lifecycle.start_draft(deliverable, by=None, version=1, prefilled=True)
            for user_id in recipients:
                services.notify(user_id, "adhesion.report_ready", message, url)

        if _claimed([key], today, len(recipients), work):
            report.add("adesões", label)


# Daily digests ----------------------------------------------------------------------


def send_digests(today: date, report: RunSummary) -> None:
    """One message per user with the day's notifications they chose to get as a digest."""
    pending = services.pending_digests()
    users = {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(list(pending))))}
    for user_id, notifications in pending.items():
        key = f"resumo:{user_id}:{today.isoformat()}"
        label = f"Resumo diário: {users[user_id].email} ({len(notifications)} notificação(ões))"
        if _already_sent([key]):
            continue
        if report.dry_run:
            report.add("resumo", label)
            continue
        def work(user=users[user_id], notifications=notifications):
            services.queue_digest(user, notifications)

        if _claimed([key], today, 1, work):
            report.add("resumo", label)
