"""Auditoria: the append-only trail, read-only, as pages and as a CSV export."""

from flask import Blueprint, request
from flask_login import current_user, login_required

from portal.audit import services as audit
from portal.audit.forms import AuditFilterForm
from portal.core.access import Action, authorise, can
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.pagination import paginate_rows
from portal.core.spreadsheets import send_table

bp = Blueprint("audit", __name__)


def _form() -> AuditFilterForm:
    form = AuditFilterForm(
        request.args,
        actions=audit.known_actions(),
        all_institutions=can(current_user, Action.AUDIT_VIEW_ALL),
    )
    form.validate()
    return form


def _listing(form: AuditFilterForm) -> dict:
    """What the page lists — and so what its export holds: the filters, within the user's
    institution unless the user reads the whole trail."""
    own = None if can(current_user, Action.AUDIT_VIEW_ALL) else current_user.institution_id
    return {"filters": form.to_filters(), "institution_id": own}


@bp.get("/auditoria")
@login_required
@authorise(Action.AUDIT_VIEW)
def events():
    form = _form()
    return render(
        "audit/events.html",
        "audit/_events.html",
        form=form,
        page=paginate_rows(audit.events_query(**_listing(form))),
        action_label=audit.action_label,
        object_labels=audit.OBJECT_TYPE_LABELS,
        details_json=audit.details_json,
    )


@bp.get("/auditoria.csv")
@login_required
@authorise(Action.AUDIT_VIEW)
def events_csv():
    form = _form()
    return send_table(
        audit.export_rows(**_listing(form)), audit.EXPORT_COLUMNS, f"auditoria-{local_today()}",
        "csv", stream=True, preamble=form.described(),
    )
