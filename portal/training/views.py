"""Capacitações: the training an institution delivered (meta 2.2), its evidence and progress."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.auth.policy import can, require
from portal.core import audit
from portal.core.clock import local_today
from portal.core.database import refusal
from portal.core.htmx import is_htmx, render, toast
from portal.core.storage import send_stored
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.training import services
from portal.training.forms import TrainingFilterForm, TrainingForm
from portal.training.models import TrainingRecord

bp = Blueprint("training", __name__)


def today() -> date:
    return local_today()


def _record(record_id: int, action: str) -> TrainingRecord:
    record = db.get_or_404(TrainingRecord, record_id)
    require(current_user, action, record)
    return record


@bp.get("/capacitacoes")
@login_required
def trainings():
    require(current_user, "training.list")
    return _trainings()


def _trainings(status: int = 200):
    see_all = can(current_user, "training.list_all")
    own = current_user.institution_id
    filters = TrainingFilterForm(
        request.args, years=services.years_of(None if see_all else own),
        institutions=services.institutions_with_records() if see_all else ())
    filters.validate()
    institution_id = own
    if see_all:
        institution_id = filters.clean("instituicao", int)
    query = services.records_query(institution_id,
                                   filters.clean("ano", int))
    page = db.paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    progress_of = institution_id if institution_id is not None else own
    return render("training/trainings.html", "training/_trainings.html", status, page=page,
                  filters=filters, see_all=see_all,
                  progress=services.current_progress(progress_of, today()))


@bp.route("/capacitacoes/nova", methods=["GET", "POST"])
@login_required
def new_training():
    require(current_user, "training.create", current_user.institution)
    return _training_form(None)


@bp.route("/capacitacoes/<int:record_id>/editar", methods=["GET", "POST"])
@login_required
def edit_training(record_id: int):
    return _training_form(_record(record_id, "training.edit"))


def _training_form(record: TrainingRecord | None):
    form = TrainingForm(obj=record)
    if form.validate_on_submit():
        with form.refusals():
            services.save_record(
                record, institution_id=current_user.institution_id, by=current_user,
                title=form.title.data, start_on=form.start_on.data, end_on=form.end_on.data,
                hours=form.hours.data, participants=form.participants.data,
                modality=form.modality.data, upload=form.file.data or None)
            flash("Capacitação salva.", "success")
            return redirect(url_for("training.trainings"))
    return render("training/training_form.html", "training/_training_form.html", form.status,
                  form=form, record=record)


@bp.post("/capacitacoes/<int:record_id>/excluir")
@login_required
def delete_training(record_id: int):
    record = _record(record_id, "training.edit")
    title = record.title
    services.delete_record(record, by=current_user)
    message = f"Capacitação “{title}” excluída."
    if is_htmx():
        return toast(make_response(_trainings()), message)
    flash(message, "success")
    return redirect(url_for("training.trainings"))


@bp.get("/capacitacoes/<int:record_id>/arquivo")
@login_required
def training_file(record_id: int):
    record = _record(record_id, "training.view")
    if not record.stored_name:
        abort(404)
    return send_stored(
        record.stored_name, name=record.original_name, mimetype=record.content_type,
        audit_event=lambda: audit.record("training.file_downloaded", record, actor=current_user,
                                         name=record.original_name))


@bp.post("/entregas/<int:deliverable_id>/relato-capacitacoes")
@login_required
def prefill_report(deliverable_id: int):
    """Fill the 2.2 draft with a table of the period's records and the total vs the target."""
    deliverable = db.get_or_404(Deliverable, deliverable_id)
    require(current_user, "deliverable.edit", deliverable)
    if not deliverable.goal.min_hours:
        abort(404)
    with refusal() as refused:
        services.prefill_report(deliverable, by=current_user)
    if refused.error:  # back to the deliverable, untouched, with the reason
        flash(refused.message, "warning")
    else:
        flash("Relato preenchido com as capacitações registradas. Revise-o antes de enviar.",
              "success")
    return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))


@bp.app_context_processor
def _training_helpers() -> dict:
    """Progress bars on "Minhas entregas" and on the 2.2 deliverable page."""
    return {
        "training_progress_now": lambda institution_id: services.current_progress(
            institution_id, today()),
        "training_progress_of": services.progress_for,
    }
