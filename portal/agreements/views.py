"""Agreement pages: the filtered list and an adhesion's signed term (the agreement's own page
is in ``portal.plans``)."""


from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from portal.agreements import services
from portal.agreements.forms import FilterAgreementsForm
from portal.agreements.models import AGREEMENT_STATUS, Agreement
from portal.core import audit
from portal.core.access import Action, authorise
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.storage import send_stored
from portal.extensions import db

bp = Blueprint("agreements", __name__)


@bp.get("/acordos")
@login_required
@authorise(Action.AGREEMENT_LIST)
def agreements():
    filters = FilterAgreementsForm(request.args)
    filters.validate()
    today = local_today()
    query = services.search_agreements(
        today=today,
        q=filters.q.data,
        kind=filters.kind.data,
        elo=filters.elo.data,
        uf=filters.uf.data,
        status=filters.status.data,
    )
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    goal_counts, adhesion_counts = services.agreement_counts([a.id for a in page.items])
    return render(
        "agreements/agreements.html",
        "agreements/_agreements_table.html",
        page=page,
        filters=filters,
        today=today,
        goal_counts=goal_counts,
        adhesion_counts=adhesion_counts,
        statuses=AGREEMENT_STATUS,
    )


@bp.get("/acordos/<int:agreement_id>/termo-assinado")
@login_required
@authorise(Action.AGREEMENT_VIEW, Agreement, "agreement_id")
def signed_document(agreement: Agreement):
    """The signed term of an adhesion: authorised, audited, always as an attachment."""
    if not agreement.document_stored_name:
        abort(404)
    return send_stored(
        agreement.document_stored_name, name=agreement.document_name or "termo.pdf",
        mimetype="application/pdf",
        audit_event=lambda: audit.record("agreement.document_downloaded", agreement,
                                         actor=current_user, institution_id=agreement.partner_id))
