"""Jinja filters and globals shared by every template."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for

from portal.core.markdown import render_markdown
from portal.core.validators import format_cnpj, mask_cpf


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return _local(value).strftime("%d/%m/%Y %H:%M")


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    from portal.agreements.models import SPHERES
    from portal.auth.policy import can
    from portal.auth.roles import ROLE_LABELS

    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, cpf=mask_cpf,
        markdown=render_markdown, cnpj=format_cnpj
    )
    app.jinja_env.globals.update(
        can=can, url_with=url_with, role_labels=ROLE_LABELS, spheres=SPHERES
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
