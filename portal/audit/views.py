"""Auditoria (the append-only trail, read-only) and the LGPD export of one's own data."""

import csv
import io
import json

from flask import Blueprint, Response, request, stream_with_context
from flask_login import current_user, login_required

from portal.audit.forms import AuditFilterForm
from portal.auth.policy import can, require
from portal.core import audit
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.pagination import paginate_rows
from portal.core.spreadsheets import csv_row
from portal.core.templating import format_datetime
from portal.privacy import services as lgpd

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
        all_institutions=can(current_user, "audit.view_all"),
    )
    form.validate()
    return form


def _query(form: AuditFilterForm):
    own = None if can(current_user, "audit.view_all") else current_user.institution_id
    return audit.events_query(
        form.to_filters(), institution_id=own
    )


@bp.get("/auditoria")
@login_required
def events():
    require(current_user, "audit.view")
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
def events_csv():
    require(current_user, "audit.view")
    form = _form()
    query = _query(form)

    @stream_with_context
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly
        writer.writerow(CSV_COLUMNS)
        for event, name, acronym in audit.batches(query):
            writer.writerow(
                csv_row([
                    format_datetime(event.created_at),
                    audit.action_label(event.action),
                    event.actor_email or "",
                    _institution(name, acronym),
                    audit.OBJECT_TYPE_LABELS.get(event.object_type, event.object_type or ""),
                    event.object_id if event.object_id is not None else "",
                    event.ip or "",
                    audit.details_json(event.details),
                ])
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="auditoria-{local_today()}.csv"'},
    )


# LGPD ---------------------------------------------------------------------------------


@bp.get("/conta/meus-dados.json")
@login_required
def personal_data():
    """The user's own personal data, as a download; the export itself is audited."""
    user = current_user._get_current_object()
    data = lgpd.export_personal_data(user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="meus-dados-{local_today()}.json"',
            "Cache-Control": "no-store",
        },
    )
