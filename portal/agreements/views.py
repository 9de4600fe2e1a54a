"""Agreement pages: the filtered list, an adhesion's signed term and the eixos' names (the
agreement's own page is in ``portal.plans``)."""


from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.agreements import services
from portal.agreements.forms import AxisForm, FilterAgreementsForm
from portal.agreements.models import AGREEMENT_STATUS, Agreement, Axis
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


# Eixos ---------------------------------------------------------------------------------------


@bp.get("/acordos/eixos")
@login_required
@authorise(Action.AXIS_EDIT)
def axes():
    return render("agreements/axes.html", "agreements/_axes.html", axes=services.all_axes())


@bp.route("/acordos/eixos/<int:axis_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.AXIS_EDIT, services.axis_for_edit, "axis_id")
def edit_axis(axis: Axis):
    form = AxisForm(obj=axis)
    if form.validate_on_submit():
        with form.refusals():
            if services.rename_axis(axis, form.name.data, by=current_user):
                flash(f"Eixo {axis.number} renomeado: “{axis.name}”.", "success")
            else:
                flash(f"O eixo {axis.number} já tinha esse nome: nada mudou.", "info")
            return redirect(url_for("agreements.axes"))
    return render("agreements/axis_form.html", "agreements/_axis_form.html", form.status,
                  form=form, number=axis.number)
