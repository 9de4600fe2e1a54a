"""Database engine setup shared by every backend."""

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

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


def is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


class IdConverter(IntegerConverter):
    """``<int:...>`` in URLs: ids are INTEGER columns, so /entregas/99999999999999999999 is a
    404 like any missing id (not an overflow in the database driver)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before the blueprints: their rules are compiled with the converters registered now.
    app.url_map.converters["int"] = IdConverter
    # Import every model module so metadata (and Alembic) sees all tables.
    from portal import models  # noqa: F401
