"""The forum: categories, topics, posts, search and moderation."""

from flask import Blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")

from portal.forum import views  # noqa: E402, F401
