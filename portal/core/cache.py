"""What many requests share and few writes change, kept between requests, never stale.

A cached value is keyed by *versions* kept in the database (``cache_versions``): features
declare which writes change which versions (:func:`track`), and the transaction that makes
the change bumps them — so every process sees the change with its commit, with or without
Redis, and a rolled-back change bumps nothing. Reading the versions is one primary-key query.

The values themselves live in Redis when ``CACHE_REDIS_URL`` is set (shared by every worker
and host), otherwise in each process's memory (at most ``CACHE_MEMORY_ITEMS`` values, least
recently used dropped first). ``CACHE_SECONDS`` bounds any value's life; ``CACHE_ENABLED``
off (the tests' default) computes everything on every request.
"""

import functools
import hashlib
import json
import logging
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from time import monotonic

from flask import current_app
from sqlalchemy import bindparam, event, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core.database import is_postgresql
from portal.core.models import CacheVersion
from portal.extensions import db

log = logging.getLogger("portal.cache")

_trackers: list[tuple[tuple[type, ...], Callable]] = []
_bulk: list[tuple[frozenset[str], tuple[str, ...]]] = []  # (tables, versions)
_PENDING = "portal.cache.pending"  # session.info: versions this transaction must bump
_READ = "portal.cache.read"  # session.info: versions this transaction has read


# Versions ------------------------------------------------------------------------------------


def track(models: Iterable[type], versions: Callable[[list], Iterable[str]],
          bulk: Iterable[str]) -> None:
    """Bump ``versions(objects)`` whenever a flush adds, changes or deletes ``objects`` of
    ``models`` (called with the flushed objects of those models; it may query), and the
    ``bulk`` versions whenever a statement inserts, updates or deletes rows of their tables
    directly (``session.execute(update(Model)...)``: which rows is not known)."""
    models = tuple(models)
    _trackers.append((models, versions))
    _bulk.append((frozenset(m.__tablename__ for m in models), tuple(bulk)))


def changed(*names: str) -> None:
    """Bump ``names`` when this transaction commits: for writes no tracker sees (SQL text,
    such as a full-text index's rows)."""
    db.session.info.setdefault(_PENDING, set()).update(names)


def status_changed(obj) -> bool:
    """For a tracker: ``obj`` is being created or deleted, or its ``status`` changed (a draft
    being typed changes no count; sending or deciding it does)."""
    return (obj in db.session.new or obj in db.session.deleted
            or inspect(obj).attrs.status.history.has_changes())


def versions(*names: str) -> tuple[int, ...]:
    """The current version of each name (0 for one never bumped). Read once per transaction:
    what it commits is seen by the next one (the request's, or a CLI command's next)."""
    known = db.session.info.setdefault(_READ, {})
    missing = [name for name in names if name not in known]
    if missing:
        found = dict(db.session.execute(
            db.select(CacheVersion.name, CacheVersion.version)
            .where(CacheVersion.name.in_(missing))).tuples().all())
        known.update({name: found.get(name, 0) for name in missing})
    return tuple(known[name] for name in names)


@event.listens_for(db.session, "after_flush")
def _note_tracked(session, _context) -> None:
    changed = [*session.new, *session.dirty, *session.deleted]
    if not changed:
        return
    for models, versions_of in _trackers:
        objects = [o for o in changed if isinstance(o, models)]
        if objects:
            session.info.setdefault(_PENDING, set()).update(versions_of(objects))


@event.listens_for(db.session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    names = {name for tables, bulk in _bulk if table in tables for name in bulk}
    if names:
        state.session.info.setdefault(_PENDING, set()).update(names)


@event.listens_for(db.session, "before_commit")
def _bump_noted(session) -> None:
    """The versions this transaction changed, bumped all at once and in one order just before
    it commits: their rows stay locked (PostgreSQL) only while it commits, and two
    transactions never wait for each other's bumps in opposite orders."""
    session.flush()
    _increment(session.execute, session.info.pop(_PENDING, ()))


@event.listens_for(db.session, "after_rollback")
def _forget_noted(session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_READ, None)


@event.listens_for(db.session, "after_commit")
def _forget_read(session) -> None:
    session.info.pop(_READ, None)


def _increment(execute, names: Iterable[str]) -> None:
    names = sorted(set(names))
    if names:
        execute(_upsert(is_postgresql()), [{"name": name} for name in names])


@functools.cache
def _upsert(postgresql: bool):
    """Insert a version at 1 or add 1 to it; built once (it runs with most commits)."""
    table = CacheVersion.__table__
    insert = postgresql_insert if postgresql else sqlite_insert
    return insert(table).values(name=bindparam("name"), version=1).on_conflict_do_update(
        index_elements=["name"], set_={"version": table.c.version + 1})


# Values --------------------------------------------------------------------------------------


class _Memory:
    def __init__(self, items: int) -> None:
        self.items = items
        self.values: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            hit = self.values.get(key)
            if hit is None or hit[0] < monotonic():
                return None
            self.values.move_to_end(key)
            return hit[1]

    def set(self, key: str, value, seconds: int) -> None:
        with self.lock:
            self.values[key] = (monotonic() + seconds, value)
            self.values.move_to_end(key)
            while len(self.values) > self.items:
                self.values.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


class _Redis:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5)

    def get(self, key: str):
        try:
            raw = self.client.get(key)
        except Exception:
            log.warning("cache: Redis unavailable, computing %s", key)
            return None
        return None if raw is None else pickle.loads(raw)  # noqa: S301 - our own values

    def set(self, key: str, value, seconds: int) -> None:
        try:
            self.client.set(key, pickle.dumps(value), ex=seconds)
        except Exception:
            log.warning("cache: Redis unavailable, %s not kept", key)

    def clear(self) -> None:
        try:
            for key in self.client.scan_iter("portal:*", count=1000):
                self.client.delete(key)
        except Exception:
            log.warning("cache: Redis unavailable, its values were not dropped")


def _store():
    store = current_app.extensions.get("portal.cache")
    if store is None:
        url = current_app.config.get("CACHE_REDIS_URL")
        store = _Redis(url) if url else _Memory(int(current_app.config["CACHE_MEMORY_ITEMS"]))
        current_app.extensions["portal.cache"] = store
    return store


def clear() -> None:
    """Drop every kept value (after a restore: the versions went back with the database, so
    a value kept before it could match a version again)."""
    _store().clear()


def digest(*parts) -> str:
    """A short, stable key part for values of any length (search words, query arguments)."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def cached(key: str, depends_on: Iterable[str], compute: Callable[[], object]):
    """``compute()``, or the value kept for ``key`` while the versions it ``depends_on``
    are unchanged. Values must be picklable (Redis) and must not be changed by callers."""
    names = tuple(depends_on)
    if not current_app.config["CACHE_ENABLED"]:
        return compute()
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.flush()  # this transaction's own changes are noted...
    if set(names) & db.session.info.get(_PENDING, set()):
        return compute()  # ...and read as they are now, never kept before they commit
    full_key = f"portal:{key}:" + ".".join(map(str, versions(*names)))
    store = _store()
    kept = store.get(full_key)  # a 1-tuple, so that None is kept too
    if kept is None:
        kept = (compute(),)
        store.set(full_key, kept, int(current_app.config["CACHE_SECONDS"]))
    return kept[0]
