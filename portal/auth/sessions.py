"""Session handling: user loading with a per-user session version, idle timeout."""

from flask import Flask, flash, session
from flask_login import current_user

from portal.auth.models import User
from portal.core.htmx import is_htmx
from portal.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Entre com seu e-mail e senha para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the signed session carries a per-user version

    @app.before_request
    def _keep_session_alive() -> None:
        # The session cookie's signature age is checked against
        # PERMANENT_SESSION_LIFETIME on every request: idle sessions expire.
        if current_user.is_authenticated:
            session.permanent = True


@login_manager.user_loader
def load_user(user_id: str):
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_version != version:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import redirect, request, url_for


    flash(login_manager.login_message, "info")
    target = url_for(
        "auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None
    )
    if is_htmx() or request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    return redirect(target)
