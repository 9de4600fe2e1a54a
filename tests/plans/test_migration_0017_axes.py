"""Migration 0017: the ``axes`` table with the three eixos, on a database at revision 0016.

SQLite by default; PostgreSQL too when PORTAL_TEST_DATABASE_URI is set.
"""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.agreements import services as agreements
from portal.extensions import db
from tests.factories import scratch_database_uri

ROWS = [(1, "Melhoria da Gestão"), (2, "Capacitação"), (3, "Comunicação e Transparência")]


def _config(uri, tmp_path):
    return {"TESTING": True, "SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": uri,
            "SERVER_NAME": "localhost", "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://"}


def _axes() -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.text("SELECT number, name FROM axes ORDER BY number"))]


def _has_axes_table() -> bool:
    with db.engine.connect() as connection:
        return sa.inspect(connection).has_table("axes")


def test_upgrade_creates_the_eixos_and_downgrade_removes_them(tmp_path):
    with scratch_database_uri(tmp_path) as uri:
        app = create_app(_config(uri, tmp_path))
        with app.app_context():
            try:
                upgrade(revision="0016")
                assert not _has_axes_table()
                upgrade(revision="0017")
                db.engine.dispose()
                assert _axes() == ROWS
                with app.test_request_context("/"):
                    assert agreements.axis_names() == dict(ROWS)
                db.session.remove()  # its transaction would hold the table against DROP
                # Renamed by SEGES, then down and up again: the table starts over.
                with db.engine.begin() as connection:
                    connection.execute(sa.text("UPDATE axes SET name = 'Gestão' WHERE number = 1"))
                downgrade(revision="0016")
                db.engine.dispose()
                assert not _has_axes_table()
                upgrade()
                db.engine.dispose()
                assert _axes() == ROWS
                with db.engine.begin() as connection:  # the number is the key, no sequence
                    connection.execute(sa.text("INSERT INTO axes (number, name) VALUES (4, 'X')"))
            finally:
                db.session.remove()
                db.engine.dispose()
