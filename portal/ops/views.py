"""The e-mail queue (Administração → E-mails): what waits, what failed and why, and a resend."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.core import audit
from portal.core.access import Action, authorise
from portal.core.htmx import render
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.ops import outbox

bp = Blueprint("ops", __name__)


@bp.get("/administracao/emails")
@login_required
@authorise(Action.OUTBOX_VIEW)
def outbox_page():
    shown = request.args.get("situacao", "pendentes")
    if shown not in outbox.FILTERS:
        shown = "pendentes"
    page = db.paginate(
        outbox.messages_query(shown),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render(
        "ops/outbox.html",
        "ops/_outbox.html",
        page=page,
        shown=shown,
        filters=outbox.FILTERS,
        counts=outbox.counts(),
        status_labels=outbox.STATUS_LABELS,
    )


@bp.post("/administracao/emails/<int:message_id>/reenviar")
@login_required
@authorise(Action.OUTBOX_RESEND, OutboxMessage, "message_id")
def resend(message: OutboxMessage):
    if message.status != OutboxMessage.FAILED:
        flash("Só é possível reenviar um e-mail com falha definitiva.", "warning")
    else:
        outbox.resend(message)
        audit.record("outbox.resent", message, actor=current_user, recipient=message.recipient)
        flash(f"E-mail para {message.recipient} colocado de novo na fila.", "success")
    return redirect(url_for("ops.outbox_page", situacao=request.args.get("situacao")))
