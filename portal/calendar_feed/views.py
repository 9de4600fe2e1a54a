"""The calendar card's page on "Minha conta" and the feed calendar apps read (no login)."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.calendar_feed import services
from portal.core.htmx import render
from portal.extensions import limiter

bp = Blueprint("calendar_feed", __name__)

NO_STORE = {"Cache-Control": "private, no-store"}


def _confirmed() -> bool:
    """A post asked first: by htmx (``hx-confirm``) or on the confirmation page."""
    return request.headers.get("HX-Request") == "true" or request.form.get("confirmar") == "sim"


def _page(token: str | None = None, confirm: str | None = None):
    user = current_user._get_current_object()
    page = render(
        "calendar_feed/calendar.html", "calendar_feed/_calendar.html",
        feed=services.feed_of(user), url=services.feed_url(token) if token else None,
        confirm=confirm,
    )
    return (*page, NO_STORE)


@bp.get("/conta/calendario")
@login_required
def calendar_page():
    return _page()


@bp.post("/conta/calendario")
@login_required
def create():
    """Create the address, or (confirmed) replace it; the new address is shown this once."""
    user = current_user._get_current_object()
    if services.feed_of(user) is not None and not _confirmed():
        return _page(confirm="gerar")
    return _page(token=services.create(user))


@bp.post("/conta/calendario/revogar")
@login_required
def revoke():
    user = current_user._get_current_object()
    if not _confirmed():
        return _page(confirm="revogar")
    if services.revoke(user):
        flash("Endereço do calendário revogado: os calendários que o usavam deixam de "
              "receber as atualizações.", "success")
    return redirect(url_for("calendar_feed.calendar_page"), 303)


@bp.get("/calendario/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    """No login: calendar apps cannot sign in; the address's random token is the key."""
    user = services.user_for(token)
    if user is None:
        abort(404)
    return services.calendar_text(user), 200, {
        **NO_STORE,
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": 'inline; filename="rede-de-parcerias.ics"',
    }
