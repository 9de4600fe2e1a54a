"""Small helpers the account views share: where to go after signing in, and rate limits read
from the configuration."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def config_value(key: str):
    """A callable reading ``key`` at request time (Flask-Limiter's limit strings)."""
    return lambda: current_app.config[key]


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("deliverables.home")
