"""Who may do what: the rules of accounts, institutions, agreements, deliverables, focal
points, training, the forum, the panel and the reports, on the engine in ``core.access``.

Each rule receives the user and the object (or None). Features above ``auth`` that need rules
of their own (events) declare them in their own ``access`` module with the same engine.
"""

from portal.auth.roles import PARTNER_ROLES, Role
from portal.core.access import Action, rule

__all__ = ["assignable_roles", "sees_institution"]


def _is_admin(user) -> bool:
    return user.role == Role.SEGES_ADMIN


def _is_manager_of(user, institution_id: int | None) -> bool:
    return user.role == Role.PARTNER_MANAGER and institution_id == user.institution_id


def sees_institution(user, institution) -> bool:
    """SEGES sees every institution; a partner its own and, if first layer, its adherents."""
    return (
        user.is_seges
        or institution.id == user.institution_id
        or institution.parent_id == user.institution_id
    )


# Institutions ---------------------------------------------------------------


@rule(Action.INSTITUTION_LIST)
def _list_institutions(user, _obj) -> bool:
    return user.is_seges


@rule(Action.INSTITUTION_CREATE)
@rule(Action.INSTITUTION_EDIT)
def _manage_institutions(user, _obj) -> bool:
    return _is_admin(user)


@rule(Action.INSTITUTION_VIEW)
def _view_institution(user, institution) -> bool:
    return sees_institution(user, institution)


# Users ----------------------------------------------------------------------


@rule(Action.USER_LIST)
def _list_users(user, _obj) -> bool:
    return _is_admin(user) or user.role == Role.PARTNER_MANAGER


@rule(Action.USER_INVITE)
def _invite_user(user, institution) -> bool:
    """``institution`` is where the new user will belong (None: any)."""
    if _is_admin(user):
        return True
    return institution is not None and _is_manager_of(user, institution.id)


@rule(Action.USER_EDIT)
def _edit_user(user, target) -> bool:
    if _is_admin(user):
        return True
    return _is_manager_of(user, target.institution_id) and target.role in PARTNER_ROLES


@rule(Action.USER_DEACTIVATE)
def _deactivate_user(user, target) -> bool:
    return target.id != user.id and _edit_user(user, target)


@rule(Action.GOVBR_SETTINGS_EDIT)
def _edit_govbr_settings(user, _obj) -> bool:
    """SEGES's admins set the gov.br confiabilidade each role needs."""
    return _is_admin(user)


def assignable_roles(user) -> list[Role]:
    """Roles this user may give to others."""
    if _is_admin(user):
        return list(Role)
    if user.role == Role.PARTNER_MANAGER:
        return [Role.PARTNER_MANAGER, Role.PARTNER_MEMBER]
    return []


# Agreements -----------------------------------------------------------------


@rule(Action.AGREEMENT_LIST)
def _list_agreements(user, _obj) -> bool:
    return user.is_seges


@rule(Action.AGREEMENT_VIEW)
def _view_agreement(user, agreement) -> bool:
    """SEGES; the partner itself; the first-layer partner of an adhesion (read-only)."""
    if user.is_seges or agreement.partner_id == user.institution_id:
        return True
    parent = agreement.parent
    return parent is not None and parent.partner_id == user.institution_id


@rule(Action.AGREEMENT_EDIT)
@rule(Action.AGREEMENT_IMPORT)
@rule(Action.AXIS_EDIT)
@rule(Action.GOAL_EDIT)
def _manage_agreements(user, _obj) -> bool:
    return _is_admin(user)


@rule(Action.ADHESION_REGISTER)
def _register_adhesion(user, agreement) -> bool:
    """On a first-layer agreement: SEGES admins, or the partner's own manager."""
    if agreement is None or agreement.is_adhesion:
        return False
    return _is_admin(user) or _is_manager_of(user, agreement.partner_id)


# Forum ----------------------------------------------------------------------


@rule(Action.FORUM_VIEW)
@rule(Action.FORUM_REPORT)
@rule(Action.FORUM_WATCH)
def _use_forum(user, _obj) -> bool:
    return True


@rule(Action.FORUM_TOPIC_CREATE)
def _open_topic(user, category) -> bool:
    """``category`` None: in some category at all."""
    return category is None or not category.seges_only or user.is_seges


@rule(Action.FORUM_TOPIC_REPLY)
def _reply(user, topic) -> bool:
    return not topic.locked


@rule(Action.FORUM_POST_EDIT)
def _edit_post(user, post) -> bool:
    return post.author_id == user.id and not post.hidden and not post.topic.locked


@rule(Action.FORUM_POST_VOTE)
def _vote_useful(user, post) -> bool:
    """A visible reply by someone else (one vote each: the service toggles it)."""
    return post.number > 1 and not post.hidden and post.author_id != user.id


@rule(Action.FORUM_ATTACHMENT_VIEW)
def _read_attachment(user, attachment) -> bool:
    """Whoever can read the post: everyone, unless the moderation hid it."""
    return not attachment.post.hidden or user.is_seges


@rule(Action.FORUM_TOPIC_ACCEPT)
def _accept_answer(user, topic) -> bool:
    return topic.author_id == user.id or user.is_seges


@rule(Action.FORUM_MODERATE)
def _moderate_forum(user, _obj) -> bool:
    return user.is_seges


@rule(Action.FORUM_CATEGORY_MANAGE)
def _manage_categories(user, _obj) -> bool:
    return _is_admin(user)


@rule(Action.NOTIFICATION_READ)
def _read_notification(user, notification) -> bool:
    return notification.user_id == user.id


# Deliverables -----------------------------------------------------------------

@rule(Action.DELIVERABLE_VIEW)
def _view_deliverable(user, deliverable) -> bool:
    return sees_institution(user, deliverable.institution)


@rule(Action.DELIVERABLE_EDIT)
def _edit_deliverable(user, deliverable) -> bool:
    """Partner staff draft and submit their own; SEGES staff those SEGES owes."""
    if user.is_partner:
        return deliverable.institution_id == user.institution_id
    return deliverable.institution.is_secretariat


# Focal points (servidores indicados) -----------------------------------------------

@rule(Action.FOCAL_POINT_VIEW)
def _view_focal_points(user, institution) -> bool:
    return sees_institution(user, institution)


@rule(Action.FOCAL_POINT_MANAGE)
def _manage_focal_points(user, institution) -> bool:
    return _is_admin(user) or _is_manager_of(user, institution.id)


@rule(Action.FOCAL_POINT_SEE_CPF)
def _see_focal_point_cpf(user, focal_point) -> bool:
    """Everyone else sees ***.982.247-**."""
    return _is_admin(user) or _is_manager_of(user, focal_point.institution_id)


@rule(Action.FOCAL_POINT_ATTACH)
def _attach_focal_points(user, institution) -> bool:
    """The CSV snapshot goes into the institution's own 1.1 draft."""
    return _is_manager_of(user, institution.id)


@rule(Action.FOCAL_POINT_PAINEL_REQUESTS)
def _see_painel_requests(user, _obj) -> bool:
    return user.is_seges


@rule(Action.FOCAL_POINT_GRANT_ACCESS)
def _grant_painel_access(user, _obj) -> bool:
    return _is_admin(user)


# Training records (meta 2.2) ----------------------------------------------------------

@rule(Action.TRAINING_LIST)
def _list_training(user, _obj) -> bool:
    return True


@rule(Action.TRAINING_LIST_ALL)
def _list_all_training(user, _obj) -> bool:
    return user.is_seges


@rule(Action.TRAINING_VIEW)
def _view_training(user, record) -> bool:
    return sees_institution(user, record.institution)


@rule(Action.TRAINING_CREATE)
def _create_training(user, institution) -> bool:
    """Each institution records the courses it delivered (SEGES its own)."""
    return institution is not None and institution.id == user.institution_id


@rule(Action.TRAINING_EDIT)
def _edit_training(user, record) -> bool:
    return record.institution_id == user.institution_id


@rule(Action.REVIEW_QUEUE)
def _see_review_queue(user, _obj) -> bool:
    return user.is_seges


@rule(Action.REVIEW_DECIDE)
def _review(user, _deliverable) -> bool:
    return user.is_seges


@rule(Action.DELIVERABLE_WAIVE)
def _waive(user, _deliverable) -> bool:
    return _is_admin(user)


@rule(Action.NETWORK_PANEL)
def _see_panel(user, _obj) -> bool:
    return user.is_seges


# SEGES's default deadlines (Prazos padrão da SEGES) ------------------------------------------

@rule(Action.DEADLINE_SETTINGS_VIEW)
def _view_deadline_settings(user, _obj) -> bool:
    """SEGES staff read the dates SEGES sets where the plan is silent (reviewers read-only)."""
    return user.is_seges


@rule(Action.DEADLINE_SETTINGS_EDIT)
def _edit_deadline_settings(user, _obj) -> bool:
    return _is_admin(user)


# Events, requests and courses (metas 1.7, 3.2, 3.4, 3.5) ----------------------------------

@rule(Action.EVENT_MANAGE)
@rule(Action.REQUEST_MANAGE)
@rule(Action.COURSE_MANAGE)
def _manage_events_and_courses(user, _obj) -> bool:
    return user.is_seges


@rule(Action.EVENT_LIST)
@rule(Action.COURSE_VIEW)
def _see_events_and_courses(user, _obj) -> bool:
    return True


# Audit trail (Auditoria) ------------------------------------------------------------

@rule(Action.OUTBOX_VIEW)
@rule(Action.OUTBOX_RESEND)
def _manage_outbox(user, _obj) -> bool:
    """The e-mail queue holds messages to anyone: SEGES admins only."""
    return _is_admin(user)


@rule(Action.AUDIT_VIEW)
def _view_audit_trail(user, _obj) -> bool:
    """SEGES admins read the whole trail; a partner manager, its own institution's events."""
    return _is_admin(user) or user.role == Role.PARTNER_MANAGER


@rule(Action.AUDIT_VIEW_ALL)
def _view_whole_audit_trail(user, _obj) -> bool:
    return _is_admin(user)


# Annual report (Relatório Anual, metas 3.5 and 3.6) -----------------------------------------

@rule(Action.ANNUAL_REPORT_VIEW)
def _view_annual_report(user, _obj) -> bool:
    """The whole network's report: SEGES."""
    return user.is_seges


@rule(Action.ANNUAL_REPORT_EDIT)
def _edit_annual_report(user, _obj) -> bool:
    """The introduction of a year's report: SEGES, who compiles it (admins and reviewers)."""
    return user.is_seges


@rule(Action.ANNUAL_REPORT_OWN_CONTRIBUTION)
def _see_own_contribution(user, _obj) -> bool:
    return user.is_partner


@rule(Action.ANNUAL_REPORT_CONTRIBUTION)
def _view_contribution(user, institution) -> bool:
    """One institution's contribution: whoever may see the institution."""
    return sees_institution(user, institution)
