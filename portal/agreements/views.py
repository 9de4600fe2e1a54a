"""Institution and agreement pages."""

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal.agreements import bp, services
from portal.agreements.forms import (
    AdhesionForm,
    AgreementForm,
    FilterAgreementsForm,
    FilterInstitutionsForm,
    FocalPointForm,
    GoalForm,
    ImportPlanForm,
    InstitutionForm,
)
from portal.agreements.models import (
    AGREEMENT_KINDS,
    AGREEMENT_STATUS,
    AXES,
    RESPONSIBLE,
    Agreement,
    FocalPoint,
    Goal,
    Institution,
)
from portal.auth.models import User
from portal.auth.policy import can, require
from portal.core import audit
from portal.core.clock import local_today
from portal.core.exceptions import DomainError
from portal.core.htmx import is_htmx, render, toast
from portal.core.storage import send_stored
from portal.core.validators import format_cnpj, format_cpf, format_nup
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.plans import services as plans
from portal.plans.importer import PlanParseError, decode_plan, parse_plan
from portal.schedule import engine as schedule


@bp.get("/instituicoes")
@login_required
def institutions():
    require(current_user, "institution.list")
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
def institution(institution_id: int):
    institution = db.get_or_404(Institution, institution_id)
    require(current_user, "institution.view", institution)
    members = db.session.scalars(
        db.select(User).where(User.institution_id == institution.id).order_by(User.name).limit(200)
    ).all()
    adherents = db.session.scalars(
        db.select(Institution)
        .where(Institution.parent_id == institution.id)
        .order_by(Institution.name)
        .limit(200)
    ).all()
    return render(
        "institutions/institution.html",
        "institutions/_institution.html",
        institution=institution,
        members=members,
        adherents=adherents,
    )


@bp.route("/instituicoes/nova", methods=["GET", "POST"])
@login_required
def new_institution():
    require(current_user, "institution.create")
    return _institution_form(None)


@bp.route("/instituicoes/<int:institution_id>/editar", methods=["GET", "POST"])
@login_required
def edit_institution(institution_id: int):
    institution = db.get_or_404(Institution, institution_id)
    require(current_user, "institution.edit", institution)
    return _institution_form(institution)


def _institution_form(institution: Institution | None):
    form = InstitutionForm(obj=institution)
    if institution is not None and not form.is_submitted():
        form.cnpj.data = format_cnpj(institution.cnpj)
        form.uf.data = institution.uf or ""
        form.parent_cnpj.data = format_cnpj(institution.parent.cnpj) if institution.parent else ""
    if form.validate_on_submit():
        try:
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
        except DomainError as error:
            form.fail(error)
        else:
            flash("Instituição salva.", "success")
            return redirect(url_for("agreements.institution", institution_id=saved.id))
    return render(
        "institutions/institution_form.html",
        "institutions/_institution_form.html",
        form.status,
        form=form,
        institution=institution,
    )


# Agreements -----------------------------------------------------------------


def _today() -> date:
    return local_today()


@bp.get("/acordos")
@login_required
def agreements():
    require(current_user, "agreement.list")
    filters = FilterAgreementsForm(request.args)
    filters.validate()
    today = _today()
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


@bp.get("/acordos/<int:agreement_id>")
@login_required
def agreement(agreement_id: int):
    agreement = db.session.scalar(
        db.select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(selectinload(Agreement.parties), selectinload(Agreement.goals))
    )
    if agreement is None:
        abort(404)
    require(current_user, "agreement.view", agreement)
    today = _today()
    owner = None if current_user.is_seges else current_user.institution_id
    adhesions = db.session.scalars(
        db.select(Agreement)
        .where(Agreement.parent_id == agreement.id)
        .order_by(Agreement.signed_on, Agreement.id)
        .limit(500)
    ).all()
    return render(
        "agreements/agreement.html",
        "agreements/_agreement.html",
        agreement=agreement,
        today=today,
        groups=services.goals_by_axis(agreement.goals),
        next_due=services.next_due_dates(agreement, today=today, institution_id=owner),
        last_reports=services.last_reports(agreement, institution_id=owner),
        is_continuous=schedule.is_continuous,
        adhesions=adhesions,
        describe_schedule=schedule.describe_schedule,
        axes=AXES,
        responsible=RESPONSIBLE,
        format_nup=format_nup,
    )


@bp.route("/acordos/<int:agreement_id>/editar", methods=["GET", "POST"])
@login_required
def edit_agreement(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    require(current_user, "agreement.edit", agreement)
    form = AgreementForm(obj=agreement)
    if not form.is_submitted():
        form.sei_process.data = format_nup(agreement.sei_process) if agreement.sei_process else ""
    if form.validate_on_submit():
        term_end = form.term_end.data
        try:
            if form.years.data:
                term_end = schedule.term_end(form.term_start.data, form.years.data)
            created = services.update_agreement(
                agreement,
                by=current_user,
                number=form.number.data,
                work_plan_number=form.work_plan_number.data,
                sei_process=form.sei_process.data,
                object=form.object.data,
                signed_on=form.signed_on.data,
                term_start=form.term_start.data,
                term_end=term_end,
            )
        except schedule.ScheduleError as error:  # e.g. a term running past the year 9999
            form.fail(error.message, error.field)
        except DomainError as error:
            form.fail(error)
        else:
            message = "Instrumento salvo."
            if created > 0:
                message += f" {_deliverables(created)} criada(s) para a nova vigência."
            elif created < 0:
                message += (f" {_deliverables(-created)} futura(s) e ainda não iniciada(s) "
                            "removida(s): caíam fora da nova vigência.")
            flash(message, "success")
            return redirect(url_for("agreements.agreement", agreement_id=agreement.id))
    return render(
        "agreements/agreement_form.html",
        "agreements/_agreement_form.html",
        form.status,
        form=form,
        agreement=agreement,
    )


def _deliverables(count: int) -> str:
    return "1 entrega" if count == 1 else f"{count} entregas"


SCHEDULE_FORM_FIELDS = {
    "once_after_start": ("days", "business_days", "origin"),
    "annual": ("min_hours", "also_on"),
    "periodic": ("months",),
    "on_call": ("trigger",),
    "monthly_after_event": ("day",),
}
_SCHEDULE_KEYS = {"origin": "from"}
_FORM_FIELDS = {"from": "origin", "event": "day"}


def _schedule_from(form: GoalForm) -> dict:
    """The schedule dict a goal form describes (validate_schedule checks it)."""
    result: dict = {"kind": form.kind.data}
    for name in SCHEDULE_FORM_FIELDS.get(form.kind.data, ()):
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
            if not value:
                continue
            if value.isdigit() and name in {"days", "months", "min_hours", "day"}:
                value = int(value)
        result[_SCHEDULE_KEYS.get(name, name)] = value
    return result


def _fill_schedule(form: GoalForm, goal_schedule: dict) -> None:
    form.kind.data = goal_schedule.get("kind", "manual")
    for key in ("days", "months", "min_hours", "day"):
        if goal_schedule.get(key) is not None:
            form[key].data = str(goal_schedule[key])
    form.business_days.data = bool(goal_schedule.get("business_days"))
    form.origin.data = goal_schedule.get("from") or "start"
    form.also_on.data = goal_schedule.get("also_on") or ""
    form.trigger.data = goal_schedule.get("trigger") or "meeting"


@bp.route("/acordos/<int:agreement_id>/metas/<int:goal_id>/editar", methods=["GET", "POST"])
@login_required
def edit_goal(agreement_id: int, goal_id: int):
    goal = db.get_or_404(Goal, goal_id)
    if goal.agreement_id != agreement_id:
        abort(404)
    require(current_user, "goal.edit", goal)
    form = GoalForm(obj=goal)
    if not form.is_submitted():
        _fill_schedule(form, goal.schedule or {})
    if form.validate_on_submit():
        try:
            goal_schedule = schedule.validate_schedule(_schedule_from(form))
        except schedule.ScheduleError as error:
            field = _FORM_FIELDS.get(error.field, error.field) or "kind"
            form.fail(error.message, field=field)
        else:
            created = services.update_goal(
                goal,
                by=current_user,
                today=_today(),
                description=form.description.data,
                deadline_text=form.deadline_text.data,
                responsible=form.responsible.data,
                applies_to_adherents=form.applies_to_adherents.data,
                schedule=goal_schedule,
                roles=form.roles.data or [],
            )
            flash(
                f"Meta {goal.code} salva; {_deliverables(created)} gerada(s) a partir de hoje.",
                "success",
            )
            return redirect(url_for("agreements.agreement", agreement_id=agreement_id))
    return render(
        "plans/goal_form.html",
        "plans/_goal_form.html",
        form.status,
        form=form,
        goal=goal,
        agreement=goal.agreement,
        schedule_fields=SCHEDULE_FORM_FIELDS,
    )


@bp.route("/acordos/importar", methods=["GET", "POST"])
@login_required
def import_agreement():
    require(current_user, "agreement.import")
    form = ImportPlanForm()
    plan = None
    if form.validate_on_submit():
        plan = _read_plan(form)
        if plan is not None and request.form.get("confirm") == "1":
            if form.start.data is None:
                form.fail("Informe o início da vigência para importar.", field="start")
            else:
                try:
                    agreement, created = plans.import_plan(
                        plan,
                        start=form.start.data,
                        years=form.years.data or 5,
                        by=current_user,
                        number=form.number.data or None,
                    )
                except DomainError as error:
                    form.fail(error)
                else:
                    return redirect(_imported(agreement, created))
    return render(
        "plans/import.html",
        "plans/_import.html",
        form.status,
        form=form,
        plan=plan,
        describe_schedule=schedule.describe_schedule,
        groups=_plan_groups(plan) if plan else [],
        kinds=AGREEMENT_KINDS,
        responsible=RESPONSIBLE,
    )


def _read_plan(form: ImportPlanForm) -> dict | None:
    """The plan from the uploaded file (decoded as the CLI does) or the pasted text."""
    field = "file" if form.file.data else "text"
    try:
        if form.file.data:
            form.text.data = decode_plan(form.file.data.read())
        if not (form.text.data or "").strip():
            form.fail("Envie o arquivo ou cole o texto do Plano de Trabalho.", field="text")
            return None
        return parse_plan(form.text.data)
    except PlanParseError as error:
        form.fail(str(error), field=field)
        return None


def _imported(agreement: Agreement, created: bool) -> str:
    count = db.session.scalar(
        db.select(db.func.count(Deliverable.id))
        .join(Goal, Deliverable.goal_id == Goal.id)
        .where(Goal.agreement_id == agreement.id)
    )
    if created:
        flash(
            f"{agreement.title} importado: {len(agreement.goals)} metas e "
            f"{_deliverables(count)} criada(s).",
            "success",
        )
    else:
        flash(f"{agreement.title} já existia; nada foi duplicado.", "info")
    return url_for("agreements.agreement", agreement_id=agreement.id)


def _plan_groups(plan: dict) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    combined = []
    for goal in plan["goals"]:
        axes_ = goal.get("axes") or []
        if len(axes_) == 1:
            groups.setdefault(f"Eixo {axes_[0]} — {AXES.get(axes_[0], '')}", []).append(goal)
        else:
            combined.append(goal)
    result = sorted(groups.items())
    if combined:
        result.append(("Eixos combinados", combined))
    return result


@bp.route("/acordos/<int:agreement_id>/adesoes/nova", methods=["GET", "POST"])
@login_required
def new_adhesion(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    require(current_user, "adhesion.register", agreement)
    form = AdhesionForm()
    if form.validate_on_submit():
        try:
            adhesion = plans.register_adhesion(
                agreement,
                by=current_user,
                name=form.name.data,
                cnpj=form.cnpj.data,
                sphere=form.sphere.data,
                uf=form.uf.data or None,
                signed_on=form.signed_on.data,
                acronym=form.acronym.data or None,
                document=form.document.data if form.document.data else None,
            )
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
        else:
            flash(
                f"Adesão de {adhesion.partner.name} registrada, com {len(adhesion.goals)} metas.",
                "success",
            )
            return redirect(url_for("agreements.agreement", agreement_id=agreement.id))
    return render(
        "plans/adhesion_form.html",
        "plans/_adhesion_form.html",
        form.status,
        form=form,
        agreement=agreement,
    )


@bp.get("/acordos/<int:agreement_id>/termo-assinado")
@login_required
def signed_document(agreement_id: int):
    """The signed term of an adhesion: authorised, audited, always as an attachment."""
    agreement = db.get_or_404(Agreement, agreement_id)
    require(current_user, "agreement.view", agreement)
    if not agreement.document_stored_name:
        abort(404)
    return send_stored(
        agreement.document_stored_name, name=agreement.document_name or "termo.pdf",
        mimetype="application/pdf",
        audit_event=lambda: audit.record("agreement.document_downloaded", agreement,
                                         actor=current_user, institution_id=agreement.partner_id))


@bp.app_context_processor
def _agreement_helpers() -> dict:
    """``agreements_of(institution_id)`` for the home page's "Meu acordo" card."""
    return {"agreements_of": services.agreements_of}


# Focal points (servidores indicados, metas 1.1, 1.2, 1.3 e 2.1) -------------------------


def _institution_for(institution_id: int, action: str) -> Institution:
    institution = db.get_or_404(Institution, institution_id)
    require(current_user, action, institution)
    return institution


def _focal_point_for(focal_point_id: int, action: str) -> FocalPoint:
    focal_point = db.get_or_404(FocalPoint, focal_point_id)
    require(current_user, action, focal_point.institution)
    return focal_point


def _unmasked(items) -> set[int]:
    """Ids whose CPF this user may read in full; each such display is audited."""
    shown = [item for item in items if can(current_user, "focal_point.see_cpf", item)]
    if shown:
        focal_points.record_cpf_views(shown, by=current_user)
    return {item.id for item in shown}


@bp.get("/servidores")
@login_required
def my_focal_points():
    """Menu entry: partners go to their own list; SEGES to the Painel Gerencial requests."""
    if can(current_user, "focal_point.painel_requests"):
        return redirect(url_for("agreements.painel_requests"))
    return redirect(
        url_for("agreements.focal_point_list", institution_id=current_user.institution_id)
    )


@bp.get("/instituicoes/<int:institution_id>/servidores")
@login_required
def focal_point_list(institution_id: int):
    institution = _institution_for(institution_id, "focal_point.view")
    return _focal_point_list(institution)


def _focal_point_list(institution: Institution, status: int = 200):
    current = db.session.scalars(focal_points.current_query(institution.id).limit(200)).all()
    history = db.paginate(
        focal_points.history_query(institution.id),
        per_page=current_app.config["ITEMS_PER_PAGE"],
        error_out=False,
    )
    snapshot_target = None
    if can(current_user, "focal_point.attach", institution):
        snapshot_target = focal_points.snapshot_deliverable(institution.id, _today())
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
def new_focal_point(institution_id: int):
    institution = _institution_for(institution_id, "focal_point.manage")
    return _focal_point_form(institution, None)


@bp.route("/servidores/<int:focal_point_id>/editar", methods=["GET", "POST"])
@login_required
def edit_focal_point(focal_point_id: int):
    focal_point = _focal_point_for(focal_point_id, "focal_point.manage")
    if not focal_point.is_current:
        flash("Esta indicação já foi encerrada; ela só aparece no histórico.", "warning")
        return redirect(
            url_for("agreements.focal_point_list", institution_id=focal_point.institution_id)
        )
    return _focal_point_form(focal_point.institution, focal_point)


def _focal_point_form(institution: Institution, focal_point: FocalPoint | None):
    form = FocalPointForm(obj=focal_point)
    if focal_point is not None and not form.is_submitted():
        form.cpf.data = format_cpf(focal_point.cpf)
        focal_points.record_cpf_views([focal_point], by=current_user)
    if form.validate_on_submit():
        fields = {
            "purpose": form.purpose.data,
            "name": form.name.data,
            "cpf": form.cpf.data,
            "phone": form.phone.data,
            "email": form.email.data,
        }
        try:
            if focal_point is None:
                focal_points.create(institution, by=current_user, **fields)
            else:
                focal_points.update(focal_point, by=current_user, **fields)
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
        else:
            flash("Indicação salva.", "success")
            return redirect(url_for("agreements.focal_point_list", institution_id=institution.id))
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
    focal_point = _focal_point_for(focal_point_id, "focal_point.manage")
    institution = focal_point.institution
    try:
        focal_points.end(focal_point, by=current_user)
    except DomainError as error:
        message, level = error.message, "warning"
    else:
        message, level = "Indicação encerrada; ela continua no histórico.", "success"
    if is_htmx():
        response = make_response(_focal_point_list(institution))
        return toast(response, message, level)
    flash(message, level)
    return redirect(url_for("agreements.focal_point_list", institution_id=institution.id))


@bp.post("/instituicoes/<int:institution_id>/servidores/anexar")
@login_required
def attach_focal_points(institution_id: int):
    """One click: the current list (CPFs masked) as a CSV in the focal-points goal's draft."""
    institution = _institution_for(institution_id, "focal_point.attach")
    back = url_for("agreements.focal_point_list", institution_id=institution.id)
    deliverable = focal_points.snapshot_deliverable(institution.id, _today())
    if deliverable is None:
        flash(
            "Não há relato aberto da meta de indicação de servidores: a lista não foi "
            "anexada. Confira em Minhas entregas se o relato já foi enviado.",
            "warning",
        )
        return redirect(back)
    require(current_user, "deliverable.edit", deliverable)
    try:
        evidence = focal_points.attach_snapshot(deliverable, by=current_user, today=_today())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(back)
    flash(
        f"Lista anexada ao rascunho da meta {deliverable.goal.code} ({deliverable.period_label}): "
        f"{evidence.original_name}.",
        "success",
    )
    return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))


@bp.get("/servidores/painel")
@login_required
def painel_requests():
    require(current_user, "focal_point.painel_requests")
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
def grant_painel_access(focal_point_id: int):
    focal_point = db.get_or_404(FocalPoint, focal_point_id)
    require(current_user, "focal_point.grant_access", focal_point)
    try:
        focal_points.grant_access(focal_point, by=current_user)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(
            f"Acesso de {focal_point.name} ao Painel Gerencial marcado como concedido; "
            "os coordenadores da instituição foram avisados.",
            "success",
        )
    return redirect(url_for("agreements.painel_requests"))
