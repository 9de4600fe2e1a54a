"""Notifications: in-app list and bell, e-mail copies per preference, daily reminders."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from portal.notifications import views  # noqa: E402, F401
