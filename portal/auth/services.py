"""Account rules: authentication, sessions, passwords, invitations."""

from flask import current_app, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import func, or_

from portal.auth import sessions, tokens
from portal.auth.models import EndedSession, User
from portal.auth.passwords import hash_password, password_problem, verify_password
from portal.auth.roles import Role
from portal.core import audit
from portal.core.exceptions import DomainError
from portal.core.mail import send_mail
from portal.core.models import utcnow
from portal.core.urls import external_url
from portal.core.validators import is_valid_cpf, only_digits
from portal.extensions import db
from portal.institutions.models import Institution

INVALID_LOGIN = "E-mail ou senha incorretos."
# Verified when the account has no password (unknown e-mail, invitation pending), so every
# failure costs one hash verification: the time taken says nothing of the account.
# One per hash method (the configuration may change it), made on first use.
_DUMMY_HASH: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(
        db.select(User).where(func.lower(User.email) == normalise_email(email))
    )


def authenticate(email: str, password: str) -> User:
    """The account for ``email`` and ``password``. Unknown, pending, inactive and active
    accounts do the same work (one hash verification) and fail alike: no login oracle."""
    user = find_user(email)
    stored = user.password_hash if user is not None else None
    matches = verify_password(stored or dummy_hash(), password) and stored is not None
    if not matches or user is None or not user.active:
        audit.record_now("auth.login_failed", user, email=normalise_email(email)[:254])
        raise DomainError(INVALID_LOGIN)
    return user


def dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = hash_password("portal-dummy-password")
    return _DUMMY_HASH[method]


def bump_session_version(user: User) -> None:
    """Invalidate every session cookie issued for ``user`` so far."""
    user.session_version = (user.session_version or 1) + 1


def _sign_in(user: User) -> None:
    """A fresh session for ``user`` in this browser: nothing carried over (new CSRF token),
    a new random session id."""
    session.clear()
    login_user(user)
    session.permanent = True
    sessions.new_session_id()


def _sign_out() -> None:
    logout_user()
    session.clear()


def start_session(user: User, **details) -> None:
    """Sign ``user`` in (``details``, e.g. the method, go to the audit trail)."""
    _sign_in(user)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, actor=user, **details)
    db.session.flush()


def end_session(user: User) -> None:
    """"Sair": end this browser's session only; the user's other sessions stay open.

    The session's id is recorded as ended, so a copy of this cookie (taken before) is refused
    too. Ids older than the longest a session may live are of no use any more: dropped here.
    """
    session_id = sessions.current_session_id()
    if session_id is not None and db.session.get(EndedSession, session_id) is None:
        db.session.add(EndedSession(id=session_id, user_id=user.id))
    db.session.execute(
        db.delete(EndedSession).where(EndedSession.ended_at < utcnow() - sessions.max_age())
    )
    audit.record("auth.logout", user, actor=user)
    db.session.flush()
    _sign_out()


def end_all_sessions(user: User) -> None:
    """"Sair de todos os dispositivos": end every session of ``user``, this one included (as a
    password change does for the others). Bumping the version invalidates every cookie."""
    bump_session_version(user)
    # Their ids are refused by the version now: the user's ended ids are not needed.
    db.session.execute(db.delete(EndedSession).where(EndedSession.user_id == user.id))
    audit.record("auth.logout_everywhere", user, actor=user)
    db.session.flush()
    _sign_out()


def _set_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    bump_session_version(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise DomainError("A senha atual está incorreta.", field="current_password")
    _set_password(user, new_password)
    audit.record("auth.password_changed", user, actor=user)
    db.session.flush()
    # Other sessions die with the old version; this one continues under the new one.
    _sign_in(user)


def request_password_reset(email: str) -> None:
    """Mail a one-time link if the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.active or user.is_pending_activation:
        return
    link = external_url(url_for("auth.reset_password", token=tokens.make_token(user, "reset")))
    send_mail(
        user.email,
        "Redefinição de senha — Rede de Parcerias",
        "auth/email/reset",
        user=user,
        link=link,
    )
    audit.record("auth.password_reset_requested", user, actor=user)
    db.session.flush()


def reset_password(token: str, new_password: str) -> User:
    user = tokens.load_token(token, "reset")
    if user is None:
        raise DomainError(INVALID_LINK)
    _set_password(user, new_password)
    audit.record("auth.password_reset", user, actor=user)
    db.session.flush()
    return user


INVALID_LINK = "Este link é inválido, já foi usado ou expirou. Peça um novo."


def activate_account(token: str, new_password: str) -> User:
    user = tokens.load_token(token, "activate")
    if user is None or not user.is_pending_activation:
        raise DomainError(INVALID_LINK)
    _set_password(user, new_password)
    user.activated_at = utcnow()
    audit.record("auth.account_activated", user, actor=user)
    db.session.flush()
    return user


def _check_profile(email: str, cpf: str | None, *, exclude_id: int | None = None) -> None:
    existing = find_user(email)
    if existing is not None and existing.id != exclude_id:
        raise DomainError("Já existe um usuário com este e-mail.", field="email")
    if cpf and not is_valid_cpf(cpf):
        raise DomainError("CPF inválido.", field="cpf")


def _hidden_from(by: User | None, existing: User, institution) -> bool:
    """Whether ``by`` may not learn that ``existing`` has an account: only SEGES's admins and
    the CLI see every account; a manager sees its own institution's."""
    return by is not None and not by.is_admin and existing.institution_id != institution.id


def invite_user(
    *,
    by: User | None,
    email: str,
    name: str,
    role: str,
    institution,
    cpf: str | None = None,
    phone: str | None = None,
) -> User | None:
    """Create an account pending activation and mail the activation link.

    An address that already has an account in another institution is not revealed to a
    partner manager (no oracle of who has an account anywhere): the invitation is answered
    alike, no account is created, and the existing person is told instead (None returned).
    """
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None and _hidden_from(by, existing, institution):
        audit.record("user.invited_existing", existing, actor=by, institution_id=institution.id)
        send_mail(existing.email, "Convite recebido — Portal da Rede de Parcerias",
                  "auth/email/invited_elsewhere", user=existing, by=by, institution=institution)
        return None
    _check_profile(email, cpf)
    user = User(
        email=email,
        name=name.strip(),
        role=Role(role),
        institution=institution,
        cpf=only_digits(cpf) or None,
        phone=(phone or "").strip() or None,
    )
    db.session.add(user)
    audit.record("user.invited", user, actor=by, role=str(role), email=email)
    db.session.flush()
    send_activation(user)
    return user


def send_activation(user: User) -> None:
    link = external_url(url_for("auth.activate", token=tokens.make_token(user, "activate")))
    send_mail(
        user.email,
        "Ative sua conta — Portal da Rede de Parcerias",
        "auth/email/activate",
        user=user,
        link=link,
    )


def create_user(
    *, email: str, name: str, role: str, institution, password: str, by: User | None = None
) -> User:
    """Create an active account with a password (CLI and demo)."""
    email = normalise_email(email)
    _check_profile(email, None)
    user = User(email=email, name=name.strip(), role=Role(role), institution=institution)
    _set_password(user, password)
    user.activated_at = utcnow()
    db.session.add(user)
    audit.record("user.created", user, actor=by, role=str(role), email=email)
    db.session.flush()
    return user


def update_user(user: User, *, by: User, **changes) -> User:
    if "cpf" in changes:
        _check_profile(user.email, changes["cpf"], exclude_id=user.id)
        changes["cpf"] = only_digits(changes["cpf"]) or None
    changed = {}
    for key, value in changes.items():
        if getattr(user, key) != value:
            changed[key] = "***" if key == "cpf" else str(value)
            setattr(user, key, value)
    if "cpf" in changed and user.govbr_linked_at is not None:
        # The gov.br link was proven for the old CPF: the new one links at its next sign-in.
        user.govbr_linked_at = None
        changed["govbr"] = "desvinculado"
    if "role" in changed or "institution_id" in changed:
        bump_session_version(user)  # privileges changed: sign in again
    audit.record("user.updated", user, actor=by, changes=changed)
    db.session.flush()
    return user


def set_password(user: User, new_password: str, *, by: User | None = None) -> None:
    _set_password(user, new_password)
    if user.is_pending_activation:
        user.activated_at = utcnow()
    audit.record("user.password_set", user, actor=by)
    db.session.flush()


def deactivate(user: User, *, by: User | None = None) -> None:
    user.active = False
    bump_session_version(user)
    audit.record("user.deactivated", user, actor=by)
    db.session.flush()


def reactivate(user: User, *, by: User | None = None) -> None:
    user.active = True
    audit.record("user.reactivated", user, actor=by)
    db.session.flush()


def record_cpf_view(subject, *, by) -> None:
    """Every display of an unmasked CPF in a form leaves a trail (LGPD)."""
    if subject.cpf:
        audit.record("user.cpf_viewed", subject, actor=by)
        db.session.flush()


def users_query(viewer: User, q: str | None = None):
    """The accounts ``viewer`` may list (an admin all, a manager its institution's), by name,
    matching ``q`` in name, e-mail or institution."""
    query = db.select(User).join(User.institution).order_by(User.name, User.id)
    if not viewer.is_admin:
        query = query.where(User.institution_id == viewer.institution_id)
    if q:
        term = q.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(term, autoescape=True),
                func.lower(User.email).contains(term, autoescape=True),
                func.lower(Institution.name).contains(term, autoescape=True),
                func.lower(Institution.acronym).contains(term, autoescape=True),
            )
        )
    return query
