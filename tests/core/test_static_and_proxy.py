"""Production plumbing seen from a request: versioned static URLs with long caching, and
X-Forwarded-* headers trusted only when PROXY_FIX says how many proxies are in front."""

import hashlib
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import request, url_for

from portal.core import assets
from portal.core.security import CONTENT_SECURITY_POLICY, proxy_fix_counts

STATIC = Path(__file__).resolve().parents[2] / "static"


def _version(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


@pytest.fixture
def echo_app(database_uri, own_app):
    """Factory: ``with echo_app(folder, **config) as app`` gives an app of its own (``config``
    on top of the test configuration) with a ``/_eco`` route telling what it saw."""

    @contextmanager
    def make(folder, **config):
        with own_app(database_uri, folder, **config) as app:

            @app.get("/_eco")
            def _echo():
                return {"ip": request.remote_addr, "scheme": request.scheme, "host": request.host}

            yield app

    return make


# Static files ------------------------------------------------------------------------------


def test_static_urls_carry_the_content_hash(app):
    with app.test_request_context():
        assert url_for("static", filename="css/portal.css") == (
            f"/static/css/portal.css?v={_version('css/portal.css')}"
        )
        assert url_for("static", filename="nao-existe.css") == "/static/nao-existe.css"


def test_pages_link_versioned_css_and_js(client):
    page = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links, page[:500]
    for link in links:
        path, _, query = link.partition("?")
        response = client.get(path)
        body = response.get_data()
        response.close()  # a file's answer holds it open
        assert query == f"v={hashlib.sha256(body).hexdigest()[:12]}", link


def test_the_portals_own_styles_and_scripts_come_in_one_file_each(client):
    """Every feature's stylesheet and script reaches the page, in one file per kind (each
    file a page asks for costs the browser work, even from its cache)."""
    head = client.get("/login").get_data(as_text=True).split("</head>")[0]
    own = re.findall(r'(?:href|src)="/static/((?:css|js|bundles)/[^"?]+)', head)
    assert own == ["bundles/portal.css", "js/menu.js", "bundles/portal.js"]
    for bundle, kind in (("portal.css", "css"), ("portal.js", "js")):
        response = client.get(f"/static/bundles/{bundle}")
        body = response.get_data()
        assert response.mimetype == f"text/{'css' if kind == 'css' else 'javascript'}"
        files = sorted(p.name for p in (STATIC / kind).iterdir())
        expected = {"css": ["charts.css", "forum.css", "notifications.css", "portal.css",
                            "report-print.css", "reports.css", "review.css"],
                    "js": ["drafts.js", "mentions.js", "menu.js", "pdf-preview.js",
                           "portal.js", "scroll-regions.js", "uploads.js"]}[kind]
        assert files == expected  # a new file must be added to a bundle (or here)
        for name in files:
            inside = (STATIC / kind / name).read_bytes().strip() in body
            # The PDF's own print styles and the menu script (it runs before the first paint,
            # not deferred) stay files of their own.
            assert inside == (name not in ("report-print.css", "menu.js")), name


def test_a_bundle_is_cached_like_a_file_and_sets_no_cookie(client, users, login):
    login(users["partner_member"])
    link = re.search(r'src="(/static/bundles/portal\.js\?v=\w+)"',
                     client.get("/").get_data(as_text=True)).group(1)
    response = client.get(link)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    again = client.get(link, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/static/bundles/nao-existe.js").status_code == 404


def test_an_edited_file_gives_its_bundle_a_new_version(tmp_path, monkeypatch):
    monkeypatch.setitem(assets.BUNDLES, "bundles/teste.css", ("a.css", "b.css"))
    (tmp_path / "a.css").write_text("a{}\n")
    (tmp_path / "b.css").write_text("b{}")
    content, first = assets.bundle("bundles/teste.css", str(tmp_path))
    assert content == b"/* a.css */\na{}\n\n/* b.css */\nb{}\n"
    assert assets.static_version("bundles/teste.css", str(tmp_path)) == first
    (tmp_path / "b.css").write_text("b{color:red}")
    assert assets.static_version("bundles/teste.css", str(tmp_path)) not in (None, first)
    (tmp_path / "a.css").unlink()
    assert assets.bundle("bundles/teste.css", str(tmp_path)) is None
    assert assets.bundle("a.css", str(tmp_path)) is None  # not a bundle


def test_each_script_of_a_bundle_ends_its_statement(tmp_path, monkeypatch):
    """Without the ";", the second file's "(function () {…})()" would call the first's
    result."""
    monkeypatch.setitem(assets.BUNDLES, "bundles/teste.js", ("a.js", "b.js"))
    (tmp_path / "a.js").write_text("(function () { window.a = 1; })()\n")
    (tmp_path / "b.js").write_text("(function () { window.b = 2; })()")
    content, _ = assets.bundle("bundles/teste.js", str(tmp_path))
    assert content == (b"/* a.js */\n(function () { window.a = 1; })()\n;\n"
                       b"\n/* b.js */\n(function () { window.b = 2; })()\n;\n")


def test_versioned_static_response_is_immutable_for_a_year(client):
    response = client.get(f"/static/js/portal.js?v={_version('js/portal.js')}")
    response.close()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_unversioned_or_stale_static_url_is_cached_briefly(client, query):
    response = client.get(f"/static/js/portal.js{query}")
    response.close()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "immutable" not in response.headers["Cache-Control"]


def test_the_conventional_favicon_address_leads_to_the_icon_without_a_session(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.location == f"/static/img/favicon.svg?v={_version('img/favicon.svg')}"
    assert "Set-Cookie" not in response.headers  # a 404 page here started a session
    icon = client.get(response.location)
    icon.close()
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"


def test_pages_stay_uncached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_edited_file_gets_a_new_version(tmp_path):
    (tmp_path / "a.css").write_text("body{}")
    first = assets.static_version("a.css", str(tmp_path))
    assert first == assets.static_version("a.css", str(tmp_path))  # cached
    (tmp_path / "a.css").write_text("body{color:red}")
    assert assets.static_version("a.css", str(tmp_path)) not in (None, first)
    assert assets.static_version("../a.css", str(tmp_path / "sub")) is None


# Reverse proxy -----------------------------------------------------------------------------

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "rededeparcerias.exemplo.gov.br",
}


def test_without_proxy_fix_forwarded_headers_are_ignored(echo_app, tmp_path):
    with echo_app(tmp_path) as app:
        response = app.test_client().get("/_eco", headers=FORWARDED)
    assert response.json == {"ip": "127.0.0.1", "scheme": "http", "host": "localhost"}
    assert "Strict-Transport-Security" not in response.headers


def test_with_proxy_fix_client_address_scheme_and_host_come_from_the_proxy(
    echo_app, tmp_path
):
    with echo_app(tmp_path, PROXY_FIX=1, SERVER_NAME=None) as app:
        response = app.test_client().get("/_eco", headers=FORWARDED)
    assert response.json == {
        "ip": "203.0.113.7",
        "scheme": "https",
        "host": "rededeparcerias.exemplo.gov.br",
    }
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_per_header_keys_override_proxy_fix(echo_app, tmp_path):
    assert proxy_fix_counts({"PROXY_FIX": 1, "PROXY_FIX_X_HOST": 0}) == {
        "x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 0, "x_prefix": 0
    }
    with echo_app(tmp_path, PROXY_FIX_X_FOR=2) as app:
        response = app.test_client().get(
            "/_eco", headers={**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        )
    # Two proxies trusted for the address only: the first hop is the client; scheme untouched.
    assert response.json == {"ip": "198.51.100.1", "scheme": "http", "host": "localhost"}


def _failed_logins(app, forwarded_for: list[str]) -> list[int]:
    client = app.test_client()
    statuses = []
    for i, address in enumerate(forwarded_for):
        response = client.post(
            "/login",
            data={"email": f"ninguem{i}@exemplo.test", "password": "senha-errada-123"},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(response.status_code)
    return statuses


def test_login_rate_limit_counts_the_forwarded_client_address(echo_app, tmp_path):
    limit = {"RATELIMIT_LOGIN_PER_IP": "2 per minute"}
    addresses = ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2", "203.0.113.1"]
    with echo_app(tmp_path / "com", PROXY_FIX=1, **limit) as app:
        assert _failed_logins(app, addresses) == [422, 422, 422, 422, 429]
    # Without ProxyFix every request comes from the proxy's own address: one shared bucket.
    with echo_app(tmp_path / "sem", **limit) as app:
        assert _failed_logins(app, addresses) == [422, 422, 429, 429, 429]
