"""Links for notifications and e-mails.

``PUBLIC_URL`` is the portal's address as users know it; production must set it, so that a
forged ``Host`` header can never put someone else's address into a reset link or a
notification (nginx in deploy/ also drops requests for unknown host names). Without it
(development) links use the current request's host.
"""

from urllib.parse import urljoin

from flask import current_app, has_request_context, request, url_for

OFFLINE = "portal.offline"  # request.environ flag: a request made up by the CLI, not a visit


def external_url(path: str | None) -> str | None:
    """``path`` (as url_for gives it) made absolute; None when no base address is known."""
    if not path:
        return None
    if "://" in path:
        return path
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context() and not request.environ.get(OFFLINE):
        base = request.host_url
    if not base:
        return None
    return urljoin(base.rstrip("/") + "/", path)


def path_for(endpoint: str, **values) -> str:
    """``url_for``'s path, also outside a request (the CLI, the demo)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
