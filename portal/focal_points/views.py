"""Servidores indicados pages (metas 1.1, 1.2, 1.3 e 2.1): an institution's list and history,
naming, replacing and ending one, attaching the list to the goal's report, and SEGES's
Painel Gerencial requests."""


from flask import Blueprint, current_app, flash, make_response, redirect, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise, can, require
from portal.core.clock import local_today
from portal.core.database import refusal
from portal.core.htmx import is_htmx, render, toast
from portal.core.validators import format_cpf
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.focal_points.forms import FocalPointForm
from portal.focal_points.models import FocalPoint
from portal.institutions.models import Institution

bp = Blueprint("focal_points", __name__)


def _focal_point_for(focal_point_id: int, action: Action) -> FocalPoint:
    focal_point = db.get_or_404(FocalPoint, focal_point_id)
    require(current_user, action, focal_point.institution)
    return focal_point


def _unmasked(items) -> set[int]:
    """Ids whose CPF this user may read in full; the display is audited (once per page)."""
    shown = [item for item in items if can(current_user, Action.FOCAL_POINT_SEE_CPF, item)]
    focal_points.record_cpf_view(shown, by=current_user)
    return {item.id for item in shown}


@bp.get("/servidores")
@login_required
def my_focal_points():
    """Menu entry: partners go to their own list; SEGES to the Painel Gerencial requests."""
    if can(current_user, Action.FOCAL_POINT_PAINEL_REQUESTS):
        return redirect(url_for("focal_points.painel_requests"))
    return redirect(
        url_for("focal_points.focal_point_list", institution_id=current_user.institution_id)
    )


@bp.get("/instituicoes/<int:institution_id>/servidores")
@login_required
@authorise(Action.FOCAL_POINT_VIEW, Institution, "institution_id")
def focal_point_list(institution: Institution):
    return _focal_point_list(institution)


def _focal_point_list(institution: Institution, status: int = 200):
    current = db.session.scalars(focal_points.current_query(institution.id).limit(200)).all()
    history = db.paginate(
        focal_points.history_query(institution.id),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    snapshot_target = None
    if can(current_user, Action.FOCAL_POINT_ATTACH, institution):
        snapshot_target = focal_points.snapshot_deliverable(institution.id, local_today())
    return render(
        "focal_points/focal_points.html",
        "focal_points/_focal_points.html",
        status,
        institution=institution,
        current=current,
        history=history,
        unmasked=_unmasked(current),
        format_cpf=format_cpf,
        snapshot_target=snapshot_target,
    )


@bp.route("/instituicoes/<int:institution_id>/servidores/novo", methods=["GET", "POST"])
@login_required
@authorise(Action.FOCAL_POINT_MANAGE, Institution, "institution_id")
def new_focal_point(institution: Institution):
    return _focal_point_form(institution, None)


@bp.route("/servidores/<int:focal_point_id>/editar", methods=["GET", "POST"])
@login_required
def edit_focal_point(focal_point_id: int):
    focal_point = _focal_point_for(focal_point_id, Action.FOCAL_POINT_MANAGE)
    if not focal_point.is_current:
        flash("Esta indicação já foi encerrada; ela só aparece no histórico.", "warning")
        return redirect(
            url_for("focal_points.focal_point_list", institution_id=focal_point.institution_id)
        )
    return _focal_point_form(focal_point.institution, focal_point)


def _focal_point_form(institution: Institution, focal_point: FocalPoint | None):
    form = FocalPointForm(obj=focal_point)
    if focal_point is not None and not form.is_submitted():
        form.cpf.data = format_cpf(focal_point.cpf)
        focal_points.record_cpf_view([focal_point], by=current_user)
    if form.validate_on_submit():
        fields = {
            "purpose": form.purpose.data,
            "name": form.name.data,
            "cpf": form.cpf.data,
            "phone": form.phone.data,
            "email": form.email.data,
        }
        with form.refusals():
            if focal_point is None:
                focal_points.create(institution, by=current_user, **fields)
            else:
                focal_points.update(focal_point, by=current_user, **fields)
            flash("Indicação salva.", "success")
            return redirect(url_for("focal_points.focal_point_list", institution_id=institution.id))
    return render(
        "focal_points/focal_point_form.html",
        "focal_points/_focal_point_form.html",
        form.status,
        form=form,
        institution=institution,
        focal_point=focal_point,
    )


@bp.post("/servidores/<int:focal_point_id>/encerrar")
@login_required
def end_focal_point(focal_point_id: int):
    focal_point = _focal_point_for(focal_point_id, Action.FOCAL_POINT_MANAGE)
    institution = focal_point.institution
    with refusal() as refused:
        focal_points.end(focal_point, by=current_user)
    message, level = ((refused.message, "warning") if refused.error else
                      ("Indicação encerrada; ela continua no histórico.", "success"))
    if is_htmx():
        response = make_response(_focal_point_list(institution))
        return toast(response, message, level)
    flash(message, level)
    return redirect(url_for("focal_points.focal_point_list", institution_id=institution.id))


@bp.post("/instituicoes/<int:institution_id>/servidores/anexar")
@login_required
@authorise(Action.FOCAL_POINT_ATTACH, Institution, "institution_id")
def attach_focal_points(institution: Institution):
    """One click: the current list (CPFs masked) as a CSV in the focal-points goal's draft."""
    back = url_for("focal_points.focal_point_list", institution_id=institution.id)
    deliverable = focal_points.snapshot_deliverable(institution.id, local_today())
    if deliverable is None:
        flash(
            "Não há relato aberto da meta de indicação de servidores: a lista não foi "
            "anexada. Confira em Minhas entregas se o relato já foi enviado.",
            "warning",
        )
        return redirect(back)
    require(current_user, Action.DELIVERABLE_EDIT, deliverable)
    with refusal() as refused:
        evidence = focal_points.attach_snapshot(deliverable, by=current_user, today=local_today())
    if refused.error:
        flash(refused.message, "danger")
        return redirect(back)
    flash(
        f"Lista anexada ao rascunho da meta {deliverable.goal.code} ({deliverable.period_label}): "
        f"{evidence.original_name}.",
        "success",
    )
    return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))


@bp.get("/servidores/painel")
@login_required
@authorise(Action.FOCAL_POINT_PAINEL_REQUESTS)
def painel_requests():
    page = db.paginate(
        focal_points.pending_painel_query(),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    return render(
        "focal_points/painel_requests.html",
        "focal_points/_painel_requests.html",
        page=page,
        unmasked=_unmasked(page.items),
        format_cpf=format_cpf,
    )


@bp.post("/servidores/<int:focal_point_id>/acesso-concedido")
@login_required
@authorise(Action.FOCAL_POINT_GRANT_ACCESS, FocalPoint, "focal_point_id")
def grant_painel_access(focal_point: FocalPoint):
    with refusal() as refused:
        focal_points.grant_access(focal_point, by=current_user)
    if refused.error:
        flash(refused.message, "warning")
    else:
        flash(
            f"Acesso de {focal_point.name} ao Painel Gerencial marcado como concedido; "
            "os coordenadores da instituição foram avisados.",
            "success",
        )
    return redirect(url_for("focal_points.painel_requests"))
