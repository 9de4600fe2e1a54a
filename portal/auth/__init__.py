"""Login, passwords, accounts, roles and the permission policy."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import views  # noqa: E402, F401
