"""The current user's notifications, the header bell and the e-mail preferences."""

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise
from portal.core.htmx import is_htmx, render, toast
from portal.extensions import db, login_manager
from portal.notifications import services
from portal.notifications.forms import chosen, preferences_form
from portal.notifications.models import Notification

bp = Blueprint("notifications", __name__)

STOP_POLLING = 286  # htmx stops an "every" trigger on this status


@bp.app_template_global()
def unread_notifications() -> int:
    """For the menu badge; evaluated only where a template asks for it."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(current_user)


@bp.get("/notificacoes")
@login_required
def index():
    page = db.paginate(
        services.for_user(current_user),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render("notifications/index.html", "notifications/_list.html", page=page)


@bp.get("/notificacoes/sino")
def bell():
    """The header bell, polled every minute. Answers 204 (nothing to swap, nothing for a
    screen reader to announce) while the count the page shows (``exibidas``) is right.

    The poll must not keep an idle session alive: the session cookie is not re-sent.
    """
    if not current_user.is_authenticated:
        # Logged out or idle session expired: stop polling quietly, the next click logs in.
        if not is_htmx():
            return login_manager.unauthorized()
        return render("notifications/_bell.html", "notifications/_bell.html", STOP_POLLING,
                      unread_count=None, announce=False)
    # Not a sign of activity: leave the cookie (and its idle clock) as it was.
    session.permanent = False  # in memory only: with nothing modified, no cookie is sent
    session.modified = False
    if not is_htmx():
        return redirect(url_for("notifications.index"))
    count = services.unread_count(current_user)
    if request.args.get("exibidas", type=int) == count:
        return "", 204
    return render(
        "notifications/_bell.html", "notifications/_bell.html", unread_count=count, announce=True
    )


@bp.post("/notificacoes/<int:notification_id>/lida")
@login_required
@authorise(Action.NOTIFICATION_READ, Notification, "notification_id")
def mark_read(notification: Notification):
    services.mark_read(notification)
    return redirect(url_for("notifications.index"))


@bp.post("/notificacoes/marcar-todas")
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(
        "Todas as notificações foram marcadas como lidas."
        if count
        else "Não havia notificações por ler.",
        "success" if count else "info",
    )
    return redirect(url_for("notifications.index"))


@bp.route("/conta/notificacoes", methods=["GET", "POST"])
@login_required
def preferences():
    form = preferences_form(current_user, services.preferences(current_user))
    if form.validate_on_submit():
        services.save_preferences(current_user, chosen(form))
        message = "Preferências de e-mail salvas."
        if is_htmx():
            body, status = _preferences_page(form)
            return toast(current_app.make_response((body, status)), message)
        flash(message, "success")
        return redirect(url_for("notifications.preferences"))
    return _preferences_page(form)


def _preferences_page(form):
    return render(
        "notifications/preferences.html",
        "notifications/_preferences_form.html",
        form.status,
        form=form,
    )
