"""Capacitações: the training each institution delivered (meta 2.2), its evidence and hours."""

from flask import Blueprint

bp = Blueprint("training", __name__)

from portal.training import views  # noqa: E402, F401
