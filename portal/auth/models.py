"""User accounts."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.roles import PARTNER_ROLES, ROLE_LABELS, SEGES_ROLES, Role
from portal.core.models import utcnow
from portal.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    cpf: Mapped[str | None] = mapped_column(String(11), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(20))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by "Sair de todos os dispositivos", a password change, a change of role or
    # institution, and deactivation: every older session cookie dies.
    # ("Sair" ends one session only: see EndedSession.)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # gov.br (portal.auth.govbr): linked when the person first signs in with gov.br (matched by
    # CPF or verified e-mail) or links it on the account page. Unlinking sets the opt-out, so a
    # later gov.br sign-in does not link the account again by itself.
    govbr_linked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    govbr_opt_out: Mapped[bool] = mapped_column(default=False, server_default=db.false())

    institution: Mapped["Institution"] = relationship(lazy="joined")  # noqa: F821

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_seges(self) -> bool:
        return self.role in SEGES_ROLES

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.SEGES_ADMIN

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def govbr_linked(self) -> bool:
        return self.govbr_linked_at is not None

    @property
    def is_pending_activation(self) -> bool:
        return self.activated_at is None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class EndedSession(db.Model):
    """A session ended by "Sair" in one browser. Session cookies are signed, not stored: a copy
    of this browser's cookie (taken before it signed out) would still be valid, so the
    session's random id is kept here and refused until the cookie could no longer be valid
    anyway (its idle lifetime has passed; see ``auth.services.end_session``).

    "Sair de todos os dispositivos", a password change and deactivation do not need rows:
    they bump ``User.session_version``, which ends every cookie issued before.
    """

    __tablename__ = "ended_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the session's random id
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, index=True
    )

    def __repr__(self) -> str:
        return f"<EndedSession user:{self.user_id}>"


class GovbrRoleLevel(db.Model):
    """The least gov.br confiabilidade (bronze, prata, ouro) a role needs to sign in with
    gov.br, set by SEGES's admins; a role without a row uses ``govbr.DEFAULT_LEVELS``."""

    __tablename__ = "govbr_role_levels"

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<GovbrRoleLevel {self.role} {self.level}>"


class GovbrSession(db.Model):
    """Which portal session a gov.br session (the ID token's ``sid``) opened, so gov.br's
    back-channel logout for that ``sid`` ends exactly those portal sessions. Kept as long as
    a session may live (``SESSION_MAX_DAYS``), then dropped at a later gov.br sign-in."""

    __tablename__ = "govbr_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the portal session's id
    sid: Mapped[str] = mapped_column(String(255), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(
        db.DateTime(timezone=True), default=utcnow, index=True
    )

    def __repr__(self) -> str:
        return f"<GovbrSession user:{self.user_id}>"
