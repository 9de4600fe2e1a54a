"""The engine behind "may this user do X (to this object)?".

Actions are members of :class:`Action`, so a misspelt action in Python fails at import.
Features declare their rules with :func:`rule`; views declare what they need with
:func:`authorise` (or call :func:`require` for an object that is not in the URL); templates
ask :func:`can` with the action's text, which must name a declared action (a test reads every
template's ``can(`` calls).
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import db


class Action(StrEnum):
    """Every action the portal checks; templates name them by their text.

    Rules are declared by the features (``auth.policy``, ``events.access``).
    """

    ADHESION_REGISTER = "adhesion.register"
    AGREEMENT_EDIT = "agreement.edit"
    AGREEMENT_IMPORT = "agreement.import"
    AGREEMENT_LIST = "agreement.list"
    AGREEMENT_VIEW = "agreement.view"
    ANNUAL_REPORT_CONTRIBUTION = "annual_report.contribution"
    ANNUAL_REPORT_EDIT = "annual_report.edit"
    ANNUAL_REPORT_OWN_CONTRIBUTION = "annual_report.own_contribution"
    ANNUAL_REPORT_VIEW = "annual_report.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_VIEW_ALL = "audit.view_all"
    AXIS_EDIT = "axis.edit"
    COURSE_MANAGE = "course.manage"
    COURSE_VIEW = "course.view"
    DEADLINE_SETTINGS_EDIT = "deadline_settings.edit"
    DEADLINE_SETTINGS_VIEW = "deadline_settings.view"
    DELIVERABLE_EDIT = "deliverable.edit"
    DELIVERABLE_VIEW = "deliverable.view"
    DELIVERABLE_WAIVE = "deliverable.waive"
    EVENT_CONFIRM = "event.confirm"
    EVENT_LIST = "event.list"
    EVENT_MANAGE = "event.manage"
    EVENT_VIEW = "event.view"
    FOCAL_POINT_ATTACH = "focal_point.attach"
    FOCAL_POINT_GRANT_ACCESS = "focal_point.grant_access"
    FOCAL_POINT_MANAGE = "focal_point.manage"
    FOCAL_POINT_PAINEL_REQUESTS = "focal_point.painel_requests"
    FOCAL_POINT_SEE_CPF = "focal_point.see_cpf"
    FOCAL_POINT_VIEW = "focal_point.view"
    FORUM_ATTACHMENT_VIEW = "forum.attachment.view"
    FORUM_CATEGORY_MANAGE = "forum.category.manage"
    FORUM_MODERATE = "forum.moderate"
    FORUM_POST_EDIT = "forum.post.edit"
    FORUM_POST_VOTE = "forum.post.vote"
    FORUM_REPORT = "forum.report"
    FORUM_TOPIC_ACCEPT = "forum.topic.accept"
    FORUM_TOPIC_CREATE = "forum.topic.create"
    FORUM_TOPIC_REPLY = "forum.topic.reply"
    FORUM_VIEW = "forum.view"
    FORUM_WATCH = "forum.watch"
    GOAL_EDIT = "goal.edit"
    GOVBR_SETTINGS_EDIT = "govbr_settings.edit"
    INSTITUTION_CREATE = "institution.create"
    INSTITUTION_EDIT = "institution.edit"
    INSTITUTION_LIST = "institution.list"
    INSTITUTION_VIEW = "institution.view"
    NETWORK_PANEL = "network.panel"
    OUTBOX_RESEND = "outbox.resend"
    OUTBOX_VIEW = "outbox.view"
    NOTIFICATION_READ = "notification.read"
    REQUEST_MANAGE = "request.manage"
    REVIEW_DECIDE = "review.decide"
    REVIEW_QUEUE = "review.queue"
    TRAINING_CREATE = "training.create"
    TRAINING_EDIT = "training.edit"
    TRAINING_LIST = "training.list"
    TRAINING_LIST_ALL = "training.list_all"
    TRAINING_VIEW = "training.view"
    USER_DEACTIVATE = "user.deactivate"
    USER_EDIT = "user.edit"
    USER_INVITE = "user.invite"
    USER_LIST = "user.list"


Rule = Callable[..., bool]
RULES: dict[str, Rule] = {}


def rule(action: Action):
    if not isinstance(action, Action):
        raise TypeError(f"Rules are declared for an Action, not {action!r}")

    def register(fn: Rule) -> Rule:
        if action in RULES and RULES[action] is not fn:
            raise ValueError(f"Two rules for {action!r}")
        RULES[action] = fn
        return fn

    return register


def check_rules() -> None:
    """Every action has its rule once the features are imported (the app factory asks)."""
    missing = [action.value for action in Action if action not in RULES]
    if missing:
        raise RuntimeError(f"Actions without a rule: {', '.join(missing)}")


def can(user, action: Action | str, obj=None) -> bool:
    """``action`` is an enum member, or its text (templates); an unknown one is a KeyError."""
    check = RULES[action]
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return check(user, obj)


def require(user, action: Action, obj=None) -> None:
    if not can(user, action, obj):
        abort(403)


def authorise(action: Action, load: type | Callable | None = None, arg: str | None = None):
    """Load the URL's object and check ``action`` on it before the view runs.

    ``load`` is a model (looked up by primary key, 404 when missing) or a function taking
    the id; ``arg`` names the URL argument (``"topic_id"``), and the view receives the
    object under that name without ``_id`` (``topic``). Without ``load`` the action is
    checked with no object.
    """
    if (load is None) != (arg is None):
        raise TypeError("authorise() needs both load and arg, or neither")
    if not isinstance(action, Action):
        raise TypeError(f"Views authorise an Action, not {action!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            obj = None
            if load is not None:
                key = kwargs.pop(arg)
                obj = db.get_or_404(load, key) if isinstance(load, type) else load(key)
                kwargs[arg.removesuffix("_id")] = obj
            require(current_user, action, obj)
            return view(*args, **kwargs)

        return wrapper

    return decorate
