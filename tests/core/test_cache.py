"""portal.core.cache: values kept under versions that live in the database, bumped by the
transaction that changes the data — in each process's memory, or shared through Redis."""

import os

import pytest
import redis

from portal import create_app
from portal.core import cache
from portal.extensions import db
from portal.institutions.models import Institution
from tests import factories

REDIS_URI = "redis://127.0.0.1:6379/12"


def _institution_count(calls: list) -> int:
    calls.append(1)
    return db.session.scalar(db.select(db.func.count(Institution.id)))


def _new_institution(name: str) -> None:
    """Added and flushed, not committed."""
    db.session.add(Institution(name=name, cnpj=factories.valid_cnpj(), sphere="municipal",
                               uf="BA", elo="Municípios"))
    db.session.flush()


def test_a_value_is_kept_until_a_commit_bumps_its_version(cache_on, users):
    calls = []
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    assert calls == [1]
    _new_institution("Prefeitura Nova")
    db.session.commit()  # the panel's version ("network") follows institutions
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 4
    assert calls == [1, 1]


def test_a_transactions_own_changes_are_read_fresh_and_not_kept(cache_on, users):
    calls = []
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    _new_institution("Prefeitura Nova")  # a view that writes, then shows the figures
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 4
    db.session.rollback()
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    assert calls == [1, 1]  # the uncommitted 4 was never kept


def test_bumps_are_written_at_commit_and_dropped_by_a_rollback(cache_on, users):
    before = cache.versions("network")
    _new_institution("Prefeitura Desfeita")
    db.session.rollback()
    assert cache.versions("network") == before
    _new_institution("Prefeitura Mantida")
    db.session.commit()
    assert cache.versions("network") == (before[0] + 1,)


def test_off_computes_every_time(app, users):
    calls = []
    for _ in range(2):
        cache.cached("count", ["network"], lambda: _institution_count(calls))
    assert calls == [1, 1]


def test_the_memory_keeps_a_bounded_number_of_values(cache_on):
    cache_on.config["CACHE_MEMORY_ITEMS"] = 2
    for key in ("a", "b", "c"):
        cache.cached(key, [], lambda k=key: k)
    calls = []
    assert cache.cached("a", [], lambda: calls.append(1) or "a") == "a"  # dropped: computed
    assert cache.cached("c", [], lambda: calls.append(1) or "c") == "c"  # kept
    assert calls == [1]


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URI)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    return client


def test_redis_shares_values_between_processes(cache_on, users, tmp_path):
    client = _redis_or_skip()
    cache_on.config["CACHE_REDIS_URL"] = REDIS_URI
    calls = []
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    other = create_app({**cache_on.config, "CACHE_REDIS_URL": REDIS_URI})
    with other.app_context():  # another worker: same database, its own memory
        assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
        db.session.remove()
        db.engine.dispose()
    assert calls == [1]
    assert list(client.scan_iter("portal:count:*"))
    client.set("other-app:key", b"1")
    cache.clear()  # after a restore: the portal's values go, nothing else
    assert list(client.scan_iter("*")) == [b"other-app:key"]
    client.flushdb()


def test_redis_down_computes_instead_of_failing(cache_on, users, caplog):
    cache_on.config["CACHE_REDIS_URL"] = "redis://127.0.0.1:1/0"
    calls = []
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    assert cache.cached("count", ["network"], lambda: _institution_count(calls)) == 3
    assert calls == [1, 1] and "Redis unavailable" in caplog.text
