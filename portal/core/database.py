"""Database engine setup shared by every backend, and one transaction per request.

Services change and flush; the request commits once, after the view, when the answer is a
success or a redirect (status < 400), and rolls back otherwise — so a refused or failed
request changes nothing. CLI commands commit at their end.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from portal.core.exceptions import DomainError
from portal.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _postgresql_settings(app: Flask) -> None:
    settings = app.config.get("POSTGRESQL_SETTINGS") or {}
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql" or not settings:
        return

    @event.listens_for(engine, "connect")
    def _set(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            for name, value in settings.items():
                cursor.execute("SELECT set_config(%s, %s, false)", (name, str(value)))
        dbapi_connection.commit()


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def insert_once(model, keys: list[str], **values) -> bool:
    """``INSERT … ON CONFLICT (keys) DO NOTHING``: True when this call inserted the row.

    Of concurrent transactions inserting the same key exactly one does; the others wait for
    it (PostgreSQL) or run after it (SQLite serialises writers), insert nothing and read the
    winner's row afterwards — no IntegrityError, no aborted transaction, no savepoint.
    """
    insert = postgresql_insert if is_postgresql() else sqlite_insert
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
                 .returning(*(getattr(model, key) for key in keys)))
    # RETURNING, not rowcount: psycopg reports -1 for it. A skipped row returns nothing.
    return db.session.execute(statement).first() is not None


def stream_rows(query, batch: int = 1000):
    """Every row of ``query``, fetched ``batch`` at a time rather than all at once (exports):
    a server-side cursor on PostgreSQL, SQLite's own cursor elsewhere. The cursor is closed
    also when the reader stops early (a download the client abandons)."""
    with db.session.execute(query.execution_options(yield_per=batch)) as result:
        yield from result


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: ids are INTEGER columns, so /entregas/99999999999999999999 is a
    404 like any missing id (not an overflow in the database driver)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


@dataclass
class Refusal:
    """What a rule refused inside :func:`refusal` (``error`` stays None when nothing was)."""

    error: DomainError | None = None

    @property
    def message(self) -> str:
        return self.error.message if self.error else ""

    @property
    def status(self) -> int:
        return self.error.status if self.error else 200


@contextmanager
def refusal(*shown) -> Iterator[Refusal]:
    """Run services whose refusal the view answers itself (a form, a fragment): the refusal is
    kept in the yielded :class:`Refusal`, and what the services did is undone. Everywhere else
    a ``DomainError`` simply propagates to the error handler (``core.errors``).

    The rollback expires every object; ``shown`` are those the view's answer shows, loaded
    again here so that the template does not (templates never query)."""
    outcome = Refusal()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        outcome.error = error
        for instance in shown:
            if instance is not None and sa_inspect(instance).persistent:
                db.session.refresh(instance)


def finish_transaction(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    # Before the blueprints: their rules are compiled with the converters registered now.
    app.url_map.converters["int"] = IdConverter
    app.after_request(finish_transaction)
    _postgresql_settings(app)
