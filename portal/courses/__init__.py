"""The Rede's course schedule (meta 3.2): courses, classes, and the published calendar."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from portal.courses import views  # noqa: E402, F401
