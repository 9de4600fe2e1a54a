"""The one place that answers "may this user do X (to this object)?".

Views call :func:`require`; templates call :func:`can` to hide what a role
cannot do. Each rule receives the user and the object (or None).
"""

from collections.abc import Callable

from flask import abort

from portal.auth.roles import PARTNER_ROLES, Role

Rule = Callable[..., bool]
RULES: dict[str, Rule] = {}


def rule(action: str):
    def register(fn: Rule) -> Rule:
        RULES[action] = fn
        return fn

    return register


def can(user, action: str, obj=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return RULES[action](user, obj)


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        abort(403)


def _is_admin(user) -> bool:
    return user.role == Role.SEGES_ADMIN


def _is_manager_of(user, institution_id: int | None) -> bool:
    return user.role == Role.PARTNER_MANAGER and institution_id == user.institution_id


# Institutions ---------------------------------------------------------------


@rule("institution.list")
def _list_institutions(user, _obj) -> bool:
    return user.is_seges


@rule("institution.create")
@rule("institution.edit")
def _manage_institutions(user, _obj) -> bool:
    return _is_admin(user)


@rule("institution.view")
def _view_institution(user, institution) -> bool:
    return (
        user.is_seges
        or institution.id == user.institution_id
        or institution.parent_id == user.institution_id
    )


# Users ----------------------------------------------------------------------


@rule("user.list")
def _list_users(user, _obj) -> bool:
    return _is_admin(user) or user.role == Role.PARTNER_MANAGER


@rule("user.invite")
def _invite_user(user, institution) -> bool:
    """``institution`` is where the new user will belong (None: any)."""
    if _is_admin(user):
        return True
    return institution is not None and _is_manager_of(user, institution.id)


@rule("user.edit")
def _edit_user(user, target) -> bool:
    if _is_admin(user):
        return True
    return _is_manager_of(user, target.institution_id) and target.role in PARTNER_ROLES


@rule("user.deactivate")
def _deactivate_user(user, target) -> bool:
    return target.id != user.id and _edit_user(user, target)


def assignable_roles(user) -> list[Role]:
    """Roles this user may give to others."""
    if _is_admin(user):
        return list(Role)
    if user.role == Role.PARTNER_MANAGER:
        return [Role.PARTNER_MANAGER, Role.PARTNER_MEMBER]
    return []
