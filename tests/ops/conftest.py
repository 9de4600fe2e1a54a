"""Fixtures for backup/restore and the storage check: evidence made through the services,
and a second, empty instance (its own database and UPLOAD_FOLDER) to restore into."""

import io
import secrets
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from werkzeug.datastructures import FileStorage

from portal import create_app
from portal.deliverables import services as deliverables
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.training import services as network
from tests.conftest import _test_config
from tests.deliverables import conftest as workspace
from tests.deliverables.conftest import PDF

act = workspace.act  # MG's ACT 160/2025 imported from the seed


def pdf(tag: str) -> bytes:
    return PDF + f"% {tag}\n".encode()


def add_evidence(deliverable, by, tag: str):
    upload = FileStorage(io.BytesIO(pdf(tag)), f"relatorio-{tag}.pdf")
    return deliverables.add_files(deliverable, [upload], by=by)[0]


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
        add_evidence(first, member, "a"),
        add_evidence(first, member, "b"),
        add_evidence(second, member, "c"),
    ]
    network.save_record(
        None,
        institution_id=member.institution_id,
        by=member,
        title="Curso",
        start_on=date(2025, 11, 3),
        end_on=date(2025, 11, 5),
        hours=24,
        participants=10,
        modality="hibrido",
        upload=FileStorage(io.BytesIO(pdf("lista")), "lista.pdf"),
    )
    return rows


@contextmanager
def empty_instance(app, folder):
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
    other = create_app(_test_config(uri, folder))
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


@pytest.fixture
def second_app(app, tmp_path):
    with empty_instance(app, tmp_path / "restaurada") as other:
        yield other


def invoke(target_app, *args):
    """Run a ``portal`` command against ``target_app`` in its own app context."""
    with target_app.app_context():
        result = target_app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    return result
