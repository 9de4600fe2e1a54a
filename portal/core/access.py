"""The engine behind "may this user do X (to this object)?".

Features declare their rules with :func:`rule`; views call :func:`require`, templates
:func:`can`. An action nobody declared is a programming error (KeyError), caught by the
route-matrix and template tests.
"""

from collections.abc import Callable

from flask import abort

Rule = Callable[..., bool]
RULES: dict[str, Rule] = {}


def rule(action: str):
    def register(fn: Rule) -> Rule:
        if action in RULES and RULES[action] is not fn:
            raise ValueError(f"Two rules for {action!r}")
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
