"""Two app servers against one PostgreSQL, one Redis and one shared upload folder behave as
one, also with nginx (deploy/nginx/portal.conf) in front.

The cluster is real: a scratch PostgreSQL database of its own on the server of
PORTAL_TEST_DATABASE_URI (or the default ``test`` one, on SQLite runs too), built and
filled with the ``portal`` command, and two gunicorn processes started with
deploy/gunicorn.conf.py on free ports, sharing SECRET_KEY, Redis (database 13, under a key
prefix of this run's own) and UPLOAD_FOLDER. Without PostgreSQL or Redis the cluster tests
are skipped locally and fail when CI=true; the nginx test needs /usr/sbin/nginx.
"""

import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tests.factories import PDF

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URI = "redis://127.0.0.1:6379/13"
MG_CNPJ = "50941185000107"  # the partner of the seed ACT 160/2025
EMAIL, PASSWORD = "membro@mg.test", "senha-do-cluster-2025"
PUBLIC_HOST = "rededeparcerias.exemplo.gov.br"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# HTTP --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    https: bool = False

    def connection(self) -> http.client.HTTPConnection:
        if self.https:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
            # Sent to 127.0.0.1 but with the public name in SNI, as a browser would: nginx
            # refuses the handshake for any other name.
            connection = http.client.HTTPSConnection(PUBLIC_HOST, self.port, timeout=30,
                                                     context=context)
            connection._create_connection = lambda address, *args, **kwargs: (
                socket.create_connection(("127.0.0.1", address[1]), *args, **kwargs))
            return connection
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """A cookie jar that may send each request to a different server."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, server: Server, method: str, path: str, body=None, headers=None):
        headers = {"Host": PUBLIC_HOST if server.https else f"127.0.0.1:{server.port}",
                   **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = server.connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            self.cookies.update({k: m.value for k, m in cookie.items()})
        return Response(response.status, response.headers, data)

    def get(self, server: Server, path: str, **kwargs) -> Response:
        return self.request(server, "GET", path, **kwargs)

    def token(self, server: Server, path: str) -> str:
        page = self.get(server, path).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post_form(self, server: Server, path: str, data: dict, token_from: str | None = None):
        fields = {"csrf_token": self.token(server, token_from or path), **data}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if server.https:  # WTF_CSRF_SSL_STRICT: a same-origin Referer over HTTPS
            headers["Referer"] = f"https://{PUBLIC_HOST}{token_from or path}"
        return self.request(server, "POST", path, urlencode(fields), headers)

    def login(self, server: Server, email: str = EMAIL, password: str = PASSWORD) -> Response:
        return self.post_form(server, "/login", {"email": email, "password": password})


# The cluster -------------------------------------------------------------------------------


@dataclass
class Cluster:
    a: Server
    b: Server
    env: dict
    uploads: Path
    logs: Path
    prefix: str
    folder: Path
    database: str
    processes: list = field(default_factory=list)

    def portal(self, *commands: list[str]) -> None:
        """Run ``portal`` commands, in one interpreter (the app loads once, not per command)."""
        script = (
            "import json, sys\n"
            "from portal import create_app\n"
            "runner = create_app().test_cli_runner()\n"
            "for args in json.loads(sys.argv[1]):\n"
            "    result = runner.invoke(args=args)\n"
            "    if result.exit_code:\n"
            "        sys.exit(f'portal {args}: {result.output}{result.exception!r}')\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, json.dumps(commands)], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    def start(self, server: Server, bind: str) -> None:
        log = (self.logs / f"{server.name}.log").open("wb")
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py")],
            cwd=ROOT, env={**self.env, "GUNICORN_BIND": bind, "GUNICORN_WORKERS": "1"},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        self.processes.append(process)

    def wait_ready(self, server: Server) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Browser().get(server, "/healthz").status == 200:
                    return
            except OSError:
                pass
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.1)
        logs = "\n".join(p.read_text()[-2000:] for p in self.logs.glob("*.log"))
        raise AssertionError(f"{server.name} did not start:\n{logs}")

    def scalar(self, sql: str):
        engine = create_engine(self.database, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return connection.scalar(text(sql))
        finally:
            engine.dispose()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def postgres_database():
    base = make_url(os.environ.get("PORTAL_TEST_DATABASE_URI") or PG_DEFAULT)
    if base.get_backend_name() != "postgresql":
        base = make_url(PG_DEFAULT)
    server = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"{base.database}_scale_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        server.dispose()
        _unavailable(f"PostgreSQL indisponível em {base.host}:{base.port}: {error.orig}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def redis_prefix():
    client = redis.Redis.from_url(REDIS_URI, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable(f"Redis indisponível em {REDIS_URI}: {error}")
    prefix = f"portal-test-scale-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def cluster(postgres_database, redis_prefix, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "GUNICORN_", "FORWARDED_ALLOW_IPS"))
    }
    env.update(
        PORTAL_SQLALCHEMY_DATABASE_URI=postgres_database,
        PORTAL_UPLOAD_FOLDER=str(folder / "uploads-compartilhados"),
        PORTAL_SECRET_KEY=secrets.token_hex(32),
        PORTAL_RATELIMIT_STORAGE_URI=REDIS_URI,
        PORTAL_RATELIMIT_KEY_PREFIX=redis_prefix,
        PORTAL_RATELIMIT_LOGIN_PER_ACCOUNT="4 per 15 minutes",
        PORTAL_PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        PORTAL_PROXY_FIX="1",  # as behind nginx; production defaults otherwise
        PORTAL_PUBLIC_URL=f"https://{PUBLIC_HOST}",
        PORTAL_EXTRA_TRUSTED_HOSTS="127.0.0.1",  # the servers reached directly
    )
    (folder / "logs").mkdir()
    cluster = Cluster(
        a=Server("A", _free_port()), b=Server("B", _free_port()), env=env,
        uploads=folder / "uploads-compartilhados", logs=folder / "logs", prefix=redis_prefix,
        folder=folder, database=postgres_database,
    )
    seed = ROOT / "portal/data/plano-de-trabalho-act-160-2025-mg.txt"
    cluster.portal(
        ["db", "upgrade"],
        ["plan", "import", str(seed), "--start", "2025-10-01"],
        ["users", "create", "--email", EMAIL, "--name", "Membro do Cluster",
         "--role", "partner_member", "--institution", MG_CNPJ, "--password", PASSWORD],
    )
    try:
        for server in (cluster.a, cluster.b):
            cluster.start(server, f"127.0.0.1:{server.port}")
        for server in (cluster.a, cluster.b):
            cluster.wait_ready(server)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def member(cluster) -> Browser:
    """The partner member, logged in through A."""
    browser = Browser()
    response = browser.login(cluster.a)
    assert response.status == 302, response.text[:2000]
    return browser


# Two servers, one portal -------------------------------------------------------------------


def test_session_started_on_one_server_is_valid_on_the_other(cluster, member):
    page = member.get(cluster.b, "/")
    assert page.status == 200
    assert "Membro do Cluster" in page.text
    assert Browser().get(cluster.b, "/").status == 302  # and not for a stranger

    # Logging out through B ends the session everywhere, even for a copy of the old cookie.
    stolen = Browser(dict(member.cookies))
    assert stolen.get(cluster.a, "/").status == 200
    ended = member.post_form(cluster.b, "/logout", {}, token_from="/")
    assert ended.status == 302
    assert stolen.get(cluster.a, "/").status == 302
    assert member.login(cluster.a).status == 302


def test_login_rate_limit_is_counted_across_servers(cluster):
    target = "alvo@mg.test"
    statuses = [
        Browser().login(server, target, "senha-errada-123").status
        for server in (cluster.a, cluster.b, cluster.a, cluster.b, cluster.a)
    ]
    # 4 failed logins per account, counted in Redis: two on each server, the fifth refused.
    assert statuses == [422, 422, 422, 422, 429]
    assert Browser().login(cluster.b, target, "senha-errada-123").status == 429
    keys = redis.Redis.from_url(REDIS_URI).keys(f"*{cluster.prefix}*")
    assert keys, "the counters live in Redis under the run's prefix"


def test_file_uploaded_through_one_server_downloads_through_the_other(cluster, member):
    home = member.get(cluster.a, "/").text
    deliverable = re.search(r'href="/entregas/(\d+)"', home).group(1)
    token = member.token(cluster.a, f"/entregas/{deliverable}")
    content = PDF + f"% {uuid.uuid4()}\n".encode()
    boundary = secrets.token_hex(12)
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
        f"filename=\"relatorio-cluster.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    uploaded = member.request(cluster.a, "POST", f"/entregas/{deliverable}/evidencias", body,
                              {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert uploaded.status == 302, uploaded.text[:2000]

    page = member.get(cluster.b, f"/entregas/{deliverable}").text
    assert "relatorio-cluster.pdf" in page
    evidence = re.search(r'href="(/evidencias/\d+/arquivo)"', page).group(1)
    download = member.get(cluster.b, evidence)
    assert download.status == 200
    assert download.body == content
    assert "attachment" in download.headers["Content-Disposition"]
    stored = [p for p in cluster.uploads.rglob("*") if p.is_file() and ".tmp" not in p.parts]
    digest = hashlib.sha256(content).hexdigest()
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in stored] == [digest]


@pytest.mark.parametrize("page", ["/ativar/{}", "/calendario/{}.ics"])
def test_secret_tokens_stay_out_of_the_access_log(cluster, page):
    secret = secrets.token_urlsafe(24)
    path = page.format(secret)
    assert Browser().get(cluster.a, path).status in (200, 302, 404)
    hidden = page.split("{}")[0] + "[oculto]"
    deadline = time.monotonic() + 5
    log = ""
    while hidden not in log and time.monotonic() < deadline:
        time.sleep(0.05)
        log = (cluster.logs / "A.log").read_text()
    assert hidden in log
    assert secret not in log


# nginx in front (deploy/nginx/portal.conf) -------------------------------------------------


def _nginx_config(folder: Path, upstream: int, http_port: int, https_port: int) -> Path:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={PUBLIC_HOST}", "-keyout", str(folder / "tls.key"),
         "-out", str(folder / "tls.pem")],
        check=True, capture_output=True, timeout=60,
    )
    site = (DEPLOY / "nginx/portal.conf").read_text()
    replacements = {
        "server unix:/run/portal.sock": f"server 127.0.0.1:{upstream}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen 443 ssl http2 default_server;":
            f"listen 127.0.0.1:{https_port} ssl http2 default_server;",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/certs/rededeparcerias.exemplo.gov.br.pem": str(folder / "tls.pem"),
        "/etc/ssl/private/rededeparcerias.exemplo.gov.br.key": str(folder / "tls.key"),
        "/var/log/nginx/": f"{folder}/",
        "/srv/portal/static/": f"{ROOT}/static/",
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "portal.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        + ("user root;\n" if os.geteuid() == 0 else "")
        + f"events {{}}\nhttp {{\n  include /etc/nginx/mime.types;\n"
        f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  include {folder}/portal.conf;\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def nginx(cluster):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists() or not shutil.which("openssl"):
        _unavailable("nginx/openssl não instalados (apt-get install nginx-light)")
    folder = cluster.folder / "nginx"
    folder.mkdir()
    http_port, https_port = _free_port(), _free_port()
    config = _nginx_config(folder, cluster.a.port, http_port, https_port)
    checked = subprocess.run([binary, "-t", "-q", "-c", str(config), "-p", f"{folder}/"],
                             capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", f"{folder}/", "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        front = Server("nginx", https_port, https=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                Browser().get(front, "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "nginx não subiu"
                time.sleep(0.1)
        yield front, Server("nginx-http", http_port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _static_version(relative: str) -> str:
    return hashlib.sha256((ROOT / "static" / relative).read_bytes()).hexdigest()[:12]


def test_nginx_serves_versioned_static_files_for_a_year(nginx):
    front, _ = nginx
    browser = Browser()
    page = browser.get(front, "/login")
    assert page.status == 200
    menu = re.search(r'src="(/static/js/menu\.js\?v=[0-9a-f]{12})"', page.text).group(1)
    assert menu.endswith(_static_version("js/menu.js"))

    versioned = browser.get(front, menu)
    assert versioned.status == 200
    assert versioned.body == (ROOT / "static/js/menu.js").read_bytes()
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["X-Content-Type-Options"] == "nosniff"
    plain = browser.get(front, "/static/js/menu.js")
    assert plain.headers["Cache-Control"] == "public, max-age=3600"
    assert browser.get(front, "/static/../instance/secret_key").status in (400, 404)


def test_nginx_passes_the_bundles_on_from_the_app(nginx):
    """The bundles are not files on disk: nginx asks the app for them."""
    front, _ = nginx
    browser = Browser()
    page = browser.get(front, "/login")
    css = re.search(r'href="(/static/bundles/portal\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    versioned = browser.get(front, css)
    assert versioned.status == 200
    assert versioned.headers["Content-Type"] == "text/css; charset=utf-8"
    assert (ROOT / "static/css/forum.css").read_bytes().strip() in versioned.body
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert browser.get(front, "/static/bundles/portal.css").headers["Cache-Control"] == (
        "public, max-age=3600"
    )
    assert browser.get(front, "/static/bundles/nao-existe.js").status == 404


def test_nginx_drops_requests_for_other_host_names(nginx):
    front, plain_http = nginx
    with pytest.raises(http.client.RemoteDisconnected):  # 444: closed without an answer
        Browser().get(plain_http, "/login", headers={"Host": "evil.example"})
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", front.port), timeout=30) as raw, \
            pytest.raises(ssl.SSLError):
        context.wrap_socket(raw, server_hostname="evil.example")


def test_nginx_forwards_https_and_the_client_address(nginx, cluster):
    front, plain_http = nginx
    redirect = Browser().get(plain_http, "/login", headers={"Host": PUBLIC_HOST})
    assert redirect.status == 301
    assert redirect.headers["Location"] == f"https://{PUBLIC_HOST}/login"

    browser = Browser()
    page = browser.get(front, "/login")
    # https as seen by the app (ProxyFix): HSTS, and a Secure session cookie.
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Content-Security-Policy" in page.headers
    assert "Secure" in page.headers["Set-Cookie"]
    assert page.headers.get_all("Server") == ["nginx"]  # server_tokens off: no version
    # A client cannot choose its address: nginx appends the one it saw, ProxyFix takes that.
    spoofed = {"X-Forwarded-For": "198.51.100.66"}
    token = browser.token(front, "/login")
    logged_in = browser.request(
        front, "POST", "/login",
        urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD}),
        {"Content-Type": "application/x-www-form-urlencoded",
         "Referer": f"https://{PUBLIC_HOST}/login", **spoofed},
    )
    assert logged_in.status == 302, logged_in.text[:1000]
    assert logged_in.headers["Location"] in ("/", f"https://{PUBLIC_HOST}/")
    assert "Membro do Cluster" in browser.get(front, "/").text
    last_login_ip = cluster.scalar(
        "SELECT ip FROM audit_events WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1"
    )
    assert last_login_ip == "127.0.0.1"

    too_big = front.connection()
    try:
        too_big.putrequest("POST", "/login", skip_host=True)
        too_big.putheader("Host", PUBLIC_HOST)
        too_big.putheader("Content-Length", str(2 * 2**30))
        too_big.endheaders()
        assert too_big.getresponse().status == 413  # refused before any byte of the body
    finally:
        too_big.close()
