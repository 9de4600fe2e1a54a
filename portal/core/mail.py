"""Outgoing e-mail through the backend that ``MAIL_BACKEND`` names.

Mail follows the transaction: :func:`send_mail` and :func:`send_after_commit` hand messages
over once the current transaction commits, never when it rolls back (an invitation's link
never points to an account that does not exist).

"smtp" (the default) sends through ``MAIL_SERVER``, or writes the messages to the log when no
server is configured (development); "memory" keeps them in its ``outbox`` (tests, demos).
"""

import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage

from flask import Flask, current_app, render_template
from sqlalchemy import event

from portal.extensions import db

log = logging.getLogger("portal.mail")


_OUTBOX = "portal.mail.outbox"  # session.info: messages to send once the transaction commits


def send_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render ``template`` (``<name>.txt`` and, if present, ``<name>.html``); send it once the
    current transaction commits."""
    text = render_template(f"{template}.txt", **context)
    html_template = f"{template}.html"
    html = (
        render_template(html_template, **context)
        if html_template in current_app.jinja_env.list_templates()
        else None
    )
    message = build_message(to, subject, text, html)
    send_after_commit(message)
    return message


def send_after_commit(message: EmailMessage, session=None) -> None:
    (session or db.session).info.setdefault(_OUTBOX, []).append(message)


def _send_outbox(session) -> None:
    messages = session.info.pop(_OUTBOX, None)
    if not messages:
        return
    try:
        send_messages(messages)
    except Exception:  # the work is committed: a rendering or mail bug must not become a 500
        log.exception("Falha ao enviar %d e-mail(s).", len(messages))


def _forget_outbox(session, *_args) -> None:
    session.info.pop(_OUTBOX, None)


event.listen(db.session, "after_commit", _send_outbox)
event.listen(db.session, "after_rollback", _forget_outbox)


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
        backend().send(messages)
    except (OSError, smtplib.SMTPException):
        log.exception("Falha ao enviar %d e-mail(s) pelo servidor SMTP.", len(messages))
        return 0
    return len(messages)


class SMTPBackend:
    def send(self, messages: list[EmailMessage]) -> None:
        config = current_app.config
        if not config.get("MAIL_SERVER"):
            for message in messages:
                log.info("E-mail (servidor SMTP não configurado):\n%s", message.as_string())
            return
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


class MemoryBackend:
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    def send(self, messages: list[EmailMessage]) -> None:
        self.outbox.extend(messages)


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
