"""The current user's notifications."""

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from portal.auth.policy import require
from portal.core.htmx import render
from portal.extensions import db
from portal.notifications import bp, services
from portal.notifications.models import Notification


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


@bp.post("/notificacoes/<int:notification_id>/lida")
@login_required
def mark_read(notification_id: int):
    notification = db.get_or_404(Notification, notification_id)
    require(current_user, "notification.read", notification)
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
