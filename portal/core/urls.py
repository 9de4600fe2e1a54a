"""The portal's public address, and links for notifications and e-mails.

``PUBLIC_URL`` is the portal's address as users know it. Production refuses to start without
it (:func:`init_app`), every link in an e-mail is built on it — never on a request's ``Host``
header, which a client chooses — and requests naming any other host are refused (Flask's
``TRUSTED_HOSTS``, derived from it plus ``EXTRA_TRUSTED_HOSTS``; nginx in deploy/ also drops
them). In development and tests without it, links use ``SERVER_NAME`` or the development
server's address, still never the request's host.
"""

from urllib.parse import urljoin, urlsplit

from flask import Flask, current_app, has_request_context, url_for

OFFLINE = "portal.offline"  # request.environ flag: a request made up by the CLI, not a visit
DEVELOPMENT_ADDRESS = "127.0.0.1:5000"  # `make run` / `portal run`


class ConfigurationError(RuntimeError):
    """The configuration cannot run the portal; the message says which key to set."""


def init_app(app: Flask) -> None:
    """Refuse to run in production without a valid ``PUBLIC_URL``; derive ``TRUSTED_HOSTS``."""
    public_url = app.config.get("PUBLIC_URL")
    if not public_url:
        if app.debug or app.testing:
            return
        raise ConfigurationError(
            "PORTAL_PUBLIC_URL não configurado: defina o endereço público do portal (por "
            "exemplo https://rededeparcerias.gestao.gov.br). Os links dos e-mails são feitos "
            "com ele e pedidos para outros hosts são recusados. Em desenvolvimento, use "
            "--debug (FLASK_DEBUG=1)."
        )
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"PORTAL_PUBLIC_URL inválido: {public_url!r} (use https://nome-do-host[/caminho])."
        )
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = [parts.hostname, *extra_hosts(app.config)]


def extra_hosts(config) -> list[str]:
    """``EXTRA_TRUSTED_HOSTS`` as a list (a list, or one comma-separated string)."""
    value = config.get("EXTRA_TRUSTED_HOSTS") or []
    if isinstance(value, str):
        value = value.split(",")
    return [host.strip() for host in value if host and host.strip()]


def public_base() -> str:
    """The address links are built on: ``PUBLIC_URL``; without it (development and tests
    only) the configured server name or the development server's address."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        base = f"http://{current_app.config.get('SERVER_NAME') or DEVELOPMENT_ADDRESS}"
    return base.rstrip("/") + "/"


def external_url(path: str | None) -> str | None:
    """``path`` (as url_for gives it) made absolute on :func:`public_base`."""
    if not path:
        return None
    if "://" in path:
        return path
    return urljoin(public_base(), path)


def path_for(endpoint: str, **values) -> str:
    """``url_for``'s path, also outside a request (the CLI, the demo)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context(base_url=public_base()):
        return url_for(endpoint, **values)
