"""Versioned static URLs: ``url_for('static', filename=...)`` adds ``?v=<content hash>``.

The hash is the first 12 hex digits of the file's SHA-256, computed once per file version
(the cache is keyed by the file's size and modification time, so an edited file gets a new
URL without a restart). A URL whose ``v`` matches the file can be cached forever — by the
browser and by the reverse proxy (see ``deploy/nginx/portal.conf``) — and Flask marks it
``immutable`` too when it serves static files itself; any other static URL gets a short
max-age and is revalidated.
"""

import hashlib
import os
import threading

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

VERSION_ARG = "v"
VERSION_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=3600"

_lock = threading.Lock()
_versions: dict[str, tuple[tuple[int, int], str]] = {}  # path → ((size, mtime_ns), version)


def static_version(filename: str, folder: str | None = None) -> str | None:
    """The content version of a file under the static folder; None if it is not there."""
    folder = folder or current_app.static_folder
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


def init_app(app: Flask) -> None:
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
