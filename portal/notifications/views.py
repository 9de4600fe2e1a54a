"""The current user's notifications, the header bell and the e-mail preferences."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from portal.core.access import Action, authorise
from portal.core.htmx import is_htmx, render, toast
from portal.core.templating import layout_value
from portal.extensions import db, login_manager
from portal.notifications import services
from portal.notifications.forms import chosen, preferences_form
from portal.notifications.models import Notification

bp = Blueprint("notifications", __name__)

STOP_POLLING = 286  # htmx stops an "every" trigger on this status


layout_value("unread_count", lambda: services.unread_count(current_user))


@bp.get("/notificacoes")
@login_required
def index():
    page = _page()
    return render(
        "notifications/index.html",
        "notifications/_list.html",
        page=page,
        entries=services.entries(page.items),
    )


def _page():
    """The page of the current user's notifications asked for (``?page=``)."""
    return db.paginate(
        services.for_user(current_user),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )


def _marked(message: str, level: str = "success", notification: Notification | None = None):
    """After marking: htmx gets the item (or the page's items) in place, with the bell's new
    count and a toast; a plain post is redirected (PRG) to the page of the list it came from.
    """
    if is_htmx():
        if notification is not None:
            body = render_template("notifications/_marked.html",
                                   entry=services.entries([notification])[0],
                                   unread_count=services.unread_count(current_user))
        else:
            body = render_template("notifications/_marked.html",
                                   entries=services.entries(_page().items),
                                   unread_count=services.unread_count(current_user))
        return toast(current_app.make_response(body), message, level)
    flash(message, level)
    return redirect(url_for("notifications.index", page=request.args.get("page", type=int)))


@bp.get("/notificacoes/sino")
def bell():
    """The header bell, polled every minute by every open page. While the count the page
    shows (``exibidas``) is right it answers an empty 200 with ``HX-Reswap: none`` (nothing
    to swap, nothing for a screen reader to announce) and an ETag: the browser keeps that
    answer and revalidates it, so the next poll with nothing new is a bodiless 304 the
    server answers before rendering anything. (Browsers do not keep a 204.)

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
        tag = f"sino-{current_user.id}-{count}"
        unchanged = current_app.response_class(
            status=304 if tag in request.if_none_match else 200,
            headers={"HX-Reswap": "none", "Cache-Control": "private, no-cache"})
        unchanged.set_etag(tag)
        return unchanged
    return render(
        "notifications/_bell.html", "notifications/_bell.html", unread_count=count, announce=True
    )


@bp.post("/notificacoes/<int:notification_id>/abrir")
@login_required
@authorise(Action.NOTIFICATION_READ, Notification, "notification_id")
def open_notification(notification: Notification):
    """Open a notification: mark it read, then go to what it is about.

    A POST (a form whose button looks like a link), not a GET link: marking read is a change,
    so it needs the CSRF token, and no prefetch, link preview or ``<img>`` elsewhere can do it
    on the user's behalf. The target is the notification's own URL, checked to be a path of
    this portal (never a redirect to another site)."""
    target = services.open_notification(notification)
    if target is None:
        flash("Notificação marcada como lida. Ela não leva a outra página.", "info")
        return redirect(url_for("notifications.index"))
    return redirect(target, 303)


@bp.post("/notificacoes/<int:notification_id>/lida")
@login_required
@authorise(Action.NOTIFICATION_READ, Notification, "notification_id")
def mark_read(notification: Notification):
    services.mark_read(notification)
    return _marked("Notificação marcada como lida.", notification=notification)


@bp.post("/notificacoes/marcar-todas")
@login_required
def mark_all_read():
    if services.mark_all_read(current_user):
        return _marked("Todas as notificações foram marcadas como lidas.")
    return _marked("Não havia notificações não lidas.", "info")


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
