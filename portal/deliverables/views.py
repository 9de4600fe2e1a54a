"""Minhas entregas, a deliverable with its draft and evidence, and evidence downloads."""


from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.agreements.services import axes_label
from portal.core import audit
from portal.core.access import Action, authorise, can, require
from portal.core.clock import local_today
from portal.core.database import refusal
from portal.core.forms import own_tokens, token_stand_in
from portal.core.htmx import is_htmx, render, toast
from portal.core.pagination import page_numbers, paginate_counted, requested_page
from portal.core.storage import send_stored
from portal.core.templating import render_markup
from portal.deliverables import lifecycle, reviews, services, summaries
from portal.deliverables.forms import DraftForm, FilterForm, LinkForm
from portal.deliverables.models import MAX_FILES_PER_VERSION, Deliverable, Evidence
from portal.deliverables.signals import deliverable_sections, home_sections, sections
from portal.extensions import db, limiter

bp = Blueprint("deliverables", __name__)


@bp.app_template_filter("deliverable_status")
def deliverable_status(status: str) -> str:
    """The one label of a stored status (lifecycle.STATUS_LABELS), for templates."""
    return lifecycle.STATUS_LABELS.get(status, status)


def _home_institution_id() -> int:
    """Partners see their institution's deliverables; SEGES users the secretariat's own."""
    return current_user.institution_id


@bp.get("/")
@login_required
def home():
    """A partner's deliverables; SEGES's home leads with the review queue (how many wait and
    the oldest), then SEGES's own deliverables, each naming its agreement."""
    institution_id = _home_institution_id()
    reviewer = can(current_user, Action.REVIEW_QUEUE)
    filters = FilterForm(request.args, years=summaries.years_of(institution_id))
    filters.validate()
    chosen = (filters.clean("eixo", int), filters.clean("situacao"), filters.clean("ano", int))
    base = services.deliverables_query(
        institution_id, axis=chosen[0], status=chosen[1], year=chosen[2])
    counts = summaries.group_counts(institution_id, chosen, base, local_today())
    group = filters.clean("grupo") or next((g for g in services.GROUPS if counts[g]), "proximas")
    return render(
        "deliverables/home.html",
        "deliverables/_home.html",
        filters=filters,
        counts=counts,
        group=group,
        groups=services.GROUPS,
        table=_home_table(institution_id, chosen, base, group, counts[group], reviewer),
        page=page_numbers(counts[group]),  # the tab's count is the list's
        # The queue heads the full page only; the tabs and filters swap the list below it.
        review_queue=reviews.queue_preview(local_today()) if reviewer and not is_htmx() else None,
        progress=summaries.progress_by_axis(institution_id, local_today()),
        timeline=_timeline(institution_id, chosen, base) if current_user.is_partner else None,
        today=local_today(),
        my_agreement=summaries.partner_agreement(institution_id)
        if current_user.is_partner else None,
        sections=sections(home_sections, current_user._get_current_object()),
    )


def _home_table(institution_id: int, chosen: tuple, base, group: str, total: int,
                show_agreement: bool) -> Markup:
    """The tab's page of rows, kept rendered: the same for everyone of the institution on a
    day (the request's page of ``total``)."""
    today = local_today()

    def rendered() -> Markup:
        query = base.where(services.group_condition(group, today))
        order = db.desc(Deliverable.due_on) if group == "concluidas" else Deliverable.due_on
        page = paginate_counted(
            reviews.naming_agreements(query.order_by(order, Deliverable.id)), lambda: total)
        return render_markup(
            "deliverables/_home_table.html", page=page, group=group, groups=services.GROUPS,
            show_agreement=show_agreement, today=today)

    key = (f"table:{request.script_root}:{chosen}:{group}:{requested_page()}:{show_agreement}"
           f":{today}")
    return summaries.kept_for(institution_id, key, rendered)


def _timeline(institution_id: int, chosen: tuple, base) -> Markup:
    """The year ahead, kept rendered: its figure is the same for everyone in the institution."""
    today = local_today()

    def rendered() -> Markup:  # an autoescaped template's output
        chart = summaries.home_timeline(institution_id, chosen, base, today)
        return render_markup("deliverables/_timeline.html", c=chart)

    return summaries.kept_for(institution_id, f"timeline-html:{chosen}:{today}", rendered)


def _page(
    deliverable: Deliverable,
    draft_form: DraftForm | None = None,
    link_form: LinkForm | None = None,
    status: int = 200,
):
    """The deliverable's page; as it is (no form sent back with errors), kept rendered for
    every reader who may edit it, or may not, on the same day (``summaries.kept_page``)."""
    editable = services.is_editable(deliverable) and can(
        current_user, Action.DELIVERABLE_EDIT, deliverable
    )
    today = local_today()

    def rendered() -> str:
        with token_stand_in():
            return _render_deliverable(deliverable, editable, today, draft_form, link_form)

    if draft_form is None and link_form is None:
        html = own_tokens(summaries.kept_page(
            deliverable, f"{request.script_root}:{editable}:{today}", rendered))
    else:
        html = Markup(_render_deliverable(deliverable, editable, today, draft_form, link_form))  # noqa: S704 - rendered by Jinja
    if is_htmx():
        return html, status
    return render_template("deliverables/deliverable.html", deliverable=deliverable,
                           deliverable_html=html), status


def _render_deliverable(deliverable: Deliverable, editable: bool, today, draft_form, link_form):
    versions = services.versions(deliverable)
    draft = versions[0] if versions and versions[0].is_draft else None
    if editable and draft_form is None:
        draft_form = DraftForm(obj=draft) if draft else DraftForm()
    return render_template(
        "deliverables/_deliverable.html",
        deliverable=deliverable,
        goal_axes=axes_label(deliverable.goal.axes),
        versions=versions,
        draft=draft,
        editable=editable,
        draft_form=draft_form,
        link_form=link_form or LinkForm(),
        timeline=services.timeline(deliverable),
        event_labels=services.TIMELINE_LABELS,
        today=today,
        questions=services.questions_about(deliverable.goal),
        max_files=MAX_FILES_PER_VERSION,
        sections=sections(deliverable_sections, deliverable, editable=editable),
    )


@bp.get("/entregas/<int:deliverable_id>")
@login_required
@authorise(Action.DELIVERABLE_VIEW, Deliverable, "deliverable_id")
def deliverable(deliverable: Deliverable):
    return _page(deliverable)


@bp.post("/entregas/<int:deliverable_id>/rascunho")
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def save_draft(deliverable: Deliverable):
    """Save the text, dates and (without JavaScript) files; "Enviar para análise" saves
    the same way and then asks for confirmation, so nothing typed is left behind."""
    form = DraftForm()
    uploads = [f for f in form.files.data or [] if f and f.filename]
    if form.validate():
        with form.refusals():
            _save(deliverable, form)
            if uploads:
                services.add_files(deliverable, uploads, by=current_user)
            if request.form.get("acao") == "enviar":
                return redirect(url_for("deliverables.submit", deliverable_id=deliverable.id))
            flash("Rascunho salvo.", "success")
            return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))
    if uploads:  # a browser never keeps chosen files across a page with errors
        form.files.errors = [*form.files.errors, "Os arquivos não foram anexados: corrija o "
                             "que está indicado e escolha-os de novo."]
    return _page(deliverable, draft_form=form, status=form.status)


def _save(deliverable: Deliverable, form: DraftForm, *, automatic: bool = False):
    return services.save_draft(
        deliverable,
        by=current_user,
        report=form.report.data,
        covers_from=form.covers_from.data,
        covers_to=form.covers_to.data,
        automatic=automatic,
    )


@bp.post("/entregas/<int:deliverable_id>/rascunho/automatico")
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def autosave(deliverable: Deliverable):
    """The page saving the draft's text and dates while the person types (JavaScript):
    answers the line that says when it was saved, or why it was not."""
    form = DraftForm()
    draft = None
    if form.validate():
        with form.refusals():
            draft = _save(deliverable, form, automatic=True)
    errors = [error for field in form for error in field.errors] + form.form_errors
    body, _ = render(
        "deliverables/_autosave.html", "deliverables/_autosave.html", draft=draft,
        error=errors[0] if errors else None,
    )
    return body, 200 if draft else form.status


@bp.post("/entregas/<int:deliverable_id>/evidencias")
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_UPLOADS"],
    key_func=lambda: f"upload:{current_user.get_id()}",
)
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def upload(deliverable: Deliverable):
    """One file per request from the page's progress-bar uploader, or several without JS."""
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        return _evidence_response(deliverable, "Escolha ao menos um arquivo.", 422)
    with refusal() as refused:  # a refused file leaves the draft exactly as it was
        added = services.add_files(deliverable, files, by=current_user)
        names = ", ".join(e.original_name for e in added)
        return _evidence_response(deliverable, f"Arquivo anexado: {names}.", 200)
    return _evidence_response(deliverable, refused.message, refused.status)


def _evidence_response(deliverable: Deliverable, message: str, status: int):
    if not is_htmx():
        flash(message, "success" if status == 200 else "danger")
        return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))
    draft = services.latest_version(deliverable)
    body, _ = render(
        "deliverables/_evidence.html",
        "deliverables/_evidence.html",
        deliverable=deliverable,
        draft=draft,
        editable=True,
        link_form=LinkForm(),
        message=message,
        ok=status == 200,
    )
    return body, status


@bp.post("/entregas/<int:deliverable_id>/links")
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def add_link(deliverable: Deliverable):
    form = LinkForm()
    if form.validate():
        with form.refusals():
            services.add_link(
                deliverable, by=current_user, url=form.url.data, title=form.title.data
            )
    if form.has_errors:
        if is_htmx():
            draft = services.latest_version(deliverable)
            return render(
                "deliverables/_evidence.html",
                "deliverables/_evidence.html",
                422,
                deliverable=deliverable,
                draft=draft,
                editable=True,
                link_form=form,
            )
        return _page(deliverable, link_form=form, status=422)
    return _evidence_response(deliverable, "Link adicionado.", 200)


@bp.post("/entregas/<int:deliverable_id>/evidencias/<int:evidence_id>/remover")
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def remove_evidence(deliverable: Deliverable, evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    if evidence.submission.deliverable_id != deliverable.id:
        abort(404)
    with refusal() as refused:
        services.remove_evidence(evidence, by=current_user)
        return _evidence_response(deliverable, "Evidência removida.", 200)
    return _evidence_response(deliverable, refused.message, refused.status)


@bp.route("/entregas/<int:deliverable_id>/enviar", methods=["GET", "POST"])
@login_required
@authorise(Action.DELIVERABLE_EDIT, Deliverable, "deliverable_id")
def submit(deliverable: Deliverable):
    """GET shows what will be sent and asks for confirmation; POST sends it."""
    draft = services.latest_version(deliverable)
    if request.method == "POST":
        if draft and draft.is_draft and not draft.evidence and not request.form.get(
            "sem_evidencias"
        ):  # evidence removed since the confirmation was shown: ask again
            flash("Esta versão não tem evidências: confirme se deseja enviá-la assim.", "warning")
            return redirect(url_for("deliverables.submit", deliverable_id=deliverable.id))
        with refusal() as refused:
            services.submit(deliverable, by=current_user)
        if refused.error:  # back to the draft, which keeps everything, with the reason
            flash(refused.message, "danger")
            return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))
        flash(
            "Entrega enviada para análise da SEGES. Ela agora está somente para leitura.", "success"
        )
        response = redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))
        return toast(response, "Entrega enviada.") if is_htmx() else response
    if draft is None or not draft.is_draft:
        flash("Não há rascunho para enviar: escreva o relato antes.", "warning")
        return redirect(url_for("deliverables.deliverable", deliverable_id=deliverable.id))
    return render(
        "deliverables/submit.html",
        "deliverables/_submit.html",
        deliverable=deliverable,
        draft=draft,
    )


@bp.get("/evidencias/<int:evidence_id>/arquivo")
@login_required
def download(evidence_id: int):
    evidence = db.get_or_404(Evidence, evidence_id)
    if evidence.kind != "file":
        abort(404)
    require(current_user, Action.DELIVERABLE_VIEW, evidence.submission.deliverable)
    deliverable = evidence.submission.deliverable
    return send_stored(
        evidence.stored_name, name=evidence.original_name, mimetype=evidence.content_type,
        audit_event=lambda: audit.record("evidence.downloaded", deliverable, actor=current_user,
                                         evidence_id=evidence.id, name=evidence.original_name))
