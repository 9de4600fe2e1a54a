"""Session handling: user loading with a per-user session version and a per-session id,
idle timeout and a maximum age.

A session cookie is signed, not stored, so ending a session needs something on the server:

- ``User.session_version`` (in the login id, ``"<user id>:<version>"``) ends every session
  of the user at once: "Sair de todos os dispositivos", a password change, deactivation.
- ``session[SESSION_ID]``, a random id given at sign-in, ends one: "Sair" records it as an
  :class:`~portal.auth.models.EndedSession`, so a copy of that browser's cookie is refused
  while the other browsers stay signed in.
- ``session[SESSION_STARTED]`` (sign-in time) bounds a session's life: after
  ``SESSION_MAX_DAYS`` even an active session signs in again, which is also how long the
  ended ids need to be kept.
"""

import secrets
import time
from datetime import timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from sqlalchemy import bindparam

from portal.auth.models import EndedSession, User
from portal.core.htmx import is_htmx
from portal.extensions import db, login_manager

SESSION_ID = "sid"
SESSION_STARTED = "since"
# What Flask-Login keeps in the session for a signed-in user, plus ours.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", SESSION_ID, SESSION_STARTED)


# Answers that are the same for everyone: static files, the icon browsers ask for on their
# own, the health check.
SESSIONLESS = frozenset({"static", "core.favicon", "core.healthz"})


class _SessionInterface(SecureCookieSessionInterface):
    """Static files (and the other ``SESSIONLESS`` answers) never send the session cookie,
    nor ``Vary: Cookie``.

    Flask would re-send the cookie with every answer (the idle clock is refreshed on each
    request), so a font or the icon still loading when "Sair" answers arrived after it with
    the signed-in session and put it back (without the "Você saiu" message). And since any
    after-request hook reading the session (Flask-Login's does) marks the answer
    ``Vary: Cookie``, browsers kept a font or stylesheet only until the refreshed cookie
    changed, then fetched it again."""

    def save_session(self, app: Flask, session, response) -> None:
        if request.endpoint not in SESSIONLESS:
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Entre com seu e-mail e senha para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the signed session carries a per-user version

    @app.before_request
    def _keep_session_alive() -> None:
        # The session cookie's signature age is checked against
        # PERMANENT_SESSION_LIFETIME on every request: idle sessions expire.
        # (Not for a static file: it is the same for everyone, and loading the user costs a
        # query.)
        if request.endpoint not in SESSIONLESS and current_user.is_authenticated:
            session.permanent = True


def max_age() -> timedelta:
    """How long a session may live, however active (``SESSION_MAX_DAYS``)."""
    return timedelta(days=current_app.config["SESSION_MAX_DAYS"])


def new_session_id() -> None:
    """Give the session just signed in its random id and start time (called by the
    services that sign in, after ``login_user``)."""
    session[SESSION_ID] = secrets.token_urlsafe(32)
    session[SESSION_STARTED] = int(time.time())


def current_session_id() -> str | None:
    value = session.get(SESSION_ID)
    return value if isinstance(value, str) and value else None


def _too_old() -> bool:
    started = session.get(SESSION_STARTED)
    if not isinstance(started, int):
        return True
    return time.time() - started > max_age().total_seconds()


# Built once: every request of a signed-in user runs it (the session's id not ended).
_SIGNED_IN_USER = db.select(User).where(
    User.id == bindparam("user_id"),
    ~db.select(EndedSession.id).where(EndedSession.id == bindparam("session_id")).exists(),
)


@login_manager.user_loader
def load_user(user_id: str):
    user = _load(user_id)
    if user is None:
        # A dead login (session ended, other version, account gone): forget it, so the
        # cookie this response refreshes no longer carries it.
        for key in _LOGIN_KEYS:
            session.pop(key, None)
    return user


def _load(user_id: str) -> User | None:
    try:
        raw_id, raw_version = user_id.split(":", 1)
        key, version = int(raw_id), int(raw_version)
    except (ValueError, TypeError, AttributeError):
        return None
    session_id = current_session_id()
    if session_id is None or _too_old():
        return None
    user = db.session.scalar(_SIGNED_IN_USER, {"user_id": key, "session_id": session_id})
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    flash(login_manager.login_message, "info")
    target = url_for(
        "auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None
    )
    if is_htmx() or request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    return redirect(target)
