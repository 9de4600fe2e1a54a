"""Jinja filters and globals shared by every template."""

from flask import Flask, request, url_for

from portal.core import formatting
from portal.core.access import can
from portal.core.markdown import render_markdown
from portal.core.validators import format_cnpj, mask_cpf


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=formatting.format_date, datetime=formatting.format_datetime,
        relative=formatting.format_relative, number=formatting.format_number,
        percent=formatting.format_percent,
        filesize=formatting.format_file_size, cpf=mask_cpf, markdown=render_markdown,
        cnpj=format_cnpj,
    )
    app.jinja_env.globals.update(can=can, url_with=url_with)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
