"""Error pages in Portuguese, as full pages and as htmx fragments."""

import logging
import time

from flask import Flask, current_app, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from portal.core.exceptions import DomainError
from portal.core.htmx import is_htmx
from portal.extensions import db, limiter

log = logging.getLogger("portal.security")

MESSAGES = {
    400: ("Requisição inválida", "Não foi possível entender o pedido enviado."),
    403: ("Acesso negado", "Você não tem permissão para acessar esta página ou fazer esta ação."),
    404: ("Página não encontrada", "O endereço pode estar errado ou o conteúdo foi removido."),
    405: ("Método não permitido", "Esta ação não aceita o tipo de pedido enviado."),
    409: ("Conflito", "A ação não pôde ser concluída porque o conteúdo mudou."),
    413: ("Arquivo grande demais", "O envio excede o tamanho máximo permitido."),
    422: ("Dados inválidos", "Alguns campos precisam de correção. Verifique e tente novamente."),
    429: (
        "Muitas tentativas",
        "Você fez muitas tentativas em pouco tempo. Aguarde e tente de novo.",
    ),
    500: ("Erro interno", "Ocorreu um erro inesperado. A equipe foi avisada; tente novamente."),
    503: ("Serviço indisponível", "O portal está temporariamente indisponível."),
}

CSRF_MESSAGE = (
    "Sua sessão expirou ou o formulário foi aberto há muito tempo. "
    "Volte à página anterior, recarregue-a e envie novamente."
)


def render_error(status: int, detail: str | None = None, retry_after: int | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    body = render_template(
        template,
        status=status,
        title=title,
        message=detail or message,
        retry_after=retry_after,
        back_url=_safe_referrer(),
    )
    headers = {}
    if is_htmx():
        headers = {"HX-Retarget": "#mensagens", "HX-Reswap": "innerHTML"}
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return body, status, headers


def _safe_referrer() -> str | None:
    referrer = request.referrer
    if referrer and referrer.startswith(request.host_url):
        return referrer
    return None


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        """A Host (or trusted X-Forwarded-Host) outside TRUSTED_HOSTS: no URL can be built for
        it, so the answer is plain text, and the log says which host and what is allowed."""
        log.warning(
            "Pedido recusado: host %r fora de TRUSTED_HOSTS %s (PUBLIC_URL e "
            "EXTRA_TRUSTED_HOSTS); %s %s de %s",
            request.environ.get("HTTP_HOST"), current_app.config.get("TRUSTED_HOSTS"),
            request.method, request.environ.get("PATH_INFO"), request.remote_addr,
        )
        return ("Requisição inválida: endereço (host) desconhecido.", 400,
                {"Content-Type": "text/plain; charset=utf-8"})

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded):
        # Without an error_message of its own the description is the limit ("5 per 1 hour").
        custom = error.description if error.limit.error_message else None
        current = limiter.current_limit
        retry_after = max(1, int(current.reset_at - time.time())) if current else None
        return render_error(429, custom, retry_after=retry_after)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # abort(404, "mensagem") carries a message for the user; werkzeug's defaults are English.
        custom = error.description != type(error).description
        return render_error(error.code or 500, error.description if custom else None)

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        """A rule refused the action: nothing of it is kept, and the user reads why."""
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(InternalServerError)
    def _server_error(error: InternalServerError):
        db.session.rollback()
        return render_error(500)
