"""Entrar com gov.br: Login Único over OpenID Connect, through Authlib's Flask client.

gov.br proves who the person is; the portal decides whether they may enter:

- The flow is the authorization code with PKCE (S256), ``state`` and ``nonce`` (Authlib keeps
  them in the signed session); the endpoints come from the issuer's discovery document; the ID
  token is verified against the provider's JWKS (signature, issuer, audience, expiry, nonce).
- ``sub`` is the CPF. Only a person the portal already knows enters: an account with that
  CPF, or else (an invitation, an account without CPF yet) the account of the ID token's
  *verified* e-mail, which then gets the CPF. The first such sign-in links the account to
  gov.br; unlinking (account page) sets ``govbr_opt_out`` so it is not linked again by itself.
- The confiabilidade (bronze, prata, ouro) is read from gov.br's levels endpoint with the access
  token; each role needs at least the level SEGES set (``GovbrRoleLevel``, else the defaults).
- A refusal of any kind records an audit event in a transaction of its own (the request is
  rolled back) and raises a :class:`DomainError` with a message in Portuguese.

The portal's own session follows (``services.start_session``): same idle timeout, maximum age
and invalidation as a password sign-in. The ID token is kept in the session only to offer
gov.br's end-session (RP-initiated logout) on "Sair".
"""

from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

from portal.auth import services, sessions
from portal.auth.models import EndedSession, GovbrRoleLevel, GovbrSession, User
from portal.auth.passwords import verify_password
from portal.auth.roles import ROLE_LABELS, Role
from portal.core import audit
from portal.core.exceptions import DomainError, NotFound
from portal.core.models import utcnow
from portal.core.security import CONTENT_SECURITY_POLICY
from portal.core.urls import external_url
from portal.core.validators import is_valid_cpf, mask_cpf
from portal.extensions import db

LEVELS = ("bronze", "prata", "ouro")
LEVEL_LABELS = {"bronze": "Bronze", "prata": "Prata", "ouro": "Ouro"}
LEVEL_IDS = {"1": "bronze", "2": "prata", "3": "ouro"}  # gov.br's levels endpoint
DEFAULT_LEVELS = {
    Role.SEGES_ADMIN: "prata",
    Role.SEGES_REVIEWER: "prata",
    Role.PARTNER_MANAGER: "prata",
    Role.PARTNER_MEMBER: "bronze",
}
PRODUCTION_ISSUER = "https://sso.acesso.gov.br"
STAGING_ISSUER = "https://sso.staging.acesso.gov.br"
LEVELS_PATH = "/confiabilidades/v3/contas/{cpf}/niveis?response-type=ids"
_LEVELS_API = {
    PRODUCTION_ISSUER: "https://api.acesso.gov.br",
    STAGING_ISSUER: "https://api.staging.acesso.gov.br",
}

SESSION_FLOW = "govbr_flow"  # state → what that flow is for: {"intent", "next"}
SESSION_ID_TOKEN = "govbr_id_token"  # noqa: S105 - a session key (the id_token_hint)
SESSION_LOGOUT_URL = "govbr_logout_url"  # offered once on the login page after "Sair"

RAISE_LEVEL_HELP = (
    "Para subir o nível da sua conta, entre em contas.acesso.gov.br (ou no aplicativo gov.br), "
    "abra “Nível da conta” e valide seus dados: pelo reconhecimento facial no aplicativo "
    "gov.br, pelo internet banking de um banco credenciado (nível Prata) ou com certificado "
    "digital ICP-Brasil ou biometria da CNH (nível Ouro). Depois, volte aqui e entre de novo."
)
WHO_TO_ASK = (
    "O acesso ao portal é dado por convite: se você trabalha em uma instituição parceira, peça "
    "ao(à) coordenador(a) da Rede de Parcerias na sua instituição que convide você, informando "
    "seu CPF e e-mail institucional; se é servidor(a) da SEGES, peça à equipe que administra o "
    "portal. Depois do convite, entre de novo com gov.br."
)
PROTOCOL_FAILURE = (
    "Não foi possível confirmar sua identidade com o gov.br: a resposta recebida não passou nas "
    "verificações de segurança e foi descartada. Nada foi alterado na sua conta. Volte à página "
    "de entrada e tente de novo; se o problema continuar, avise a equipe da SEGES."
)
STATE_FAILURE = (
    "Não foi possível concluir a entrada com gov.br: a resposta não corresponde a uma entrada "
    "iniciada neste navegador (ela pode ter expirado, já ter sido usada ou ter sido alterada). "
    "Volte à página de entrada e clique em “Entrar com gov.br” de novo."
)
NOT_CONFIGURED = "A entrada com gov.br não está disponível neste portal."
UNAVAILABLE = (
    "O gov.br não respondeu agora. Tente de novo em alguns minutos"
    "{fallback}."
)


class GovbrRefused(DomainError):
    """The portal does not let this gov.br identity in (unknown, inactive, level too low)."""

    status = 403


class GovbrFailed(DomainError):
    """The exchange with gov.br failed its checks (state, code, token) or gov.br is away."""

    status = 400


# Configuration ---------------------------------------------------------------------------


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("GOVBR_ISSUER") and config.get("GOVBR_CLIENT_ID"))


def password_login_enabled() -> bool:
    return _flag(current_app.config.get("PASSWORD_LOGIN", True))


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in {"false", "0", "no", "off", ""}
    return bool(value)


def break_glass_emails() -> set[str]:
    value = current_app.config.get("BREAK_GLASS_EMAILS") or []
    if isinstance(value, str):
        value = value.split(",")
    return {services.normalise_email(email) for email in value if email and email.strip()}


def check_password_login(email: str, password: str) -> None:
    """With ``PASSWORD_LOGIN`` off only the break-glass accounts sign in with a password.
    Decided by the e-mail before the password is checked (so the answer never tells whether a
    password was right), with the same hashing work (so its time does not either)."""
    email = services.normalise_email(email)
    if password_login_enabled() or email in break_glass_emails():
        return
    verify_password(services.dummy_hash(), password or "")
    audit.record_now("auth.login_failed", None, email=email[:254], reason="password_login_off")
    raise DomainError(
        "A entrada com e-mail e senha está desativada: use “Entrar com gov.br”. "
        "(Só as contas de emergência definidas pela SEGES entram com senha.)"
    )


def client():
    """The Authlib client for the configured provider (made again if the configuration
    changed: tests point the same application at a provider of their own)."""
    config = current_app.config
    settings = (
        config["GOVBR_ISSUER"].rstrip("/"),
        config["GOVBR_CLIENT_ID"],
        config.get("GOVBR_CLIENT_SECRET"),
        config.get("GOVBR_SCOPES"),
        config.get("GOVBR_HTTP_TIMEOUT"),
    )
    cached = current_app.extensions.get("govbr")
    if cached is None or cached[0] != settings:
        issuer, client_id, secret, scopes, timeout = settings
        oauth = OAuth(current_app._get_current_object())
        govbr = oauth.register(
            "govbr",
            client_id=client_id,
            client_secret=secret,
            server_metadata_url=issuer + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
                "default_timeout": timeout,
            },
        )
        current_app.extensions["govbr"] = cached = (settings, govbr)
    return cached[1]


def callback_url() -> str:
    path = url_for("auth.govbr.callback")
    if current_app.config.get("PUBLIC_URL"):
        return external_url(path)
    return url_for("auth.govbr.callback", _external=True)


def _login_url() -> str:
    if current_app.config.get("PUBLIC_URL"):
        return external_url(url_for("auth.login"))
    return url_for("auth.login", _external=True)


def levels_url(cpf: str) -> str:
    template = current_app.config.get("GOVBR_LEVELS_URL")
    if not template:
        issuer = current_app.config["GOVBR_ISSUER"].rstrip("/")
        template = _LEVELS_API.get(issuer, issuer) + LEVELS_PATH
    return template.replace("{cpf}", cpf)


# Levels ----------------------------------------------------------------------------------


def required_levels() -> dict[str, str]:
    """Each role's least confiabilidade: SEGES's settings over the defaults."""
    levels = {str(role): level for role, level in DEFAULT_LEVELS.items()}
    for row in db.session.scalars(db.select(GovbrRoleLevel)):
        if row.role in levels and row.level in LEVELS:
            levels[row.role] = row.level
    return levels


def set_required_levels(levels: dict[str, str], *, by: User) -> None:
    current = required_levels()
    changed = {}
    for role in DEFAULT_LEVELS:
        level = levels.get(str(role))
        if level is None:
            continue
        if level not in LEVELS:
            raise DomainError("Escolha bronze, prata ou ouro.", field=str(role))
        row = db.session.get(GovbrRoleLevel, str(role))
        if row is None:
            row = GovbrRoleLevel(role=str(role), level=level)
            db.session.add(row)
        row.level, row.updated_by_id = level, by.id
        if current[str(role)] != level:
            changed[str(role)] = f"{current[str(role)]} → {level}"
    audit.record("govbr.levels_changed", None, actor=by, changes=changed)
    db.session.flush()


def _rank(level: str | None) -> int:
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def read_level(govbr, token: dict, cpf: str) -> str | None:
    """The highest confiabilidade gov.br lists for the person (None: none listed)."""
    response = govbr.get(levels_url(cpf), token=token)
    response.raise_for_status()
    found = [LEVEL_IDS.get(str(item.get("id"))) for item in response.json() or []]
    found = [level for level in found if level]
    return max(found, key=_rank) if found else None


# The flow ----------------------------------------------------------------------------------


def require_enabled() -> None:
    if not enabled():
        raise NotFound(NOT_CONFIGURED)


def csp_allowing_provider_forms() -> str:
    """The portal's CSP, with gov.br's origin allowed as a form's destination (a form whose
    answer redirects to gov.br: browsers check redirects against ``form-action``)."""
    parts = urlsplit(current_app.config["GOVBR_ISSUER"])
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


def begin(intent: str, next_url: str | None = None):
    """The redirect to gov.br's authorization endpoint (``intent``: "login" or "link")."""
    require_enabled()
    govbr = client()
    redirect_uri = callback_url()
    try:
        authorization = govbr.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError) as error:
        audit.record_now("auth.govbr_failed", None, reason="discovery", error=_name(error))
        raise GovbrFailed(UNAVAILABLE.format(fallback=_fallback())) from error
    # Authlib keeps state, nonce and PKCE verifier in the session under the state; what the
    # flow is for is kept beside it, under the same state (one flow per tab).
    govbr.save_authorize_data(redirect_uri=redirect_uri, **authorization)
    flows = dict(list(session.get(SESSION_FLOW, {}).items())[-2:])
    flows[authorization["state"]] = {"intent": intent, "next": next_url}
    session[SESSION_FLOW] = flows
    return redirect(authorization["url"])


def _fallback() -> str:
    return " ou entre com e-mail e senha" if password_login_enabled() else ""


def _name(error: Exception) -> str:
    return type(error).__name__


def _failure_reason(error: Exception) -> str:
    if isinstance(error, MismatchingStateError):
        return "state"
    if isinstance(error, OAuthError):
        return f"oauth:{error.error or 'error'}"
    if isinstance(error, ExpiredTokenError):
        return "id_token:expired"
    if isinstance(error, InvalidClaimError | MissingClaimError):
        return f"id_token:{error.claim}"
    if isinstance(error, JoseError):
        return f"id_token:{error.error}"
    return _name(error)


def complete() -> tuple[str, User, dict]:
    """Finish the flow on gov.br's return: verify everything, then say what it was for and
    whose account it is, with what to keep in the session. Raises a DomainError otherwise."""
    flows = session.pop(SESSION_FLOW, None) or {}
    flow = flows.get(request.args.get("state", "")) or {"intent": "login", "next": None}
    require_enabled()
    govbr = client()
    try:
        token = govbr.authorize_access_token(
            leeway=current_app.config["GOVBR_CLOCK_LEEWAY"], claims_options=_id_token_rules(govbr)
        )
    except OAuthError as error:
        reason = _failure_reason(error)
        audit.record_now("auth.govbr_failed", None, reason=reason,
                         description=(error.description or "")[:200])
        if error.error == "access_denied":
            raise GovbrFailed("Você cancelou a entrada com gov.br; nada foi alterado.") from error
        raise GovbrFailed(STATE_FAILURE if reason == "state" else PROTOCOL_FAILURE) from error
    except JoseError as error:
        audit.record_now("auth.govbr_failed", None, reason=_failure_reason(error))
        raise GovbrFailed(PROTOCOL_FAILURE) from error
    except (requests.RequestException, ValueError, KeyError) as error:
        audit.record_now("auth.govbr_failed", None, reason=_name(error))
        raise GovbrFailed(UNAVAILABLE.format(fallback=_fallback())) from error
    claims = token.get("userinfo")
    if not claims:  # no ID token in the token response
        audit.record_now("auth.govbr_failed", None, reason="id_token:missing")
        raise GovbrFailed(PROTOCOL_FAILURE)
    cpf = str(claims.get("sub", ""))
    if not (len(cpf) == 11 and cpf.isdigit() and is_valid_cpf(cpf)):
        audit.record_now("auth.govbr_failed", None, reason="id_token:sub")
        raise GovbrFailed(PROTOCOL_FAILURE)
    email = services.normalise_email(claims.get("email") or "")
    verified = claims.get("email_verified") is True and bool(email)
    kept = {"id_token": token.get("id_token")}
    if flow.get("intent") == "link":
        return "link", _for_link(cpf), kept
    user = _account_for(cpf, email if verified else None)
    try:
        level = read_level(govbr, token, cpf)
    except (requests.RequestException, ValueError, AttributeError) as error:
        audit.record_now("auth.govbr_failed", user, reason="levels", error=_name(error))
        raise GovbrFailed(
            "Não foi possível consultar o nível da sua conta gov.br agora. Tente de novo em "
            "alguns minutos."
        ) from error
    _check_level(user, level)
    _link(user, cpf, how="login")
    kept["level"] = level
    kept["next"] = flow.get("next")
    kept["sid"] = claims.get("sid")
    return "login", user, kept


def _id_token_rules(govbr) -> dict:
    """What the ID token's claims must be. Authlib's own default checks only the issuer: the
    audience is checked here (it lets an ID token for another client through when that token
    names us as its authorised party, ``azp``)."""
    issuer = govbr.load_server_metadata()["issuer"]
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": govbr.client_id},
        "sub": {"essential": True},
    }


def _refuse(message: str, user: User | None = None, **details) -> GovbrRefused:
    audit.record_now("auth.govbr_refused", user, **details)
    return GovbrRefused(message)


def _account_for(cpf: str, verified_email: str | None) -> User:
    """The account gov.br's person may enter: by CPF, else by verified e-mail (no CPF yet)."""
    masked = mask_cpf(cpf)
    by_cpf = list(db.session.scalars(db.select(User).where(User.cpf == cpf).limit(2)))
    if len(by_cpf) > 1:
        raise _refuse(
            f"Há mais de uma conta no portal com o CPF {masked}. Peça à equipe da SEGES que "
            "corrija os cadastros; até lá, entre com e-mail e senha.",
            None, reason="cpf_ambiguous", cpf=masked)
    user = by_cpf[0] if by_cpf else None
    if user is None and verified_email:
        candidate = services.find_user(verified_email)
        if candidate is not None and not candidate.cpf:
            user = candidate
    if user is None:
        raise _refuse(
            f"Não há no Portal da Rede de Parcerias uma conta para o CPF {masked}. "
            + WHO_TO_ASK,
            None, reason="unknown_cpf", cpf=masked)
    if not user.active:
        raise _refuse(
            "Sua conta no portal está desativada. Fale com o(a) coordenador(a) da Rede na sua "
            "instituição ou com a equipe da SEGES.",
            user, reason="inactive")
    if user.govbr_opt_out and not user.govbr_linked:
        raise _refuse(
            "Sua conta no portal foi desvinculada do gov.br. Para voltar a entrar com gov.br, "
            "entre com e-mail e senha e use “Vincular conta gov.br” em Minha conta.",
            user, reason="unlinked")
    return user


def _check_level(user: User, level: str | None) -> None:
    needed = required_levels().get(str(user.role), "bronze")
    if _rank(level) >= _rank(needed):
        return
    current = LEVEL_LABELS.get(level, "sem nível informado") if level else "sem nível informado"
    raise _refuse(
        f"Sua conta gov.br está no nível {current}, e o perfil "
        f"{ROLE_LABELS.get(user.role, user.role)} exige pelo menos o nível "
        f"{LEVEL_LABELS[needed]} para entrar no portal. " + RAISE_LEVEL_HELP,
        user, reason="level", level=level, required=needed)


def _link(user: User, cpf: str, *, how: str) -> None:
    first = not user.govbr_linked
    if not user.cpf:
        user.cpf = cpf
    user.govbr_opt_out = False
    if first:
        user.govbr_linked_at = utcnow()
        audit.record("auth.govbr_linked", user, actor=user, how=how)
    if user.is_pending_activation:
        user.activated_at = utcnow()
        audit.record("auth.account_activated", user, actor=user, method="govbr")
    db.session.flush()


def _for_link(cpf: str) -> User:
    """Linking from the account page: the signed-in person's own CPF only."""
    if not current_user.is_authenticated:
        raise GovbrFailed("Sua sessão terminou antes do retorno do gov.br. Entre e tente de novo.")
    user = current_user._get_current_object()
    masked = mask_cpf(cpf)
    if user.cpf and user.cpf != cpf:
        raise _refuse(
            f"A conta gov.br usada (CPF {masked}) não é a do CPF cadastrado na sua conta do "
            "portal. Entre no gov.br com a sua própria conta, ou peça à SEGES que corrija seu CPF.",
            user, reason="link_cpf_mismatch", cpf=masked)
    other = db.session.scalar(db.select(User).where(User.cpf == cpf, User.id != user.id))
    if other is not None:
        raise _refuse(
            f"O CPF {masked} já está em outra conta do portal. Peça à equipe da SEGES que "
            "corrija os cadastros.", user, reason="link_cpf_taken", cpf=masked)
    _link(user, cpf, how="account")
    return user


def unlink(user: User) -> None:
    if not user.govbr_linked:
        raise DomainError("Sua conta não está vinculada ao gov.br.")
    if not user.password_hash:
        raise DomainError(
            "Sua conta ainda não tem senha: sem o gov.br você não conseguiria entrar. "
            "Defina uma senha (Esqueci minha senha) antes de desvincular."
        )
    user.govbr_linked_at = None
    user.govbr_opt_out = True
    audit.record("auth.govbr_unlinked", user, actor=user)
    db.session.flush()


def sign_in(user: User, kept: dict) -> None:
    """The portal's own session, as for a password sign-in, remembering gov.br's ID token."""
    services.start_session(user, method="govbr", level=kept.get("level"))
    if kept.get("id_token"):
        session[SESSION_ID_TOKEN] = kept["id_token"]
    sid = kept.get("sid")
    if isinstance(sid, str) and sid:
        db.session.execute(db.delete(GovbrSession).where(
            GovbrSession.created_at < utcnow() - sessions.max_age()))
        db.session.add(GovbrSession(id=sessions.current_session_id(), sid=sid[:255],
                                    user_id=user.id))
        db.session.flush()


# Back-channel logout ------------------------------------------------------------------------

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def backchannel_logout(logout_token: str | None) -> bool:
    """gov.br says a person left (OpenID Connect Back-Channel Logout 1.0): end the portal
    sessions its ``sid`` opened, or, with only ``sub``, every session of that CPF's account.
    False (and an audit event) when the logout token does not pass its checks."""
    if not enabled() or not logout_token:
        return False
    try:
        claims = _logout_claims(logout_token)
    except (JoseError, ValueError, requests.RequestException) as error:
        audit.record_now("auth.govbr_backchannel_refused", None, reason=_failure_reason(error))
        return False
    sid, sub = claims.get("sid"), claims.get("sub")
    if sid:
        query = db.select(GovbrSession).where(GovbrSession.sid == str(sid))
        if sub:
            query = query.join(User, User.id == GovbrSession.user_id).where(User.cpf == str(sub))
        rows = list(db.session.scalars(query))
        for row in rows:
            if db.session.get(EndedSession, row.id) is None:
                db.session.add(EndedSession(id=row.id, user_id=row.user_id))
            db.session.delete(row)
        for user_id in sorted({row.user_id for row in rows}):
            audit.record("auth.govbr_backchannel_logout", db.session.get(User, user_id),
                         actor=None, sessions=sum(r.user_id == user_id for r in rows))
    else:
        user = db.session.scalar(db.select(User).where(User.cpf == str(sub)).limit(1))
        if user is not None:
            services.bump_session_version(user)
            audit.record("auth.govbr_backchannel_logout", user, actor=None, sessions="all")
    db.session.flush()
    return True


def _logout_claims(logout_token: str) -> dict:
    govbr = client()
    metadata = govbr.load_server_metadata()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    try:
        keys = KeySet.import_key_set(govbr.fetch_jwk_set())
        token = jwt.decode(logout_token, keys, algorithms=algorithms)
    except InvalidKeyIdError:
        keys = KeySet.import_key_set(govbr.fetch_jwk_set(force=True))
        token = jwt.decode(logout_token, keys, algorithms=algorithms)
    leeway = current_app.config["GOVBR_CLOCK_LEEWAY"]
    jwt.JWTClaimsRegistry(
        leeway=leeway,
        iss={"essential": True, "value": metadata["issuer"]},
        aud={"essential": True, "value": govbr.client_id},
        iat={"essential": True},
        events={"essential": True},
    ).validate(token.claims)
    claims = token.claims
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise InvalidClaimError("events")
    if "nonce" in claims:
        raise InvalidClaimError("nonce")
    if not claims.get("sid") and not claims.get("sub"):
        raise MissingClaimError("sid")
    return claims


def end_session_url(id_token: str | None) -> str | None:
    """gov.br's end-session address (RP-initiated logout) for the session just ended."""
    if not id_token or not enabled():
        return None
    try:
        result = client().create_logout_url(
            post_logout_redirect_uri=_login_url(), id_token_hint=id_token
        )
    except (requests.RequestException, ValueError, RuntimeError):
        return None
    return result["url"]
