"""Jinja filters and globals shared by every template, the layout's values, and the rule that
templates never query the database.

Data reaches a template from its view (or, for the layout every page shares, from the
providers features register with :func:`layout_value`), never from a lazy load or a function
called while it renders: such queries are invisible where the page is built and multiply
with the rows shown. With ``FORBID_TEMPLATE_QUERIES`` (on in tests and debug) a statement
issued while a template renders raises :class:`QueryInTemplate`.
"""

from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from flask import Flask, current_app, g, has_request_context, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.core import formatting
from portal.core.access import can
from portal.core.htmx import is_htmx
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
    """The current URL with some query arguments replaced (None removes one): what
    ``query_url`` gives for the request's own endpoint, its path and arguments read once per
    request (the panel's map links each of 27 states)."""
    if "portal_url_with" not in g:
        g.portal_url_with = (url_for(request.endpoint, **(request.view_args or {})),
                             [(k, v) for k, vs in request.args.lists() for v in vs])
    path, current = g.portal_url_with
    pairs = [(k, v) for k, v in current if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    pairs = [(k, v) for k, v in pairs if v not in (None, "")]
    return f"{path}?{urlencode(pairs)}" if pairs else path


_rendering: ContextVar[str | None] = ContextVar("portal_rendering", default=None)


class QueryInTemplate(RuntimeError):
    """A statement was issued while a template rendered (see the module's docstring)."""


class _QueryFreeTemplate(jinja2.Template):
    def render(self, *args, **kwargs) -> str:
        token = _rendering.set(self.name or "<string>")
        try:
            return super().render(*args, **kwargs)
        finally:
            _rendering.reset(token)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_queries_while_rendering(_conn, _cursor, statement, *_args) -> None:
    template = _rendering.get()
    if template is not None:
        raise QueryInTemplate(
            f"{template} issued a query while rendering (pass the data from the view): "
            f"{statement[:200]}"
        )


_layout_providers: dict[str, Callable[[], object]] = {}


def layout_value(name: str, provider: Callable[[], object]) -> None:
    """Register a value the page layout shows for the signed-in user (the bell's count): it
    is computed once per request, before a full page renders, as ``layout.<name>``."""
    _layout_providers[name] = provider


def _layout() -> dict:
    if "portal_layout" not in g:
        values = {}
        if has_request_context() and current_user.is_authenticated and not is_htmx():
            values = {name: provider() for name, provider in _layout_providers.items()}
        g.portal_layout = values
    return {"layout": g.portal_layout}


def render_markup(template: str, **context) -> Markup:
    """``template`` rendered, to be placed inside another page (kept in the cache, then put
    in the layout): Jinja autoescaped it, so it is not escaped again."""
    return Markup(render_template(template, **context))  # noqa: S704 - autoescaped


def page_assets() -> Markup:
    """The <link> and <script> tags of every page (their URLs carry each file's version): the
    same on every page, so rendered once per process — on every page in debug mode."""
    kept = current_app.extensions.setdefault("portal.assets", {})
    if current_app.debug or request.script_root not in kept:
        kept[request.script_root] = render_markup("_assets.html")
    return kept[request.script_root]


def main_navigation() -> Markup:
    """The main menu for the signed-in user's role on this page: the same for everyone with
    that role (its items are chosen by role-based rules), so rendered once per process."""
    kept = current_app.extensions.setdefault("portal.navigation", {})
    key = (request.script_root, current_user.role, request.endpoint)
    if key not in kept:
        kept[key] = render_markup("_main_nav.html")
    return kept[key]


def init_app(app: Flask) -> None:
    if app.config["FORBID_TEMPLATE_QUERIES"]:
        app.jinja_env.template_class = _QueryFreeTemplate
    if not Path(app.root_path, "translations").is_dir():
        # The strings are written in Portuguese and no catalogue ships: what Flask-Babel's
        # empty catalogue answers (the text; the singular when n == 1), without looking the
        # request's translations up on every call (40 times on the forum's index).
        app.jinja_env.install_gettext_callables(
            gettext=lambda text: text,
            ngettext=lambda singular, plural, n: singular if n == 1 else plural,
            newstyle=True)
    app.context_processor(_layout)
    app.jinja_env.filters.update(
        date=formatting.format_date, datetime=formatting.format_datetime,
        relative=formatting.format_relative, time=formatting.format_time,
        number=formatting.format_number,
        percent=formatting.format_percent,
        filesize=formatting.format_file_size, cpf=mask_cpf, markdown=render_markdown,
        cnpj=format_cnpj,
    )
    app.jinja_env.globals.update(can=can, url_with=url_with, query_url=query_url,
                                 main_navigation=main_navigation, page_assets=page_assets)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
