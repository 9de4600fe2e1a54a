"""Outgoing e-mail through SMTP; written to the log when no server is configured."""

import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage

from flask import current_app, render_template

log = logging.getLogger("portal.mail")


def send_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render ``template`` (``<name>.txt`` and, if present, ``<name>.html``) and send it."""
    text = render_template(f"{template}.txt", **context)
    html_template = f"{template}.html"
    html = (
        render_template(html_template, **context)
        if html_template in current_app.jinja_env.list_templates()
        else None
    )
    message = build_message(to, subject, text, html)
    _deliver([message])
    return message


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
        _deliver(messages)
    except (OSError, smtplib.SMTPException):
        log.exception("Falha ao enviar %d e-mail(s) pelo servidor SMTP.", len(messages))
        return 0
    return len(messages)


def _deliver(messages: list[EmailMessage]) -> None:
    config = current_app.config
    outbox = current_app.extensions.get("mail_outbox")
    if outbox is not None:  # tests collect messages here
        outbox.extend(messages)
        return
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
