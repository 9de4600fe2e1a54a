"""Portal da Rede de Parcerias: the application factory."""

import gc
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.cli import FlaskGroup

from portal import config as default_config
from portal import models  # noqa: F401 - every table in the metadata (Alembic, tests)
from portal.core import urls
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _configure(app, test_config)
    urls.init_app(app)  # refuses to start in production without PUBLIC_URL

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, default_locale="pt_BR",
                   default_timezone=app.config["DISPLAY_TIMEZONE"])
    limiter.init_app(app)
    # Every limit is a route's decorator, which checks itself; the portal sets no default or
    # application-wide limit, so the check Flask-Limiter runs before every request only cost.
    # (Nothing is registered when RATELIMIT_ENABLED is off.)
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)
    login_manager.init_app(app)

    from portal.core import assets, database, errors, htmx, security, templating
    from portal.core.access import check_rules

    assets.init_app(app)
    database.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    htmx.init_app(app)
    templating.init_app(app)

    from portal.agreements.views import bp as agreements_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth import policy, sessions  # noqa: F401 - policy declares the rules
    from portal.auth.views import bp as auth_bp
    from portal.calendar_feed.views import bp as calendar_feed_bp
    from portal.core.views import bp as core_bp
    from portal.courses.views import bp as courses_bp
    from portal.deliverables import review_views, settings_views  # noqa: F401 - their routes
    from portal.deliverables.views import bp as deliverables_bp
    from portal.events import access  # noqa: F401 - declares the event rules
    from portal.events.views import bp as events_bp
    from portal.focal_points.views import bp as focal_points_bp
    from portal.forum.views import bp as forum_bp
    from portal.institutions.views import bp as institutions_bp
    from portal.notifications import subscribers  # noqa: F401 - connects to the features' signals
    from portal.notifications.views import bp as notifications_bp
    from portal.ops.views import bp as ops_bp
    from portal.panel.views import bp as panel_bp
    from portal.plans.views import bp as plans_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.reports.views import bp as reports_bp
    from portal.training.views import bp as training_bp

    check_rules()
    sessions.init_app(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(deliverables_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(institutions_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(focal_points_bp)
    app.register_blueprint(forum_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(calendar_feed_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(panel_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(ops_bp)

    from portal.cli import register_commands

    register_commands(app)
    if not app.testing:
        # Everything built so far (modules, mappers, routes) lives as long as the process: out
        # of the garbage collector's full passes, which otherwise walked it all and paused a
        # request for tens of milliseconds now and then (docs/benchmarks.md). Not in tests,
        # which build many apps (frozen objects are never freed).
        gc.freeze()
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    if app.config.get("CACHE_ENABLED") is None:
        app.config["CACHE_ENABLED"] = not app.testing
    if app.config.get("FORBID_TEMPLATE_QUERIES") is None:
        app.config["FORBID_TEMPLATE_QUERIES"] = app.debug or app.testing
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)
    if not app.config.get("MAX_CONTENT_LENGTH"):
        # A request may carry a whole version's files (20) when JavaScript is off.
        app.config["MAX_CONTENT_LENGTH"] = (int(app.config["MAX_UPLOAD_MB"]) * 20 + 1) * 2**20
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(instance / "uploads")

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        minutes=int(app.config["SESSION_IDLE_MINUTES"])
    )


def _instance_secret_key(instance: Path) -> str:
    """Read the deployment's secret key, generating it once on first start."""
    path = instance / "secret_key"
    if not path.exists():
        try:
            with path.open("x", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:  # another worker created it first
            pass
    return path.read_text(encoding="ascii").strip()


def main() -> None:
    """The ``portal`` command: Flask's CLI bound to this app factory."""
    FlaskGroup(create_app=create_app, help="Portal da Rede de Parcerias.")(prog_name="portal")
