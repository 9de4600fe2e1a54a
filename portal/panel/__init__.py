"""SEGES's view of the whole Rede: progress per institution, filters, and exports."""

from flask import Blueprint

bp = Blueprint("panel", __name__)

from portal.panel import views  # noqa: E402, F401
