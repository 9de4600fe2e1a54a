"""Capacitações: the training an institution delivered (meta 2.2), its evidence and progress."""


from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal.core import audit
from portal.core.access import Action, authorise, can, require
from portal.core.clock import local_today
from portal.core.database import refusal
from portal.core.htmx import is_htmx, render, toast
from portal.core.storage import send_stored
from portal.deliverables.models import Deliverable
from portal.deliverables.signals import deliverable_sections, home_sections
from portal.extensions import db
from portal.training import services
from portal.training.forms import TrainingFilterForm, TrainingForm
from portal.training.models import TrainingRecord

bp = Blueprint("training", __name__)


@bp.get("/capacitacoes")
@login_required
@authorise(Action.TRAINING_LIST)
def trainings():
    return _trainings()


def _trainings(status: int = 200):
    see_all = can(current_user, Action.TRAINING_LIST_ALL)
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
                  progress=services.current_progress(progress_of, local_today()))


@bp.route("/capacitacoes/nova", methods=["GET", "POST"])
@login_required
def new_training():
    require(current_user, Action.TRAINING_CREATE, current_user.institution)
    return _training_form(None)


@bp.route("/capacitacoes/<int:record_id>/editar", methods=["GET", "POST"])
@login_required
@authorise(Action.TRAINING_EDIT, TrainingRecord, "record_id")
def edit_training(record: TrainingRecord):
    return _training_form(record)


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
@authorise(Action.TRAINING_EDIT, TrainingRecord, "record_id")
def delete_training(record: TrainingRecord):
    title = record.title
    services.delete_record(record, by=current_user)
    message = f"Capacitação “{title}” excluída."
    if is_htmx():
        return toast(make_response(_trainings()), message)
    flash(message, "success")
    return redirect(url_for("training.trainings"))


@bp.get("/capacitacoes/<int:record_id>/arquivo")
@login_required
@authorise(Action.TRAINING_VIEW, TrainingRecord, "record_id")
def training_file(record: TrainingRecord):
    if not record.stored_name:
        abort(404)
    return send_stored(
        record.stored_name, name=record.original_name, mimetype=record.content_type,
        audit_event=lambda: audit.record("training.file_downloaded", record, actor=current_user,
                                         name=record.original_name))


@bp.post("/entregas/<int:deliverable_id>/relato-capacitacoes")
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def prefill_report(deliverable: Deliverable):
    """Fill the 2.2 draft with a table of the period's records and the total vs the target."""
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


@home_sections.connect
def _home_progress(user) -> str | None:
    """The current training year's hours on "Minhas entregas"."""
    progress = services.home_progress(user.institution_id, local_today())
    return progress and render_template("training/_training_home.html", progress=progress)


@deliverable_sections.connect
def _deliverable_progress(deliverable: Deliverable, editable: bool) -> str | None:
    """The period's hours against the target on an hours goal's deliverable (2.2)."""
    if not deliverable.goal.min_hours:
        return None
    return render_template(
        "training/_training_deliverable.html",
        deliverable=deliverable,
        editable=editable,
        progress=services.progress_for(deliverable),
    )
