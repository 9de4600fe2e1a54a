"""Browser fixtures: the real app on a live server, driven by Debian's Chromium via Playwright.

- ``app`` (overrides tests/conftest.py's): the same test configuration and table cleanup,
  on one app per worker with no SERVER_NAME, so the live server answers on 127.0.0.1:<port>.
- ``live_server``: that app served by werkzeug in a background thread, once per worker;
  yields the base URL. What the test prepared is committed before each browser request
  (``CommitInTestThread``), without intercepting requests, so Chromium's cache works.
- ``browser``: one Chromium per session (``/usr/bin/chromium``, never a downloaded one).
- ``page`` / ``page_nojs``: the page of a browser context lent to the test by the worker's
  ``ContextPool`` (``lent_pages``: listeners, cookies and storage gone between tests, the
  HTTP cache and the site's renderer process kept), with ``base_url`` set to the live
  server, so ``page.goto("/login")`` works. ``page`` takes ``java_script_enabled`` by
  indirect parametrisation: ``@pytest.mark.parametrize("page", [True, False], indirect=True)``.
  A test that changes its page or context for good (an init script, the clock) is marked
  ``@pytest.mark.own_context``: it gets a context of its own.
- ``page_log``: console errors, page errors, failed requests and HTTP errors seen by the
  pages of the test; ``page_log.assert_clean()`` fails on any of them.
- ``log_in``: ``log_in(page, email, password)`` signs in through the real form (and waits for it).
- ``serve_site``: for data a whole module shares, an app of the module's own with that data
  loaded once and served; gives a ``Site`` (URL, ids, each role's signed-in context).
- ``screenshots_if_failed``: the screenshots below, for pages a module opens itself.

On failure a screenshot of each open page goes to test-artifacts/screenshots/<test>.png; with
step screenshots on (PORTAL_TEST_STEPS=1; CI re-runs the failed browser tests so) each
context is also traced, and a failure leaves test-artifacts/steps/<test>/NN-<action>.jpg (the
page as each step found it) and the Playwright trace in test-artifacts/traces/<test>.zip
(``playwright show-trace`` opens it).
Without /usr/bin/chromium the tests are skipped locally, but fail when CI=true.
"""

import contextlib
import contextvars
import json
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask, has_app_context
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
# Step screenshots (a Playwright trace per context, turned into one image per step on
# failure) cost ~1 s per test: on with PORTAL_TEST_STEPS=1 only. CI re-runs the browser
# tests that failed that way, after the suite (.ci/run), so only a failure pays for them.
STEP_SCREENSHOTS = os.environ.get("PORTAL_TEST_STEPS") == "1"


# The live server (werkzeug, threaded) leaves a static file's handle to the garbage collector
# when Chromium aborts that request by navigating on; the warning lands in whichever test runs
# next. Only that case is ignored, and only here: every other warning is still an error.
UNCLOSED_STATIC_FILE = [
    "ignore:unclosed file <_io.BufferedReader name='.*static/:ResourceWarning",
    "ignore:Exception ignored in. <_io.FileIO name='.*static/"
    ":pytest.PytestUnraisableExceptionWarning",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            for rule in UNCLOSED_STATIC_FILE:
                item.add_marker(pytest.mark.filterwarnings(rule))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can see whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(
        getattr(getattr(node, f"report_{phase}", None), "failed", False)
        for phase in ("setup", "call")
    )


@pytest.fixture(scope="session")
def _browser_app(database_uri, tmp_path_factory, app_config):
    """One application per worker for the browser tests (SERVER_NAME None: the live server
    answers on 127.0.0.1:<port>); built once, its templates compiled once."""
    app = create_app({**app_config(database_uri, tmp_path_factory.mktemp("browser")),
                      "SERVER_NAME": None})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_browser_app, tmp_path, lend_app):
    """The worker's browser application, lent to this test as tests/conftest.py's ``app``."""
    with lend_app(_browser_app, tmp_path) as app:
        yield app


@contextmanager
def serving(app, name: str = "live-server", before_browser_request=None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) while the block runs; yields its base URL.
    What the test prepared so far is committed first: the server's requests must see it.
    ``before_browser_request()`` runs (in the server's thread) before each request Chromium
    makes for a page, a form or a fragment (not for a static file)."""
    if has_app_context():
        db.session.commit()

    def wsgi(environ, start_response):
        if (
            before_browser_request is not None
            and not environ.get("PATH_INFO", "").startswith("/static/")
            and "Chrome" in environ.get("HTTP_USER_AGENT", "")
        ):
            before_browser_request()
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class CommitInTestThread:
    """Before the browser's request reaches the live server, commit what the test prepared
    (through services, which only flush): to the server it is a finished earlier request, and
    SQLite's write lock is free for it.

    The commit runs in the test's thread, on Playwright's event loop: that loop runs only
    while the test waits in a Playwright call, so the request waits until the test hands
    over to the browser, and the test's session is never used by two threads at once.
    (Playwright's request interception did the same, but it turns Chromium's HTTP cache off:
    every page then fetched and compiled its stylesheets and scripts again, twice the time.)
    """

    def __init__(self):
        self._loop = None
        self._context: contextvars.Context | None = None

    def attach(self, browser, test_context: contextvars.Context) -> None:
        self._loop = browser._loop  # the sync API's event loop (SyncBase keeps it there)
        self._context = test_context

    def detach(self) -> None:
        self._loop = self._context = None

    def __call__(self) -> None:
        loop, context = self._loop, self._context
        if loop is None or loop.is_closed():
            return
        done = threading.Event()
        failure: list[BaseException] = []

        def commit() -> None:
            try:
                context.run(db.session.commit)
            except BaseException as error:  # raised again in the server's thread
                failure.append(error)
            finally:
                done.set()

        loop.call_soon_threadsafe(commit)
        if not done.wait(TIMEOUT_MS / 1000):
            raise RuntimeError("the test did not hand over to the browser: nothing committed")
        if failure:
            raise failure[0]


class ContextPool:
    """Browser contexts kept for the worker's whole run and lent to one test at a time, each
    with the page it keeps, which the test takes as its own (``page``).

    What a test costs Chromium, in CPU: a page in a new context about 1 s (a renderer process
    started for the site, its caches cold), a new page in a kept context about 0.45 s, a
    navigation of a kept page about 0.13 s. So a test goes on in the page the pool keeps.
    When the test gives the context back, its other pages are closed, the listeners it put
    on the kept page are taken off, the page goes back to ``/healthz`` (nothing of the test's
    last page runs on: no poll, no timer) and the cookies and storage are emptied, so nothing
    carries over. A context the test failed in, or that changed in a way that cannot be
    undone (an init script, the clock: ``@pytest.mark.own_context``), is closed instead."""

    def __init__(self, browser):
        self._browser = browser
        self._idle: dict[tuple, list] = {}
        self._keys: dict[object, tuple] = {}
        self._pages: dict[object, Page] = {}
        self._listeners: dict[object, dict[str, list]] = {}

    def lend(self, base_url: str, *, cookies: list | None = None, **options):
        key = (base_url, tuple(sorted((name, repr(value)) for name, value in options.items())))
        idle = self._idle.setdefault(key, [])
        context = idle.pop() if idle else self._new_context(key, base_url, options)
        # Again: a response still on its way when the last test ended (a beacon, a poll) may
        # have set its cookies after they were emptied.
        context.clear_cookies()
        if cookies:
            context.add_cookies(cookies)
        self._listeners[context] = _listeners(self._pages[context])
        return context

    def page(self, context) -> Page:
        """The page the pool keeps in a context it lent."""
        return self._pages[context]

    def fresh(self, base_url: str, *, cookies: list | None = None, **options):
        """A new context, closed (never kept) when given back."""
        context = self._browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        if cookies:
            context.add_cookies(cookies)
        self._pages[context] = context.new_page()
        return context

    def give_back(self, context, *, keep: bool = True) -> None:
        page = self._pages.get(context)
        if not keep or context not in self._keys or page.is_closed():
            self._close(context)
            return
        try:
            for other in context.pages:
                if other is not page:
                    other.close()
            self._reset(page, self._listeners.pop(context))
            context.clear_cookies()
        except PlaywrightError:  # a context in a state we cannot vouch for is not lent again
            self._close(context)
            return
        self._idle[self._keys[context]].append(context)

    def forget(self, base_url: str) -> None:
        """Close the contexts kept for a server that is going away."""
        for key in [key for key in self._idle if key[0] == base_url]:
            for context in self._idle.pop(key):
                self._close(context)

    def close(self) -> None:
        for contexts in self._idle.values():
            for context in contexts:
                self._close(context)
        self._idle.clear()

    def _new_context(self, key: tuple, base_url: str, options: dict):
        context = self._browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/healthz")  # the site's renderer process starts, for the tests to come
        self._keys[context] = key
        self._pages[context] = page
        return context

    @staticmethod
    def _reset(page: Page, listeners_when_lent: dict[str, list]) -> None:
        events = page._impl_obj  # the listeners, as Playwright keeps them
        for event in events.event_names():
            for listener in events.listeners(event):
                if listener not in listeners_when_lent.get(event, ()):
                    events.remove_listener(event, listener)
        _leave_for_healthz(page)

    def _close(self, context) -> None:
        self._keys.pop(context, None)
        self._pages.pop(context, None)
        self._listeners.pop(context, None)
        with contextlib.suppress(PlaywrightError):  # the browser already gone
            context.close()


def _leave_for_healthz(page: Page) -> None:
    """Take a kept page off the site's last page (nothing of it runs on: no poll, no timer,
    no request on its way that would set a cookie again) and empty its storage."""

    def leave(dialog) -> None:  # "leave the page?" on a form left half filled
        dialog.accept()

    page.on("dialog", leave)
    try:
        page.goto("/healthz")
    finally:
        page.remove_listener("dialog", leave)
    page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")


def _listeners(page: Page) -> dict[str, list]:
    events = page._impl_obj
    return {event: events.listeners(event) for event in events.event_names()}


@pytest.fixture(scope="session")
def context_pool(browser) -> Iterator[ContextPool]:
    pool = ContextPool(browser)
    yield pool
    pool.close()


def _log_in(page, email: str, password: str) -> None:
    """Sign in through the form, and wait for the answer (and, when it signs in, for the page
    it leads to): a test that navigates on at once would otherwise race the sign-in (seen
    once: the home page arrived after the test's own ``goto``)."""
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(password)
    with page.expect_response(
        lambda response: response.request.method == "POST"
        and urlsplit(response.url).path == "/login"
    ) as answer:
        page.get_by_role("button", name="Entrar").click()
    if answer.value.status != 422:
        page.wait_for_url(lambda url: urlsplit(url).path != "/login", wait_until="commit")


@pytest.fixture(scope="session")
def log_in():
    """``log_in(page, email, password)``: sign in through the real form."""
    return _log_in


@dataclass
class Site:
    """An app served once for a whole module: its URL, the ids its data loader returned, and
    each role's session cookies (the demo's logins, each signed in once through the login
    form, by the app's test client: the journeys sign in through the page itself)."""

    url: str
    ids: dict[str, int | str]
    app: Flask
    sessions: dict[str, list[dict]] = field(default_factory=dict)

    def cookies(self, role: str) -> list[dict]:
        if role not in self.sessions:
            with self.app.app_context():
                response = self.app.test_client().post(
                    "/login",
                    data={"email": factories.DEMO_LOGINS[role], "password": factories.PASSWORD},
                )
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            self.sessions[role] = [
                _browser_cookie(self.url, header)
                for header in response.headers.getlist("Set-Cookie")
            ]
        return self.sessions[role]

    def lend_page(self, lend, role: str | None = None, **options) -> Page:
        """A page from ``lend`` (the ``lent_pages`` fixture) on the site, signed in as
        ``role`` (None: anonymous)."""
        return lend(self.url, locale="pt-BR", cookies=self.cookies(role) if role else None,
                    **options)

    def new_context(self, browser, role: str | None = None, **options):
        """A browser context on the site, signed in as ``role`` (None: anonymous)."""
        context = browser.new_context(base_url=self.url, locale="pt-BR", **options)
        context.set_default_timeout(TIMEOUT_MS)
        if role:
            context.add_cookies(self.cookies(role))
        return context

    def kept_page(self, browser, **options) -> "KeptPage":
        """A page a module keeps for its page-by-page checks, signed in as each role in
        turn (``kept_page.as_role(role)``): one context for all roles, because a new
        context's first page costs Chromium about 1 s of CPU, a role switch about 0.3 s."""
        return KeptPage(self, self.new_context(browser, **options).new_page())


@dataclass
class KeptPage:
    site: Site
    page: Page
    role: str | None = None

    def as_role(self, role: str | None):
        """The page, signed in as ``role`` (None: anonymous); on a switch, the last role's
        cookies and storage are gone."""
        if role != self.role:
            if self.page.url.startswith(self.site.url):
                # Off the last role's page first: a request of it still on its way (the
                # bell's, a search's) would set that role's session cookie again.
                _leave_for_healthz(self.page)
            context = self.page.context
            context.clear_cookies()
            if role:
                context.add_cookies(self.site.cookies(role))
            self.role = role
        return self.page

    def close(self) -> None:
        self.page.context.close()


def _browser_cookie(url: str, set_cookie: str) -> dict:
    """A ``Set-Cookie`` header as Playwright's ``add_cookies`` takes it, for ``url``'s host."""
    cookie = SimpleCookie()
    cookie.load(set_cookie)
    (name, morsel), = cookie.items()
    return {
        "name": name,
        "value": morsel.value,
        "domain": urlsplit(url).hostname,
        "path": morsel["path"] or "/",
        "httpOnly": bool(morsel["httponly"]),
        "secure": bool(morsel["secure"]),
        "sameSite": (morsel["samesite"] or "Lax").capitalize(),
    }


@pytest.fixture(scope="session")
def serve_site(database_uri, own_app, context_pool):
    """Factory, for data a whole module shares: ``with serve_site(folder, load, name) as
    site`` builds an app of its own, runs ``load()`` (in a request context: notifications
    build URLs) for the ids, and serves the app while the block runs; its tables are emptied
    when the block ends."""

    @contextmanager
    def serve(folder, load, name: str) -> Iterator[Site]:
        with own_app(database_uri, folder, SERVER_NAME=None) as app:
            with app.test_request_context("/"):
                ids = load()
            db.session.remove()
            with serving(app, name) as url:
                try:
                    yield Site(url, ids, app)
                finally:
                    context_pool.forget(url)

    return serve


@pytest.fixture
def screenshots_if_failed(request):
    """``screenshots_if_failed(pages)`` saves the pages' screenshots when the test failed
    (call it before closing their contexts)."""

    def save(pages) -> None:
        if _failed(request.node):
            _save_screenshots(request, pages)

    return save


@pytest.fixture(scope="session")
def _worker_live_server(_browser_app) -> Iterator[tuple[str, CommitInTestThread]]:
    """The browser application served once per worker."""
    commit = CommitInTestThread()
    with serving(_browser_app, before_browser_request=commit) as url:
        yield url, commit


@pytest.fixture
def live_server(app, browser, _worker_live_server) -> Iterator[str]:
    """The worker's live server, for this test: its session is committed before each of the
    browser's requests (``CommitInTestThread``)."""
    url, commit = _worker_live_server
    db.session.commit()
    commit.attach(browser, contextvars.copy_context())
    try:
        yield url
    finally:
        commit.detach()  # from here on the test no longer waits in Playwright calls


@pytest.fixture
def submitted(app):
    """MG's 1.2 (Painel access), sent by its member and waiting for the reviewer."""
    network = factories.seed_network()
    seges, mg = network["seges"], network["mg"]
    factories.user("revisor@seges.test", "seges_reviewer", seges, name="Rafael Revisor")
    member = factories.user("membro@mg.test", "partner_member", mg, name="Marcos Membro")
    deliverable = factories.deliverable_of(network["act"], "1.2", mg.id)
    factories.submitted(deliverable, member, "Indicamos a servidora Ana.")
    return deliverable


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"{CHROMIUM} not found: browser tests need Debian's Chromium "
            "(apt-get install -y chromium)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageLog:
    """What went wrong in the browser while the test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    http_errors: list[tuple[int, str, str]] = field(default_factory=list)  # status, type, url

    def watch(self, page) -> None:
        for event, handler in self._handlers().items():
            page.on(event, handler)

    def watching(self, page) -> contextlib.AbstractContextManager[None]:
        """Watch a page the module keeps only while the block runs."""
        return _listening(page, self._handlers())

    def _handlers(self) -> dict:
        return {
            "console": self._on_console,
            "pageerror": self._on_page_error,
            "requestfailed": self._on_request_failed,
            "response": self._on_response,
        }

    def _on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def _on_console(self, message) -> None:
        # Chromium also logs every HTTP error as "Failed to load resource"; those are
        # judged by their status in http_errors instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _on_request_failed(self, request) -> None:
        # ERR_ABORTED is the browser cancelling a request because the test navigated on
        # (a favicon or deferred script still loading): not the server's fault.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.http_errors.append((response.status, response.request.resource_type, response.url))

    def static_errors(self) -> list[str]:
        return [f"{status} {url}" for status, _, url in self.http_errors if "/static/" in url]

    def assert_clean(self, *, allowed_document_statuses: tuple[int, ...] = ()) -> None:
        """No console or script errors, no failed request, no HTTP error (a page answered
        with one of ``allowed_document_statuses``, such as 422 for a form error, is fine)."""
        unexpected_http = [
            f"{status} {kind} {url}"
            for status, kind, url in self.http_errors
            if not (kind == "document" and status in allowed_document_statuses)
        ]
        problems = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "HTTP errors (missing static files?)": unexpected_http,
        }
        report = "\n".join(
            f"{name}:\n  " + "\n  ".join(items) for name, items in problems.items() if items
        )
        assert not report, report


@contextmanager
def _listening(page, handlers: dict) -> Iterator[None]:
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        yield
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)


@pytest.fixture(scope="session")
def listening():
    """``with listening(page, {event: handler}):`` handlers on a page the module keeps, taken
    off when the block ends."""
    return _listening


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def lent_pages(request, context_pool):
    """Factory: ``lent_pages(base_url, cookies=None, **context_options)``, the page of a
    context lent by the worker's ``ContextPool`` (``page.context.new_page()`` for more),
    given back when the test ends (closed if it failed). A test marked ``own_context`` (it
    installs the clock, adds an init script or exposes a binding: what a later test must not
    inherit) gets a context of its own instead, closed when it ends; so does every test with
    step screenshots on, traced from its start."""
    own = STEP_SCREENSHOTS or request.node.get_closest_marker("own_context") is not None
    lent = []

    def lend(base_url: str, *, cookies: list | None = None, **options) -> Page:
        if own:
            context = context_pool.fresh(base_url, cookies=cookies, **options)
            if STEP_SCREENSHOTS:
                context.tracing.start(screenshots=True, snapshots=False)
        else:
            context = context_pool.lend(base_url, cookies=cookies, **options)
        lent.append(context)
        return context_pool.page(context)

    yield lend
    keep = not (own or _failed(request.node))
    for context in lent:
        context_pool.give_back(context, keep=keep)


@pytest.fixture
def new_page(request, live_server, page_log, lent_pages):
    """Factory: ``new_page(java_script_enabled=False)`` gives a page in a context of its own
    (lent by the worker's ``ContextPool``)."""
    pages = []

    def make(*, java_script_enabled: bool = True):
        page = lent_pages(live_server, locale="pt-BR", java_script_enabled=java_script_enabled)
        page_log.watch(page)
        pages.append(page)
        return page

    yield make

    failed = _failed(request.node)
    if failed:
        _save_screenshots(request, pages)
    for number, page in enumerate(pages):
        if STEP_SCREENSHOTS and failed:
            trace = _artifact(request, "traces", number, ".zip")
            page.context.tracing.stop(path=str(trace))
            _save_steps(trace, _artifact(request, "steps", number, ""))
    # lent_pages gives the contexts back (closing discards a trace still running)


def _save_screenshots(request, pages) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.\[\]-]+", "_", request.node.name)
    for number, page in enumerate(pages):
        suffix = "" if number == 0 else f"-{number + 1}"
        path = folder / f"{name}{suffix}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"screenshot {path} failed: {error}")
        else:
            print(f"screenshot saved: {path}")


@pytest.fixture
def page(request, new_page):
    """A page with JavaScript on (or as given by indirect parametrisation)."""
    return new_page(java_script_enabled=getattr(request, "param", True))


@pytest.fixture
def page_nojs(new_page):
    """A page with JavaScript off: every page must work without it."""
    return new_page(java_script_enabled=False)


def _artifact(request, kind: str, number: int, suffix: str) -> Path:
    folder = request.config.rootpath / "test-artifacts" / kind
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.\[\]-]+", "_", request.node.name)
    return folder / f"{name}{'' if number == 0 else f'-{number + 1}'}{suffix}"


def _save_steps(trace: Path, folder: Path) -> None:
    """One image per step of the test, taken from the Playwright trace's screencast: for each
    API call (goto, click, fill, expect…), the page as it was painted when the call started
    (what the step acted on); the last image is the page when the test failed."""
    try:
        with zipfile.ZipFile(trace) as archive:
            events = [json.loads(line) for line in archive.read("trace.trace").splitlines()]
            calls = [e for e in events if e.get("type") == "before" and e.get("class") != "Tracing"]
            frames = sorted(
                (e for e in events if e.get("type") == "screencast-frame"),
                key=lambda e: e["timestamp"],
            )
            if not frames:
                return
            folder.mkdir(parents=True, exist_ok=True)
            for number, call in enumerate(calls):
                shown = [f for f in frames if f["timestamp"] <= call["startTime"]]
                if not shown:
                    continue
                what = "failed" if call.get("method") == "screenshot" else call.get("method")
                target = call.get("params", {}).get("url") or call.get("params", {}).get(
                    "selector", ""
                )
                label = re.sub(r"[^\w.-]+", "_", f"{what}-{target}", flags=re.ASCII)
                (folder / f"{number:02d}-{label[:80].strip('_')}.jpg").write_bytes(
                    archive.read(shown[-1]["file"])
                )
        print(f"step screenshots saved: {folder}")
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as error:
        print(f"step screenshots from {trace} failed: {error}")
