"""Auditoria: the append-only trail, read-only, as pages and as a CSV export."""

from flask import Blueprint, request
from flask_login import current_user, login_required

from portal.audit import services as audit
from portal.audit.forms import AuditFilterForm
from portal.core.access import Action, authorise, can
from portal.core.clock import local_today
from portal.core.database import stream_rows
from portal.core.formatting import format_datetime
from portal.core.htmx import render
from portal.core.pagination import paginate_rows
from portal.core.spreadsheets import send_table

bp = Blueprint("audit", __name__)

CSV_COLUMNS = [
    "Data/hora",
    "Ação",
    "Usuário",
    "Instituição",
    "Objeto",
    "Id",
    "IP",
    "Detalhes (JSON)",
]


def _form() -> AuditFilterForm:
    form = AuditFilterForm(
        request.args,
        actions=audit.known_actions(),
        all_institutions=can(current_user, Action.AUDIT_VIEW_ALL),
    )
    form.validate()
    return form


def _query(form: AuditFilterForm):
    own = None if can(current_user, Action.AUDIT_VIEW_ALL) else current_user.institution_id
    return audit.events_query(
        form.to_filters(), institution_id=own
    )


@bp.get("/auditoria")
@login_required
@authorise(Action.AUDIT_VIEW)
def events():
    form = _form()
    return render(
        "audit/events.html",
        "audit/_events.html",
        form=form,
        page=paginate_rows(_query(form)),
        action_label=audit.action_label,
        object_labels=audit.OBJECT_TYPE_LABELS,
        details_json=audit.details_json,
    )


def _institution(name: str | None, acronym: str | None) -> str:
    if name is None:
        return ""
    return f"{name} ({acronym})" if acronym else name


@bp.get("/auditoria.csv")
@login_required
@authorise(Action.AUDIT_VIEW)
def events_csv():
    form = _form()
    rows = (
        [
            format_datetime(event.created_at),
            audit.action_label(event.action),
            event.actor_email or "",
            _institution(name, acronym),
            audit.OBJECT_TYPE_LABELS.get(event.object_type, event.object_type or ""),
            event.object_id if event.object_id is not None else "",
            ip or "",
            audit.details_json(event.details),
        ]
        for event, name, acronym, ip in stream_rows(_query(form))
    )
    return send_table(rows, CSV_COLUMNS, f"auditoria-{local_today()}", "csv", stream=True)
