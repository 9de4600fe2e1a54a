"""Versioned static URLs: ``url_for('static', filename=...)`` adds ``?v=<content hash>``.

The hash is the first 12 hex digits of the file's SHA-256, computed once per file version
(the cache is keyed by the file's size and modification time, so an edited file gets a new
URL without a restart). A URL whose ``v`` matches the file can be cached forever — by the
browser and by the reverse proxy (see ``deploy/nginx/portal.conf``) — and Flask marks it
``immutable`` too when it serves static files itself; any other static URL gets a short
max-age and is revalidated.

Bundles: the portal's own stylesheets and scripts, one file per feature under ``static/css``
and ``static/js``, reach the browser as two files, ``bundles/portal.css`` and
``bundles/portal.js`` (each feature's files in turn, built in memory from the files on disk
and served by the static route like any other file). Every page needs all of them (a boosted
htmx navigation keeps the <head> it came from), and each file a page asks for costs the
browser work even when it is cached: ten fewer requests made a page load about 7 % cheaper
(docs/benchmarks.md). ``bundles/`` sits one level under ``static/`` like ``css/`` and ``js/``,
so relative URLs in the files (``../vendor/…``) still point at the same places.
"""

import hashlib
import mimetypes
import os
import threading

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

VERSION_ARG = "v"
VERSION_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"

_lock = threading.Lock()
_versions: dict[str, tuple[tuple[int, int], str]] = {}  # path → ((size, mtime_ns), version)

BUNDLES = {
    "bundles/portal.css": (
        "css/portal.css", "css/forum.css", "css/review.css", "css/notifications.css",
        "css/reports.css", "css/charts.css",
    ),
    "bundles/portal.js": (
        "js/portal.js", "js/scroll-regions.js", "js/uploads.js", "js/drafts.js",
        "js/pdf-preview.js", "js/mentions.js",
    ),
}
_bundles: dict[str, tuple[tuple, bytes, str]] = {}  # path → (its files' keys, content, version)


def bundle(filename: str, folder: str | None = None) -> tuple[bytes, str] | None:
    """A bundle's content (its files in turn, each under a comment naming it) and version;
    None if ``filename`` is not a bundle or one of its files is missing. Built again when a
    file changes (keyed by each file's size and modification time)."""
    if filename not in BUNDLES:
        return None
    folder = folder or current_app.static_folder
    paths = [os.path.join(folder, name) for name in BUNDLES[filename]]
    try:
        keys = tuple((stat.st_size, stat.st_mtime_ns) for stat in map(os.stat, paths))
    except OSError:
        return None
    cache_key = os.path.join(folder, filename)
    cached = _bundles.get(cache_key)
    if cached and cached[0] == keys:
        return cached[1], cached[2]
    # A script that does not end in ";" would call the next file's "(function () {…})()".
    end = b"\n;\n" if filename.endswith(".js") else b"\n"
    parts = []
    for name, path in zip(BUNDLES[filename], paths, strict=True):
        with open(path, "rb") as fh:
            parts.append(b"/* %s */\n%s%s" % (name.encode(), fh.read().rstrip(), end))
    content = b"\n".join(parts)
    version = hashlib.sha256(content).hexdigest()[:VERSION_LENGTH]
    with _lock:
        _bundles[cache_key] = (keys, content, version)
    return content, version


def static_version(filename: str, folder: str | None = None) -> str | None:
    """The content version of a file (or bundle) under the static folder; None if it is not
    there."""
    folder = folder or current_app.static_folder
    if filename in BUNDLES:
        built = bundle(filename, folder)
        return built[1] if built else None
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (stat.st_size, stat.st_mtime_ns)
    cached = _versions.get(path)
    if cached and cached[0] == key:
        return cached[1]
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(2**16):
                digest.update(chunk)
    except OSError:
        return None
    version = digest.hexdigest()[:VERSION_LENGTH]
    with _lock:
        _versions[path] = (key, version)
    return version


def _send_bundle(filename: str) -> Response:
    built = bundle(filename)
    if built is None:
        raise NotFound()
    content, version = built
    response = current_app.response_class(content, mimetype=mimetypes.guess_type(filename)[0])
    response.set_etag(version)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    send_static_file = app.view_functions["static"]

    def static(filename: str) -> Response:
        if filename in BUNDLES:
            return _send_bundle(filename)
        return send_static_file(filename=filename)

    app.view_functions["static"] = static

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
            version = static_version(values["filename"])
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def _static_cache_control(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        asked = request.args.get(VERSION_ARG)
        fresh = asked is not None and asked == static_version(filename)
        response.headers["Cache-Control"] = IMMUTABLE if fresh else SHORT
        response.headers.pop("Expires", None)
        return response
