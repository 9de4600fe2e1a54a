"""Fixtures for backup/restore and the storage check: evidence made through the services,
and a second, empty instance (its own database and UPLOAD_FOLDER) to restore into."""

import secrets
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories


@pytest.fixture
def evidence(app, act, users):
    """Three evidence files on two deliverables and a training record with its own file."""
    member = users["partner_member"]
    first, second = db.session.scalars(
        db.select(Deliverable)
        .where(Deliverable.institution_id == member.institution_id)
        .order_by(Deliverable.id)
        .limit(2)
    ).all()
    rows = [
        factories.evidence(deliverable, member, f"relatorio-{tag}.pdf", factories.pdf(tag))
        for deliverable, tag in ((first, "a"), (first, "b"), (second, "c"))
    ]
    factories.training_record(
        member, start_on=date(2025, 11, 3), end_on=date(2025, 11, 5), participants=10,
        modality="hibrido", file=factories.pdf("lista"),
    )
    db.session.commit()  # saved by earlier requests: the checks read committed rows
    return rows


@pytest.fixture
def empty_instance(app, app_config):
    """Factory: ``with empty_instance(folder) as other`` gives an instance with a database
    never migrated and an UPLOAD_FOLDER of its own (``folder``)."""

    @contextmanager
    def make(folder):
        """An instance with a database never migrated and an UPLOAD_FOLDER of its own."""
        base = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        server = name = None
        folder.mkdir()
        if base.get_backend_name() == "postgresql":
            name = f"{base.database}_r{secrets.token_hex(3)}"
            server = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with server.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            uri = base.set(database=name).render_as_string(hide_password=False)
        else:
            uri = f"sqlite:///{folder / 'portal.sqlite3'}"
        other = create_app(app_config(uri, folder))
        try:
            yield other
        finally:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
            if server is not None:
                with server.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                server.dispose()

    return make


@pytest.fixture
def second_app(empty_instance, tmp_path):
    with empty_instance(tmp_path / "restaurada") as other:
        yield other
