"""The Rede's own work: training delivered by partners (meta 2.2) and, later, the SEGES panel."""

from flask import Blueprint

bp = Blueprint("network", __name__)

from portal.network import course_views, event_views, panel_views, views  # noqa: E402, F401
