"""Issue 20, point 11: degrade, don't fail. With the rate-limit storage (Redis) unreachable,
pages keep working, rate limits are still enforced — counted in the process's memory
(Flask-Limiter's in-memory fallback, on by default) — the log says so, and ``/healthz``
answers 200 ``degraded`` naming what is down."""

import logging
import socket

from portal import create_app
from tests import factories


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def test_redis_down_degrades_to_in_memory_limits(app, users, own_app, app_config,
                                                 database_uri, tmp_path, caplog):
    redis = f"redis://127.0.0.1:{_closed_port()}/0"
    try:
        with own_app(database_uri, tmp_path, empty=False, RATELIMIT_STORAGE_URI=redis,
                     RATELIMIT_LOGIN_PER_IP="3 per minute") as degraded:
            client = degraded.test_client()
            with caplog.at_level(logging.WARNING):
                health = client.get("/healthz")
                assert health.status_code == 200
                assert health.json["status"] == "degraded"
                assert health.json["database"] == "ok"
                assert health.json["down"] == ["rate_limits"]
                assert health.json["rate_limits"].startswith("unreachable")
                assert "Armazenamento dos limites de taxa inacessível" in caplog.text
                assert "127.0.0.1" in caplog.text

                assert client.get("/login").status_code == 200  # pages keep working
                statuses = [
                    client.post("/login", data={"email": "gestor@mg.test",
                                                "password": "senha-errada-1234"}).status_code
                    for _ in range(4)
                ]
                assert statuses == [422, 422, 422, 429]  # still limited, in memory
                assert "falling back to in-memory storage" in caplog.text
                response = client.post("/login", data={"email": "membro@mg.test",
                                                       "password": factories.PASSWORD},
                                       environ_base={"REMOTE_ADDR": "10.1.2.3"})
                assert response.status_code == 302
            assert client.get("/").status_code == 200
    finally:
        # The limiter is one object for every app of the process: give it back a memory://
        # storage, as the shared test application has.
        create_app(app_config(database_uri, tmp_path))


def test_healthz_says_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
