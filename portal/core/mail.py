"""Outgoing e-mail through SMTP; written to the log when no server is configured."""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, render_template

log = logging.getLogger("portal.mail")


def send_mail(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render ``template`` (``<name>.txt`` and, if present, ``<name>.html``) and send it."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message.set_content(render_template(f"{template}.txt", **context))
    html_template = f"{template}.html"
    if html_template in current_app.jinja_env.list_templates():
        message.add_alternative(render_template(html_template, **context), subtype="html")
    _deliver(message)
    return message


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    outbox = current_app.extensions.get("mail_outbox")
    if outbox is not None:  # tests collect messages here
        outbox.append(message)
        return
    if not config.get("MAIL_SERVER"):
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
        smtp.send_message(message)
