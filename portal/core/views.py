"""Health check, and the icon browsers ask for by its conventional address."""

from flask import Blueprint, redirect, url_for

from portal.core import health

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    return health.report()


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for ``/favicon.ico`` where a document names no icon (``/healthz``, a PDF):
    the portal's own icon, rather than a 404 page (which would also start a session)."""
    return redirect(url_for("static", filename="img/favicon.svg"))
