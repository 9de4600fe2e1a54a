"""Test fixtures: one schema per run (built by the migrations), clean tables per test.

SQLite by default; PostgreSQL when PORTAL_TEST_DATABASE_URI is set.
"""

import functools
import hashlib
import os
import secrets
from contextlib import contextmanager

import email_validator
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.core import mail
from portal.extensions import db, limiter
from tests import clock, factories

email_validator.TEST_ENVIRONMENT = True  # accept the reserved .test domain used below

@pytest.fixture(scope="session", autouse=True)
def _travel_to_portal_test_now():
    """The whole run at PORTAL_TEST_NOW, when it is set (see tests/clock.py)."""
    destination = clock.travel_destination()
    if destination is None:
        yield
        return
    import time_machine

    with time_machine.travel(destination, tick=True):
        yield


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, unless csrf=False."""

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as Flask-WTF does
                sess["csrf_token"] = raw
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = str(kwargs.get("method", "GET")).upper()
        if csrf and method in factories.UNSAFE_METHODS and kwargs.get("json") is None:
            data = kwargs.get("data")
            data = {} if data is None else data
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        # What the test prepared through services is a finished earlier request: committed.
        # Each request gets its own app context (fresh ``g`` and database session), as in
        # production; the test's own session then forgets what it cached.
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def htmx(self, url: str, method: str = "GET", **kwargs):
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        return self.open(url, method=method, headers=headers, **kwargs)


@contextmanager
def _scratch_database(tmp_path_factory):
    """A database of this run's own: a SQLite file, or a fresh PostgreSQL database created
    next to PORTAL_TEST_DATABASE_URI's (so parallel runs never share tables) and dropped after.
    """
    base = os.environ.get("PORTAL_TEST_DATABASE_URI")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    url = make_url(base)
    name = f"{url.database}_{os.getpid()}_{secrets.token_hex(3)}"
    server = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A scratch database: a commit need not wait for the disk (crash safety is moot).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _test_config(uri: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "PASSWORD_HASH_METHOD": "scrypt:256:8:1",  # cheap: tests hash thousands of times
        "SERVER_NAME": "localhost",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
        "MAIL_DELIVERY": "immediate",  # the outbox tests set "outbox" and run the worker
    }


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    """Build the schema once per run from the migrations (which are thereby tested)."""
    with _scratch_database(tmp_path_factory) as uri:
        app = create_app(_test_config(uri, tmp_path_factory.mktemp("setup")))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield uri


@pytest.fixture(scope="session")
def _shared_app(database_uri, tmp_path_factory):
    """One application per worker: building it (and warming SQLAlchemy's statement cache, which
    lives on the engine) once instead of per test is most of what keeps the suite fast."""
    app = create_app(_test_config(database_uri, tmp_path_factory.mktemp("app")))
    app.test_client_class = PortalClient
    yield app
    with app.app_context():
        db.engine.dispose()  # the pool's connections closed before the database is dropped


@contextmanager
def _lent(app, tmp_path):
    """A worker's application lent to one test: its own configuration copy, upload folder and
    outbox, in an app context; every table is emptied afterwards."""
    config = dict(app.config)
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    mail.backend(app).outbox.clear()
    limiter.reset()
    try:
        with app.app_context():
            yield app
            db.session.remove()
            _empty_tables()
    finally:
        app.config.clear()
        app.config.update(config)


@pytest.fixture(scope="session")
def lend_app():
    """``with lend_app(app, tmp_path)``: what ``app`` does, for another worker-wide app."""
    return _lent


@pytest.fixture
def app(_shared_app, tmp_path):
    """The worker's application with this test's own configuration copy, upload folder and
    outbox; every table is emptied afterwards."""
    with _lent(_shared_app, tmp_path) as app:
        yield app


@pytest.fixture
def cache_on(app):
    """The cache on (it is off in tests) and empty; what the test wrote so far committed,
    with the versions that bumps."""
    db.session.commit()
    app.config["CACHE_ENABLED"] = True
    app.extensions.pop("portal.cache", None)
    yield app
    app.config["CACHE_ENABLED"] = False
    app.config.pop("CACHE_REDIS_URL", None)
    app.extensions.pop("portal.cache", None)


@contextmanager
def _own_app(uri: str, folder, *, empty: bool = True, **config):
    """An application of its own on ``uri`` (the test configuration, ``config`` on top), in
    its app context while the block runs; its tables are emptied afterwards when ``empty``."""
    app = create_app({**_test_config(uri, folder), **config})
    app.test_client_class = PortalClient
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            if empty:
                _empty_tables()
            db.engine.dispose()


@pytest.fixture(scope="session")
def app_config():
    """The test configuration: ``app_config(database_uri, folder)`` → dict for create_app."""
    return _test_config


@pytest.fixture(scope="session")
def own_app():
    """Factory: ``with own_app(database_uri, folder, **config) as app`` gives an application
    of the caller's own (for a live server, a module's shared data, or routes added to it)."""
    return _own_app


@pytest.fixture
def fresh_app(database_uri, tmp_path):
    """An application of this test's own, for tests that add routes or handlers to it."""
    with _own_app(database_uri, tmp_path) as app:
        yield app


def _empty_tables() -> None:
    """DELETE, children first, from the tables the test wrote rows to. One statement finds
    them: a DELETE from each of the 40 tables cost 6 ms a test on PostgreSQL (0.6 ms so),
    1 ms on SQLite (0.14 ms). DELETE rather than TRUNCATE: far quicker for small tables."""
    finding, deleting = _emptying(db.engine.dialect)
    with db.engine.begin() as connection:
        written = set(connection.exec_driver_sql(finding).scalars())
        for name, delete in deleting.items():
            if name in written:
                connection.exec_driver_sql(delete)


@functools.cache
def _emptying(dialect) -> tuple[str, dict[str, str]]:
    """The SQL of :func:`_empty_tables`, written once (building it with SQLAlchemy's
    expressions on every call took longer than running it, ≈ 2.5 ms), and the DELETE of each
    table, children first."""
    quoted = {table.name: dialect.identifier_preparer.quote(table.name)
              for table in reversed(db.metadata.sorted_tables)}
    # Table names from the models, quoted by the dialect: no outside input.
    finding = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {table})"  # noqa: S608
        for name, table in quoted.items()
    )
    return finding, {name: f"DELETE FROM {table}" for name, table in quoted.items()}  # noqa: S608


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def outbox(app) -> list:
    return mail.backend(app).outbox


@pytest.fixture
def seges(app):
    return factories.institution(
        name="Secretaria de Gestão e Inovação",
        acronym="SEGES",
        cnpj="00489828000155",
        sphere="federal",
        uf=None,
        elo="União",
        is_secretariat=True,
    )


@pytest.fixture
def users(seges):
    """One user per role, plus a manager of another state (for isolation tests)."""
    mg, es = factories.institutions(
        {"name": "Governo de Minas Gerais", "acronym": "SCC/MG", "cnpj": "50941185000107",
         "uf": "MG"},
        {"name": "Governo do Espírito Santo", "acronym": "SEGER/ES", "cnpj": "27080530000143",
         "uf": "ES"},
    )
    people = {
        "seges_admin": ("admin@seges.test", "seges_admin", seges),
        "seges_reviewer": ("revisor@seges.test", "seges_reviewer", seges),
        "partner_manager": ("gestor@mg.test", "partner_manager", mg),
        "partner_member": ("membro@mg.test", "partner_member", mg),
        "other_manager": ("gestor@es.test", "partner_manager", es),
    }
    made = factories.users(*people.values())
    return dict(zip(people, made, strict=True))


@pytest.fixture
def act(users):
    """MG's ACT 160/2025 imported from the seed plan, started 01/10/2025 (SEGES and MG from
    ``users``)."""
    return factories.seed_agreement()


@pytest.fixture
def painel(act, users):
    """MG's deliverable for goal 1.2 (indicate who accesses the Painel; due 16/10/2025)."""
    return factories.deliverable_of(act, "1.2", users["partner_manager"].institution_id)


@pytest.fixture
def login(client):
    def do_login(user, password: str = factories.PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do_login
