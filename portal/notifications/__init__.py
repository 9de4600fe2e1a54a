"""In-app notifications (e-mail copies and reminders come later)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from portal.notifications import views  # noqa: E402, F401
