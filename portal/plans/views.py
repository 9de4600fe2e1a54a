"""Work-plan pages: an agreement's page and its editing, a goal's schedule, importing a
Plano de Trabalho, and registering an adhesion."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.agreements import services as agreements
from portal.agreements.models import AGREEMENT_KINDS, RESPONSIBLE, Agreement, Goal
from portal.core.access import Action, authorise, require
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.validators import format_nup
from portal.deliverables import services as deliverables
from portal.extensions import db
from portal.plans import services
from portal.plans.forms import (
    SCHEDULE_KIND_LABELS,
    AdhesionForm,
    AgreementForm,
    GoalForm,
    ImportPlanForm,
)
from portal.plans.importer import PlanParseError, decode_plan, parse_plan
from portal.schedule import engine as schedule

bp = Blueprint("plans", __name__)


@bp.get("/acordos/<int:agreement_id>")
@login_required
@authorise(Action.AGREEMENT_VIEW, services.agreement_with_goals, "agreement_id")
def agreement(agreement: Agreement):
    today = local_today()
    owner = None if current_user.is_seges else current_user.institution_id
    return render(
        "plans/agreement.html",
        "plans/_agreement.html",
        agreement=agreement,
        today=today,
        groups=agreements.goals_by_axis(agreement.goals),
        next_due=deliverables.next_due_dates(agreement, today=today, institution_id=owner),
        last_reports=deliverables.last_reports(agreement, institution_id=owner),
        is_continuous=schedule.is_continuous,
        adhesions=services.adhesions_of(agreement),
        describe_schedule=schedule.describe_schedule,
        axes=agreements.axis_names(),
        responsible=RESPONSIBLE,
        format_nup=format_nup,
    )


@bp.route("/acordos/<int:agreement_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.AGREEMENT_EDIT, Agreement, "agreement_id")
def edit_agreement(agreement: Agreement):
    form = AgreementForm(obj=agreement)
    if not form.is_submitted():
        form.sei_process.data = format_nup(agreement.sei_process) if agreement.sei_process else ""
    if form.validate_on_submit():
        term_end = form.term_end.data
        with form.refusals(agreement):  # also a term running past the year 9999 (ScheduleError)
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
            message = "Instrumento salvo."
            if created > 0:
                message += f" {_deliverables(created)} criada(s) para a nova vigência."
            elif created < 0:
                message += (f" {_deliverables(-created)} futura(s) e ainda não iniciada(s) "
                            "removida(s): caíam fora da nova vigência.")
            flash(message, "success")
            return redirect(url_for("plans.agreement", agreement_id=agreement.id))
    return render(
        "plans/agreement_form.html",
        "plans/_agreement_form.html",
        form.status,
        form=form,
        agreement=agreement,
    )


def _deliverables(count: int) -> str:
    return "1 entrega" if count == 1 else f"{count} entregas"


@bp.route("/acordos/<int:agreement_id>/metas/<int:goal_id>/editar", methods=["GET", "POST"])
@login_required
def edit_goal(agreement_id: int, goal_id: int):
    goal = db.get_or_404(Goal, goal_id)
    if goal.agreement_id != agreement_id:
        abort(404)
    require(current_user, Action.GOAL_EDIT, goal)
    form = GoalForm(obj=goal)
    if not form.is_submitted():
        form.load_schedule(goal.schedule or {})
    if form.validate_on_submit():
        with form.refusals():
            goal_schedule = schedule.validate_schedule(form.schedule())
            created = services.update_goal(
                goal,
                by=current_user,
                today=local_today(),
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
            return redirect(url_for("plans.agreement", agreement_id=agreement_id))
    return render(
        "plans/goal_form.html",
        "plans/_goal_form.html",
        form.status,
        form=form,
        goal=goal,
        agreement=goal.agreement,
        schedule_fields=GoalForm.SCHEDULE_FIELDS,
        kind_labels=SCHEDULE_KIND_LABELS,
    )


@bp.route("/acordos/importar", methods=["GET", "POST"])
@login_required
@authorise(Action.AGREEMENT_IMPORT)
def import_agreement():
    """Upload or paste a plan → each meta as read, unsure ones to correct in place → confirm.
    Nothing is written before the confirmation."""
    form = ImportPlanForm()
    plan = changes = None
    corrected: dict[str, dict] = {}
    if form.is_submitted():
        valid = form.validate()
        if not (form.file.errors or form.text.errors):
            plan = _read_plan(form)
        if plan is not None:
            plan, corrected, review_ok = _apply_review(form, plan)
            existing = services.existing_agreement(plan, form.number.data or None)
            changes = services.plan_changes(existing, plan) if existing else None
            if review_ok and request.form.get("confirm") == "1":
                if valid and form.start.data is None:
                    form.fail("Informe o início da vigência para importar.", field="start")
                elif valid:
                    with form.refusals():
                        agreement, created = services.import_plan(
                            plan,
                            start=form.start.data,
                            years=form.years.data or 5,
                            by=current_user,
                            number=form.number.data or None,
                            corrected=corrected,
                        )
                        return redirect(_imported(agreement, created, changes))
            if review_ok:
                _load_review(form, plan)
    return render(
        "plans/import.html",
        "plans/_import.html",
        form.status,
        form=form,
        plan=plan,
        changes=changes,
        reviews={entry.form.code.data: entry.form for entry in form.goals},
        due_dates=_due_dates(form, plan) if plan else {},
        describe_schedule=schedule.describe_schedule,
        groups=_plan_groups(plan) if plan else [],
        kinds=AGREEMENT_KINDS,
        responsible=RESPONSIBLE,
        kind_labels=SCHEDULE_KIND_LABELS,
        schedule_fields=GoalForm.SCHEDULE_FIELDS,
    )


def _apply_review(form: ImportPlanForm, plan: dict) -> tuple[dict, dict, bool]:
    """The plan with the corrections typed on the preview, what they changed, and whether
    every correction could be read (else the entries keep what was typed, with errors)."""
    codes = {goal["code"] for goal in plan["goals"]}
    corrections, ok = {}, True
    for entry in form.goals:
        review = entry.form
        if review.code.data not in codes:
            continue
        if review.errors:
            ok = False
            continue
        try:
            goal_schedule = schedule.validate_schedule(review.schedule())
        except schedule.ScheduleError as error:
            review.fail_schedule(error)  # at the field, and in the summary above the form
            form.form_errors.append(f"Meta {review.code.data}: {error.message}")
            ok = False
            continue
        corrections[review.code.data] = {
            "schedule": goal_schedule, "adherent": review.adherent.data
        }
    plan, changed = services.reviewed_plan(plan, corrections)
    return plan, changed, ok


def _load_review(form: ImportPlanForm, plan: dict) -> None:
    """One correction entry per meta, holding the current reading."""
    while form.goals.entries:
        form.goals.pop_entry()
    adherents = set(plan.get("adherent_goal_codes") or [])
    for goal in plan["goals"]:
        entry = form.goals.append_entry(
            {"code": goal["code"], "adherent": goal["code"] in adherents}
        )
        entry.form.load_schedule(goal["schedule"])


def _due_dates(form: ImportPlanForm, plan: dict) -> dict[str, list[date]]:
    if form.start.data is None or form.start.errors:
        return {}
    years = form.years.data if form.years.data and not form.years.errors else 5
    return {
        goal["code"]: services.first_due_dates(
            plan, goal["schedule"], start=form.start.data, years=years
        )
        for goal in plan["goals"]
    }


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


def _imported(agreement: Agreement, created: bool, changes) -> str:
    count = services.deliverable_count(agreement)
    if created:
        flash(
            f"{agreement.title} importado: {len(agreement.goals)} metas e "
            f"{_deliverables(count)} criada(s).",
            "success",
        )
    elif changes is not None and changes.any:
        parts = [f"{len(changes.added)} meta(s) incluída(s)", f"{len(changes.changed)} alterada(s)",
                 f"{len(changes.removed)} removida(s)"]
        kept = f"; {len(changes.kept)} mantida(s) por já terem envios" if changes.kept else ""
        flash(f"{agreement.title} atualizado pelo plano: {', '.join(parts)}{kept}.", "success")
    else:
        flash(f"{agreement.title} já existia e o plano não mudou; nada foi duplicado.", "info")
    return url_for("plans.agreement", agreement_id=agreement.id)


def _plan_groups(plan: dict) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    combined = []
    for goal in plan["goals"]:
        axes_ = goal.get("axes") or []
        if len(axes_) == 1:
            groups.setdefault(agreements.axis_label(axes_[0]), []).append(goal)
        else:
            combined.append(goal)
    result = sorted(groups.items())
    if combined:
        result.append(("Eixos combinados", combined))
    return result


@bp.route("/acordos/<int:agreement_id>/adesoes/nova", methods=["GET", "POST"])
@login_required
@authorise(Action.ADHESION_REGISTER, Agreement, "agreement_id")
def new_adhesion(agreement: Agreement):
    form = AdhesionForm()
    if form.validate_on_submit():
        with form.refusals(agreement):
            adhesion = services.register_adhesion(
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
            flash(
                f"Adesão de {adhesion.partner.name} registrada, com {len(adhesion.goals)} metas.",
                "success",
            )
            return redirect(url_for("plans.agreement", agreement_id=agreement.id))
    return render(
        "plans/adhesion_form.html",
        "plans/_adhesion_form.html",
        form.status,
        form=form,
        agreement=agreement,
    )


