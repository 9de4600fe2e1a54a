"""Health check."""

from flask import Blueprint

from portal.core import health

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    return health.report()
