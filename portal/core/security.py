"""Security headers on every response."""

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "frame-src 'none'",
    ]
)


SERVER_HEADER = "portal"


def proxy_fix_counts(config) -> dict[str, int]:
    """How many proxies to trust per X-Forwarded-* header (ProxyFix's keyword arguments)."""
    default = int(config.get("PROXY_FIX") or 0)
    counts = {}
    for header, fallback in (("for", default), ("proto", default), ("host", default),
                             ("port", 0), ("prefix", 0)):
        value = config.get(f"PROXY_FIX_X_{header.upper()}")
        counts[f"x_{header}"] = fallback if value is None else int(value)
    return counts


def init_app(app: Flask) -> None:
    counts = proxy_fix_counts(app.config)
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # No software or version (Werkzeug's dev server would say "Werkzeug/3.x Python/3.x";
        # deploy/gunicorn.conf.py sends this one instead of its own).
        headers["Server"] = SERVER_HEADER
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")
        return response
