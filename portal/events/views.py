"""Eventos (reuniões técnicas, fóruns) and solicitações (metas 1.7, 3.4, 3.5)."""

from flask import Blueprint, Response, current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.core.access import Action, authorise, can, require
from portal.core.database import refusal
from portal.core.forms import bounded_int
from portal.core.htmx import is_htmx, render, toast
from portal.core.models import utcnow
from portal.events import services as events
from portal.events.forms import EventForm, RequestForm
from portal.events.models import Event
from portal.extensions import db

bp = Blueprint("events", __name__)


def _per_page() -> int:
    return current_app.config["ITEMS_PER_PAGE"]


# Events -------------------------------------------------------------------------------------

@bp.get("/eventos")
@login_required
@authorise(Action.EVENT_LIST)
def events_page():
    manage = can(current_user, Action.EVENT_MANAGE)
    page = db.paginate(events.events_query(None if manage else current_user.institution_id),
                       per_page=_per_page(), error_out=False)
    invitations = {} if manage else events.invitations_for(page.items,
                                                          current_user.institution_id)
    return render("events/events.html", "events/_events.html", page=page, manage=manage,
                  invitations=invitations, now=utcnow())


@bp.route("/eventos/novo", methods=["GET", "POST"])
@login_required
@authorise(Action.EVENT_MANAGE)
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        with form.refusals():
            event = events.convene(
                by=current_user, kind=form.kind.data, title=form.title.data,
                starts_at=form.starts_at.data, ends_at=form.ends_at.data, place=form.place.data,
                agenda=form.agenda.data, audience=form.audience.data,
                audience_value=form.audience_value,
                references=events.parse_references(form.instituicoes.data),
                include_adherents=form.include_adherents.data)
            flash(f"{event.event_kind.convened}. Os convidados foram notificados.", "success")
            return redirect(url_for("events.event", event_id=event.id))
    return render("events/event_form.html", "events/_event_form.html", form.status, form=form)


def _event_page(event: Event, status: int = 200):
    manage = can(current_user, Action.EVENT_MANAGE)
    # Who else was invited, confirmed and attended is SEGES's to see; a partner sees the
    # counts and its own invitation (another partner's attendance is its compliance record).
    page = (
        db.paginate(events.invitations_query(event), per_page=_per_page(), error_out=False)
        if current_user.is_seges
        else None
    )
    return render("events/event.html", "events/_event.html", status, event=event,
                  page=page, manage=manage, counts=events.invitation_counts(event),
                  invitation=events.invitation_of(event, current_user.institution_id),
                  can_confirm=can(current_user, Action.EVENT_CONFIRM, event))


@bp.get("/eventos/<int:event_id>")
@login_required
@authorise(Action.EVENT_VIEW, Event, "event_id")
def event(event: Event):
    return _event_page(event)


@bp.get("/eventos/<int:event_id>.ics")
@login_required
@authorise(Action.EVENT_VIEW, Event, "event_id")
def event_ics(event: Event):
    return Response(events.event_calendar(event), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="evento-{event.id}.ics"',
        "Cache-Control": "private, no-store"})


@bp.post("/eventos/<int:event_id>/confirmar")
@login_required
@authorise(Action.EVENT_CONFIRM, Event, "event_id")
def confirm_event(event: Event):
    events.confirm(event, by=current_user)
    message = "Presença confirmada."
    if is_htmx():
        return toast(make_response(_event_page(event)), message)
    flash(message, "success")
    return redirect(url_for("events.event", event_id=event.id))


@bp.post("/eventos/<int:event_id>/presencas")
@login_required
@authorise(Action.EVENT_MANAGE, Event, "event_id")
def record_attendance(event: Event):
    shown = request.form.getlist("exibidos", type=bounded_int)
    present = request.form.getlist("presentes", type=bounded_int)
    with refusal() as refused:
        events.record_attendance(event, shown=shown, present=present, by=current_user)
    if refused.error:
        flash(refused.message, "danger")
        return _event_page(event, status=refused.status)
    message = "Presenças registradas."
    if is_htmx():
        return toast(make_response(_event_page(event)), message)
    flash(message, "success")
    return redirect(url_for("events.event", event_id=event.id, page=request.args.get("page")))


# Requests (meta 3.5) --------------------------------------------------------------------------

@bp.get("/solicitacoes")
@login_required
@authorise(Action.REQUEST_MANAGE)
def info_requests():
    page = db.paginate(events.requests_query(), per_page=_per_page(), error_out=False)
    answered = events.status_counts_by_request(page.items)
    return render("events/requests.html", "events/_requests.html", page=page,
                  answered=answered)


@bp.route("/solicitacoes/nova", methods=["GET", "POST"])
@login_required
@authorise(Action.REQUEST_MANAGE)
def new_info_request():
    form = RequestForm()
    if form.validate_on_submit():
        with form.refusals():
            info = events.send_request(
                by=current_user, title=form.title.data, text=form.text.data,
                due_on=form.due_on.data, audience=form.audience.data,
                audience_value=form.audience_value,
                references=events.parse_references(form.instituicoes.data),
                include_adherents=form.include_adherents.data)
            flash(f"Solicitação enviada a {info.recipients} "
                  f"{'parceiro' if info.recipients == 1 else 'parceiros'}.", "success")
            return redirect(url_for("events.info_request", request_id=info.id))
    return render("events/request_form.html", "events/_request_form.html", form.status,
                  form=form)


@bp.get("/solicitacoes/<int:request_id>")
@login_required
def info_request(request_id: int):
    info = events.info_request_or_404(request_id)
    require(current_user, Action.REQUEST_MANAGE, info)
    page = db.paginate(events.request_deliverables_query(info), per_page=_per_page(),
                       error_out=False)
    return render("events/request.html", "events/_request.html", info=info, page=page,
                  counts=events.request_status_counts(info), today=events.local_today(),
                  audience=events.audience_label(info.audience, info.audience_value))
