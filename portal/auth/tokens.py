"""One-time signed links for password reset and account activation."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.auth.models import User
from portal.extensions import db

PURPOSES = {"reset": "PASSWORD_RESET_HOURS", "activate": "ACCOUNT_ACTIVATION_DAYS"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal-{purpose}")


def _stamp(user) -> str:
    """Changes whenever the password or the session version changes: links work once."""
    raw = f"{user.password_hash or ''}|{user.session_version}|{user.active}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _max_age(purpose: str) -> int:
    key = PURPOSES[purpose]
    value = int(current_app.config[key])
    return value * 3600 if key.endswith("HOURS") else value * 86400


def make_token(user, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "s": _stamp(user)})


def load_token(token: str, purpose: str):
    """Return the user the link was made for, or None if invalid, expired or used."""
    try:
        data = _serializer(purpose).loads(token, max_age=_max_age(purpose))
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or _stamp(user) != data.get("s"):
        return None
    return user
