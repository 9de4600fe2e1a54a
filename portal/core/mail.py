"""Outgoing e-mail: written to the outbox in the transaction that causes it, sent by the
worker (``portal worker``) through the backend that ``MAIL_BACKEND`` names.

A message is an :class:`~portal.core.models.OutboxMessage` row added to the current
session: it is committed with the change (an invitation's link never points to an account
that does not exist) or dropped with it, and no web request waits on the mail server. The
worker claims due rows one at a time (a conditional UPDATE, so two workers never send the
same message), sends, and records the outcome; a failure is retried after
``MAIL_RETRY_MINUTES`` until ``MAIL_MAX_ATTEMPTS``, then the message is marked failed.

"smtp" (the default backend) sends through ``MAIL_SERVER``, or writes the messages to the log
when no server is configured (development); "memory" keeps them in its ``outbox`` (tests,
demos). ``MAIL_DELIVERY = "immediate"`` skips the outbox and hands messages to the backend
right after the commit, serialised and read back as the worker would (the test suite's
default: a test sees its mail as soon as the request ends; tests/notifications/test_outbox.py
runs the real outbox and worker).
"""

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_string
from email import policy as email_policy
from email.message import EmailMessage

from flask import Flask, current_app, render_template
from sqlalchemy import event, or_, update

from portal.core.models import OutboxMessage, utcnow
from portal.extensions import db

log = logging.getLogger("portal.mail")

_IMMEDIATE = "portal.mail.immediate"  # session.info: messages to hand over after the commit
CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this was a worker that died


def send_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render ``template`` (``<name>.txt`` and, if present, ``<name>.html``) and queue the
    message in the current transaction."""
    text = render_template(f"{template}.txt", **context)
    html_template = f"{template}.html"
    html = (
        render_template(html_template, **context)
        if html_template in current_app.jinja_env.list_templates()
        else None
    )
    message = build_message(to, subject, text, html)
    queue(message)
    return message


def queue(message: EmailMessage, session=None) -> None:
    """Send ``message`` once the current transaction commits: through the outbox, or (with
    ``MAIL_DELIVERY = "immediate"``) straight to the backend after the commit."""
    session = session or db.session
    if current_app.config.get("MAIL_DELIVERY") == "immediate":  # as the worker would read it
        session.info.setdefault(_IMMEDIATE, []).append(_parse(message.as_string()))
        return
    session.add(
        OutboxMessage(
            recipient=str(message["To"])[:254],
            subject=str(message["Subject"])[:300],
            raw=message.as_string(),
        )
    )


def _send_immediate(session) -> None:
    messages = session.info.pop(_IMMEDIATE, None)
    if not messages:
        return
    try:
        send_messages(messages)
    except Exception:  # the work is committed: a rendering or mail bug must not become a 500
        log.exception("Falha ao enviar %d e-mail(s).", len(messages))


def _forget_immediate(session, *_args) -> None:
    session.info.pop(_IMMEDIATE, None)


event.listen(db.session, "after_commit", _send_immediate)
event.listen(db.session, "after_rollback", _forget_immediate)


# The worker's side ---------------------------------------------------------------------


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    more: bool = False  # the batch was full: more may be due already


def _due(now: datetime):
    return or_(
        (OutboxMessage.status == OutboxMessage.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxMessage.SENDING)
        & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )


def deliver_due(limit: int = 200) -> Delivery:
    """Send the messages that are due, each in its own transaction; the outcome of each is
    committed before the next is claimed."""
    report = Delivery()
    now = utcnow()
    ids = db.session.scalars(
        db.select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()
    report.more = len(ids) == limit
    for message_id in ids:
        outcome = _deliver_one(message_id)
        if outcome:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _deliver_one(message_id: int) -> str | None:
    """Claim, send and record one message; None when another worker had claimed it."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(status=OutboxMessage.SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    row = db.session.get(OutboxMessage, message_id)
    message = _parse(row.raw)
    try:
        refused = backend().send([message])
    except Exception as error:  # whatever it is: recorded and retried, never lost
        outcome = _failed_attempt(row, f"{type(error).__name__}: {error}")
    else:
        if refused:
            outcome = _give_up(row, "Destinatário recusado pelo servidor SMTP.")
        else:
            row.status, row.sent_at, row.last_error = OutboxMessage.SENT, utcnow(), None
            row.attempts += 1
            outcome = "sent"
    db.session.commit()
    return outcome


def _parse(raw: str) -> EmailMessage:
    """A message back from its stored text (``OutboxMessage.raw``)."""
    return message_from_string(raw, policy=email_policy.default)


def _failed_attempt(row: OutboxMessage, error: str) -> str:
    row.attempts += 1
    config = current_app.config
    if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        return _give_up(row, error)
    waits = config["MAIL_RETRY_MINUTES"]
    wait = waits[min(row.attempts, len(waits)) - 1]
    row.status, row.last_error = OutboxMessage.QUEUED, error[:500]
    row.next_attempt_at = utcnow() + timedelta(minutes=wait)
    log.warning("E-mail %s não enviado (tentativa %d): %s; nova tentativa em %d min.",
                row.id, row.attempts, error, wait)
    return "retried"


def _give_up(row: OutboxMessage, error: str) -> str:
    row.status, row.last_error = OutboxMessage.FAILED, error[:500]
    log.error("E-mail %s para %s falhou de vez: %s", row.id, row.recipient, error)
    return "failed"


def resend(row: OutboxMessage) -> None:
    """Queue a failed message again, now, with a fresh count of attempts."""
    row.status, row.attempts, row.next_attempt_at = OutboxMessage.QUEUED, 0, utcnow()
    row.last_error = None


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A plain-text message with an optional HTML alternative, from the default sender."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_messages(messages: Iterable[EmailMessage]) -> int:
    """Send several messages over one SMTP connection. Never raises: a failure is logged
    (the caller's work is already committed and must not be undone by the mail server).
    Returns how many were handed over.
    """
    messages = list(messages)
    if not messages:
        return 0
    try:
        backend().send(messages)  # a refused recipient is logged by the backend
    except (OSError, smtplib.SMTPException):
        log.exception("Falha ao enviar %d e-mail(s) pelo servidor SMTP.", len(messages))
        return 0
    return len(messages)


class SMTPBackend:
    def send(self, messages: list[EmailMessage]) -> list[EmailMessage]:
        """Send over one connection; the messages whose recipient the server refused."""
        config = current_app.config
        refused = []
        if not config.get("MAIL_SERVER"):
            for message in messages:
                log.info("E-mail (servidor SMTP não configurado):\n%s", message.as_string())
            return refused
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                try:
                    smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused:  # one bad address must not stop the rest
                    log.warning("Destinatário recusado pelo servidor SMTP: %s", message["To"])
                    refused.append(message)
        return refused


class MemoryBackend:
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    def send(self, messages: list[EmailMessage]) -> list[EmailMessage]:
        self.outbox.extend(messages)
        return []


BACKENDS = {"smtp": SMTPBackend, "memory": MemoryBackend}


def backend(app: Flask | None = None) -> SMTPBackend | MemoryBackend:
    """The application's instance of the backend its ``MAIL_BACKEND`` names."""
    app = app or current_app._get_current_object()
    name = app.config.get("MAIL_BACKEND") or "smtp"
    if name not in BACKENDS:
        raise RuntimeError(f"MAIL_BACKEND desconhecido: {name!r} (use 'smtp' ou 'memory').")
    instances = app.extensions.setdefault("mail", {})
    if name not in instances:
        instances[name] = BACKENDS[name]()
    return instances[name]
