"""Partner workspace: what is due, submissions with evidence, downloads."""

from flask import Blueprint

bp = Blueprint("deliverables", __name__)

from portal.deliverables import review_views, settings_views, views  # noqa: E402, F401
