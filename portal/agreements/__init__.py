"""Institutions, agreements, goals, schedules, the work-plan importer and adhesions."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)

from portal.agreements import views  # noqa: E402, F401
