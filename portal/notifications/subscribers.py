"""Who is told what, when another feature reports what happened (its signals).

Every notification the features cause is worded here, so the features themselves never
import notifications (they only emit signals).
"""

from sqlalchemy import or_

from portal.auth.models import User
from portal.auth.roles import Role
from portal.core.formatting import format_date, format_time
from portal.core.urls import path_for
from portal.courses import signals as courses
from portal.deliverables import signals as deliverables
from portal.events import signals as events
from portal.extensions import db
from portal.focal_points import signals as focal_points
from portal.forum import signals as forum
from portal.forum.models import Watch
from portal.forum.services import mentioned_users, topic_url
from portal.notifications.services import notify
from portal.plans import signals as plans


def _active_users_of(institution_ids) -> list[tuple[int, int]]:
    """(user id, institution id) of every active user of these institutions."""
    ids = list(institution_ids)
    if not ids:
        return []
    return list(db.session.execute(db.select(User.id, User.institution_id).where(
        User.institution_id.in_(ids), User.active)).all())


@deliverables.submission_decided.connect
def _tell_the_partner_of_the_decision(deliverable, *, review) -> None:
    goal = deliverable.goal
    if review.decision == "approved":
        kind = "submission_approved"
        message = f"A SEGES aprovou a meta {goal.code} ({deliverable.period_label})."
    else:
        kind = "submission_returned"
        message = (f"A SEGES devolveu a meta {goal.code} ({deliverable.period_label}): "
                   f"{review.reason_label}. {review.comment}")
    url = path_for("deliverables.deliverable", deliverable_id=deliverable.id)
    for user_id, _institution in _active_users_of([deliverable.institution_id]):
        notify(user_id, kind, message, url)


@forum.post_published.connect
def _tell_mentioned_and_followers(post, *, topic, by, category_only: bool) -> None:
    """Mentioned users get a mention; followers of the topic or category get the news."""
    url = topic_url(topic.id, post.id)
    mentioned = {u.id for u in mentioned_users(post.body) if u.id != by.id}
    for user_id in mentioned:
        notify(user_id, "forum.mention", f"{by.name} mencionou você em “{topic.title}”.", url)
    condition = Watch.category_id == topic.category_id
    if not category_only:
        condition = or_(condition, Watch.topic_id == topic.id)
    followers = set(db.session.scalars(db.select(Watch.user_id).where(condition).distinct()))
    verb = "abriu o tópico" if post.is_question else "respondeu em"
    for user_id in followers - mentioned - {by.id}:
        notify(user_id, "forum.post", f"{by.name} {verb} “{topic.title}”.", url)


@forum.mentions_added.connect
def _tell_newly_mentioned(post, *, topic, by, user_ids) -> None:
    """An edit mentioned someone for the first time in that post: told once, like a new post."""
    url = topic_url(topic.id, post.id)
    for user_id in user_ids:
        notify(user_id, "forum.mention", f"{by.name} mencionou você em “{topic.title}”.", url)


@forum.answer_accepted.connect
def _tell_author_and_watchers(post, *, topic, by) -> None:
    url = topic_url(topic.id, post.id)
    if post.author_id != by.id:
        notify(post.author_id, "forum.accepted",
               f"Sua resposta em “{topic.title}” foi marcada como aceita.", url)
    watchers = set(db.session.scalars(
        db.select(Watch.user_id).where(Watch.topic_id == topic.id).distinct()))
    for user_id in watchers - {by.id, post.author_id}:
        notify(user_id, "forum.accepted", f"Uma resposta foi aceita em “{topic.title}”.", url)


@events.event_convened.connect
def _invite(event, *, invitees) -> None:
    when = f"{format_date(event.starts_at)} às {format_time(event.starts_at)}"
    message = (f"A SEGES convidou sua instituição: {event.kind_label} “{event.title}” "
               f"em {when}. Confirme a presença.")
    url = path_for("events.event", event_id=event.id)
    for user_id, _institution in _active_users_of(invitees):
        notify(user_id, "new_deliverable", message, url)


@events.info_requested.connect
def _tell_what_was_requested(info, *, deliverables: dict[int, int]) -> None:
    message = f"A SEGES solicitou: “{info.title}”. Prazo: {format_date(info.due_on)}."
    _tell_owers(deliverables, message)


@courses.schedule_changed.connect
def _tell_the_course_schedule_changed(_day, *, deliverables: dict[int, int]) -> None:
    _tell_owers(deliverables, "O cronograma de cursos da Rede mudou: divulgue os cursos.")


def _tell_owers(deliverables: dict[int, int], message: str) -> None:
    """Each institution's users, linked to the deliverable their institution now owes."""
    for user_id, institution_id in _active_users_of(deliverables):
        url = path_for("deliverables.deliverable", deliverable_id=deliverables[institution_id])
        notify(user_id, "new_deliverable", message, url)


def _active(role: Role, institution_id: int | None = None) -> list[User]:
    query = db.select(User).where(User.role == role, User.active.is_(True))
    if institution_id is not None:
        query = query.where(User.institution_id == institution_id)
    return list(db.session.scalars(query))


@focal_points.painel_access_requested.connect
def _tell_seges_about_the_painel_request(focal_point) -> None:
    institution = focal_point.institution
    message = (f"{institution.acronym or institution.name} indicou {focal_point.name} para "
               f"acesso ao Painel Gerencial Parceriasgov.br.")
    url = path_for("focal_points.painel_requests")
    for admin in _active(Role.SEGES_ADMIN):
        notify(admin, "focal_point.painel_requested", message, url)


@focal_points.painel_access_granted.connect
def _tell_the_managers_access_was_granted(focal_point, *, by) -> None:
    message = (f"A SEGES concedeu a {focal_point.name} o acesso ao Painel Gerencial "
               f"Parceriasgov.br.")
    url = path_for("focal_points.focal_point_list", institution_id=focal_point.institution_id)
    for manager in _active(Role.PARTNER_MANAGER, focal_point.institution_id):
        notify(manager, "focal_point.access_granted", message, url)


@plans.adhesion_registered.connect
def _tell_seges_about_the_adhesion(adhesion, *, parent, by) -> None:
    registrant = (f"{by.name} ({by.institution.acronym or by.institution.name})"
                  if by is not None else parent.partner.acronym or parent.partner.name)
    message = (f"{registrant} registrou a adesão de {adhesion.partner.display_name} ao "
               f"{parent.title}, assinada em {format_date(adhesion.signed_on)}.")
    url = path_for("plans.agreement", agreement_id=adhesion.id)
    for admin in _active(Role.SEGES_ADMIN):
        if admin.id != getattr(by, "id", None):  # whoever registered it knows
            notify(admin, "adhesion.registered", message, url)
