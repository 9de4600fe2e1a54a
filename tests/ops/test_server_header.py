"""Issue 20, point 8: no version disclosure. gunicorn started with deploy/gunicorn.conf.py
answers with one ``Server: portal`` header (the app's; gunicorn's own is left out), on pages,
errors and the health check; nginx says only ``nginx`` (``server_tokens off``, checked live in
tests/ops/test_scale_out.py); the app itself names no software under any server."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PORTAL_", "GUNICORN_"))}
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1",
        PORTAL_SECRET_KEY="x", PORTAL_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db'}",
        PORTAL_UPLOAD_FOLDER=str(tmp_path / "uploads"), PORTAL_PUBLIC_URL="http://127.0.0.1",
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:]) \
                        from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_and_the_app_name_no_version(gunicorn):
    for path in ("/healthz", "/login", "/nao-existe", "/static/css/portal.css"):
        response = _get(gunicorn, path)
        assert response.headers.get_all("Server") == ["portal"], (path, response.headers)


def test_the_app_sets_a_server_header_without_version(client):
    response = client.get("/login")
    assert response.headers.get_all("Server") == ["portal"]


def test_nginx_hides_its_version():
    site = (DEPLOY / "nginx/portal.conf").read_text()
    assert re.search(r"^server_tokens off;$", site, re.MULTILINE)
