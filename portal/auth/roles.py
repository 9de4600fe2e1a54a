"""The four roles of DESIGN section 2."""

from enum import StrEnum


class Role(StrEnum):
    SEGES_ADMIN = "seges_admin"
    SEGES_REVIEWER = "seges_reviewer"
    PARTNER_MANAGER = "partner_manager"
    PARTNER_MEMBER = "partner_member"


ROLE_LABELS = {
    Role.SEGES_ADMIN: "Administrador(a) SEGES",
    Role.SEGES_REVIEWER: "Analista SEGES",
    Role.PARTNER_MANAGER: "Coordenador(a) do parceiro",
    Role.PARTNER_MEMBER: "Membro do parceiro",
}

SEGES_ROLES = frozenset({Role.SEGES_ADMIN, Role.SEGES_REVIEWER})
PARTNER_ROLES = frozenset({Role.PARTNER_MANAGER, Role.PARTNER_MEMBER})
