"""Jinja filters and globals shared by every template."""

from urllib.parse import urlencode

from flask import Flask, request, url_for

from portal.core import formatting
from portal.core.access import can
from portal.core.markdown import render_markdown
from portal.core.validators import format_cnpj, mask_cpf


def query_url(endpoint: str, values: dict | None = None, **changes) -> str:
    """``endpoint``'s URL carrying the current request's query arguments, some replaced
    (None removes one). The query is appended as text, never handed to ``url_for`` as
    keywords: ``?_external=1``, ``?_method=POST``, ``?_anchor=…`` or an argument named like a
    path parameter stay plain query arguments instead of steering the link (or raising)."""
    args = request.args.copy()
    for key, value in changes.items():
        args.pop(key, None)
        if value is not None:
            args[key] = value
    pairs = [(k, v) for k, vs in args.lists() for v in vs if v not in (None, "")]
    path = url_for(endpoint, **(values or {}))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    return query_url(request.endpoint, request.view_args, **changes)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=formatting.format_date, datetime=formatting.format_datetime,
        relative=formatting.format_relative, time=formatting.format_time,
        number=formatting.format_number,
        percent=formatting.format_percent,
        filesize=formatting.format_file_size, cpf=mask_cpf, markdown=render_markdown,
        cnpj=format_cnpj,
    )
    app.jinja_env.globals.update(can=can, url_with=url_with, query_url=query_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
