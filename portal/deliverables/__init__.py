"""Partner workspace: what is due, submissions with evidence, downloads."""

from flask import Blueprint

bp = Blueprint("deliverables", __name__)

from portal.deliverables import views  # noqa: E402, F401
