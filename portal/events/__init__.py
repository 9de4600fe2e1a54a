"""Meetings and forums SEGES convenes (metas 1.7, 3.4), attendance, and its requests."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from portal.events import views  # noqa: E402, F401
