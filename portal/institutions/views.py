"""Institution pages: the filtered list, an institution (members, adherents), and its form."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise
from portal.core.htmx import render
from portal.core.validators import format_cnpj
from portal.extensions import db
from portal.institutions import services
from portal.institutions.forms import FilterInstitutionsForm, InstitutionForm
from portal.institutions.models import Institution

bp = Blueprint("institutions", __name__)


@bp.get("/instituicoes")
@login_required
@authorise(Action.INSTITUTION_LIST)
def institutions():
    filters = FilterInstitutionsForm(request.args)
    filters.validate()
    query = services.search_institutions(
        q=filters.q.data, sphere=filters.sphere.data, uf=filters.uf.data, elo=filters.elo.data
    )
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render(
        "institutions/institutions.html",
        "institutions/_institutions_table.html",
        page=page,
        filters=filters,
    )


@bp.get("/instituicoes/<int:institution_id>")
@login_required
@authorise(Action.INSTITUTION_VIEW, Institution, "institution_id")
def institution(institution: Institution):
    return render(
        "institutions/institution.html",
        "institutions/_institution.html",
        institution=institution,
        members=institution.members,
        adherents=services.adherents_of(institution),
    )


@bp.route("/instituicoes/nova", methods=["GET", "POST"])
@login_required
@authorise(Action.INSTITUTION_CREATE)
def new_institution():
    return _institution_form(None)


@bp.route("/instituicoes/<int:institution_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.INSTITUTION_EDIT, Institution, "institution_id")
def edit_institution(institution: Institution):
    return _institution_form(institution)


def _institution_form(institution: Institution | None):
    form = InstitutionForm(obj=institution)
    if institution is not None and not form.is_submitted():
        form.cnpj.data = format_cnpj(institution.cnpj)
        form.uf.data = institution.uf or ""
        form.parent_cnpj.data = format_cnpj(institution.parent.cnpj) if institution.parent else ""
    if form.validate_on_submit():
        with form.refusals(institution):
            saved = services.save_institution(
                institution,
                by=current_user,
                name=form.name.data,
                acronym=form.acronym.data,
                cnpj=form.cnpj.data,
                sphere=form.sphere.data,
                uf=form.uf.data,
                elo=form.elo.data,
                parent_cnpj=form.parent_cnpj.data,
            )
            flash("Instituição salva.", "success")
            return redirect(url_for("institutions.institution", institution_id=saved.id))
    return render(
        "institutions/institution_form.html",
        "institutions/_institution_form.html",
        form.status,
        form=form,
        institution=institution,
    )
