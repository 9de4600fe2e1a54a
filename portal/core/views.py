"""Home page and health check."""

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/")
@login_required
def home():
    return render_template("core/home.html")
