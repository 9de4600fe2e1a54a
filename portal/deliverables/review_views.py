"""SEGES review: the queue, the analysis of a submission, decisions, waivers, previews."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.core import audit
from portal.core.access import Action, authorise, require
from portal.core.clock import local_today
from portal.core.htmx import render
from portal.core.pagination import page_numbers, paginate_counted, requested_page
from portal.core.storage import send_stored
from portal.core.templating import render_markup
from portal.deliverables import reviews, services
from portal.deliverables.forms import DecisionForm, QueueFilterForm, WaiveForm
from portal.deliverables.models import Deliverable, Evidence, Submission
from portal.deliverables.views import bp
from portal.extensions import db

bp.add_app_template_global(reviews.waiting_days)

PDF = "application/pdf"
PREVIEWABLE = frozenset({PDF, "image/png", "image/jpeg"})


@bp.get("/analise")
@login_required
@authorise(Action.REVIEW_QUEUE)
def queue():
    filters = QueueFilterForm(request.args)
    filters.validate()
    chosen = {"partner": filters.clean("parceiro"), "elo": filters.clean("elo"),
              "uf": filters.clean("uf"), "axis": filters.clean("eixo", int),
              "goal_code": filters.clean("codigo"), "waiting_days": filters.clean("espera", int),
              "today": local_today()}
    query = reviews.queue_query(**chosen)
    total = reviews.queue_count(query, chosen)

    def rendered() -> Markup:  # the same for every reviewer: kept
        page = paginate_counted(query, lambda: total)
        return render_markup("deliverables/_queue_rows.html", page=page, today=chosen["today"])

    return render(
        "deliverables/queue.html",
        "deliverables/_queue.html",
        rows=reviews.kept_queue_page(
            {**chosen, "root": request.script_root}, requested_page(), rendered),
        page=page_numbers(total),
        filters=filters,
        total=reviews.waiting_count(),
    )


def _analysis(
    deliverable: Deliverable,
    form: DecisionForm | None = None,
    waive_form: WaiveForm | None = None,
    status: int = 200,
):
    """The submission under review first (report, evidence with previews, what changed since
    the return), the decision after it, then the earlier versions."""
    deliverable = services.with_page_context(deliverable)
    versions = services.versions(deliverable)
    current = next((v for v in versions if v.status == "submitted"), None)
    if form is None and current is not None:
        form = DecisionForm(submission_id=current.id)
    return render(
        "deliverables/analysis.html",
        "deliverables/_analysis.html",
        status,
        deliverable=deliverable,
        current=current,
        history=[v for v in versions if v is not current],
        form=form,
        waive_form=waive_form or WaiveForm(),
        changes=reviews.changes_since_return(current) if current else None,
        today=local_today(),
        previewable=PREVIEWABLE,
    )


@bp.get("/analise/<int:deliverable_id>")
@login_required
@authorise(Action.REVIEW_DECIDE, Deliverable, "deliverable_id")
def analysis(deliverable: Deliverable):
    return _analysis(deliverable)


@bp.post("/analise/<int:deliverable_id>/decisao")
@login_required
@authorise(Action.REVIEW_DECIDE, Deliverable, "deliverable_id")
def decide(deliverable: Deliverable):
    form = DecisionForm()
    form.validate()
    # Every problem at once: the form's own checks and the rules of a decision.
    for name, message in reviews.decision_problems(
        form.decision.data, form.reason_code.data, form.comment.data
    ).items():
        if not form[name].errors:
            form.fail(message, name)
    if form.has_errors:
        return _analysis(deliverable, form=form, status=422)
    submission = db.session.get(Submission, int(form.submission_id.data))
    if submission is None or submission.deliverable_id != deliverable.id:
        abort(404)
    with form.refusals():
        review = reviews.decide(
            submission,
            by=current_user,
            decision=form.decision.data,
            reason_code=form.reason_code.data or None,
            comment=form.comment.data,
        )
    if isinstance(form.refused, reviews.AlreadyDecided):  # another reviewer decided first
        flash(form.refused.message, "warning")
        return _analysis(deliverable, status=409)
    if form.refused:
        return _analysis(deliverable, form=form, status=form.status)
    flash(
        f"Meta {deliverable.goal.code} de {deliverable.institution.acronym or ''} "
        f"{review.decision_label.lower()}. O parceiro foi notificado.",
        "success",
    )
    return redirect(url_for("deliverables.queue"))


@bp.post("/entregas/<int:deliverable_id>/dispensar")
@login_required
@authorise(Action.DELIVERABLE_WAIVE, Deliverable, "deliverable_id")
def waive(deliverable: Deliverable):
    form = WaiveForm()
    if form.validate():
        with form.refusals():
            reviews.waive(deliverable, by=current_user, reason=form.reason.data)
    if form.has_errors:
        return _analysis(deliverable, waive_form=form, status=form.status)
    flash("Entrega dispensada.", "success")
    return redirect(url_for("deliverables.analysis", deliverable_id=deliverable.id))


@bp.post("/entregas/<int:deliverable_id>/desfazer-dispensa")
@login_required
@authorise(Action.DELIVERABLE_WAIVE, Deliverable, "deliverable_id")
def undo_waiver(deliverable: Deliverable):
    reviews.undo_waiver(deliverable, by=current_user)
    flash("Dispensa desfeita: a entrega voltou à situação anterior.", "success")
    return redirect(url_for("deliverables.analysis", deliverable_id=deliverable.id))


@bp.get("/evidencias/<int:evidence_id>/visualizar")
@login_required
def preview(evidence_id: int):
    """A PDF's bytes for the page's viewer (PDF.js draws it on a canvas) and images for an
    <img>, inline under a sandboxing CSP; anything else only downloads."""
    evidence = db.get_or_404(Evidence, evidence_id)
    if evidence.kind != "file" or evidence.content_type not in PREVIEWABLE:
        abort(404)
    require(current_user, Action.DELIVERABLE_VIEW, evidence.submission.deliverable)
    deliverable = evidence.submission.deliverable
    return send_stored(
        evidence.stored_name, name=evidence.original_name, mimetype=evidence.content_type,
        preview=True,
        audit_event=lambda: audit.record("evidence.previewed", deliverable, actor=current_user,
                                         evidence_id=evidence.id, name=evidence.original_name))
