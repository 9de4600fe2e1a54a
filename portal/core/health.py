"""What ``/healthz`` reports: the database (required) and the rate-limit storage (optional).

Without the database nothing works: 503. Without Redis the portal keeps serving — Flask-Limiter
falls back to counting in each process's memory (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``,
on by default), weaker with several workers — so the answer is 200 with ``"degraded"`` and
what is down, and the log says so once per process when it changes.
"""

import logging
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import text

from portal.extensions import db, limiter

log = logging.getLogger("portal.health")
_down: set[str] = set()  # what this process last found down (to log changes only)


def rate_limit_storage_ok() -> bool | None:
    """Whether the shared rate-limit storage answers; None when there is none (memory://)."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        return None
    try:
        return bool(limiter.storage.check())
    except Exception:  # a storage that cannot even be asked is down
        return False


def report() -> tuple[dict, int]:
    """The JSON body and status of ``/healthz``."""
    body = {"status": "ok", "database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        body.update(status="error", database="unreachable")
    rate_limits = rate_limit_storage_ok()
    if rate_limits is not None:
        body["rate_limits"] = "ok" if rate_limits else "unreachable (contagem em memória)"
    down = sorted(key for key, value in body.items() if key != "status" and value != "ok")
    _log_changes(set(down))
    if body["database"] != "ok":
        return body, 503
    if down:
        body.update(status="degraded", down=down)
    return body, 200


def _log_changes(down: set[str]) -> None:
    for what in sorted(down - _down):
        if what == "rate_limits":
            log.warning(
                "Armazenamento dos limites de taxa inacessível (%s): o portal segue no ar e "
                "conta as tentativas na memória de cada processo até ele voltar.",
                _without_password(current_app.config.get("RATELIMIT_STORAGE_URI")))
        else:
            log.error("Verificação de saúde: %s inacessível.", what)
    for what in sorted(_down - down):
        log.warning("Verificação de saúde: %s voltou a responder.", what)
    _down.clear()
    _down.update(down)


def _without_password(uri: str | None) -> str:
    parts = urlsplit(uri or "")
    if parts.password:
        return uri.replace(f":{parts.password}@", ":***@", 1)
    return uri or ""
