"""Institutions (partícipes): the register, their sphere, UF and elo, and the two layers
(a first-layer partner and the adherents under it)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db

SPHERES = {
    "federal": "Federal",
    "estadual": "Estadual",
    "distrital": "Distrital",
    "municipal": "Municipal",
    "outra": "Outra",
}

ELOS = [
    "Estados",
    "Municípios",
    "União",
    "Contas e Controle",
    "Justiça",
    "Legislativo",
    "Ensino",
    "OSC",
    "Outros",
]

UFS = {
    "AC": "Acre",
    "AL": "Alagoas",
    "AP": "Amapá",
    "AM": "Amazonas",
    "BA": "Bahia",
    "CE": "Ceará",
    "DF": "Distrito Federal",
    "ES": "Espírito Santo",
    "GO": "Goiás",
    "MA": "Maranhão",
    "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul",
    "MG": "Minas Gerais",
    "PA": "Pará",
    "PB": "Paraíba",
    "PR": "Paraná",
    "PE": "Pernambuco",
    "PI": "Piauí",
    "RJ": "Rio de Janeiro",
    "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul",
    "RO": "Rondônia",
    "RR": "Roraima",
    "SC": "Santa Catarina",
    "SP": "São Paulo",
    "SE": "Sergipe",
    "TO": "Tocantins",
}


class Institution(db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(40))
    cnpj: Mapped[str] = mapped_column(String(14), unique=True)
    sphere: Mapped[str] = mapped_column(String(20))
    uf: Mapped[str | None] = mapped_column(String(2), index=True)
    elo: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    # The Rede's secretariat (SEGES): owner of the "seges" goals and home of SEGES users.
    is_secretariat: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    parent: Mapped["Institution | None"] = relationship(
        remote_side=[id], lazy="joined", join_depth=1
    )
    # Its accounts (the auth feature's User), for the institution page; read-only from here.
    members: Mapped[list["User"]] = relationship(  # noqa: F821
        viewonly=True, order_by="User.name", lazy="select"
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def layer(self) -> int:
        return 2 if self.parent_id else 1

    @property
    def sphere_label(self) -> str:
        return SPHERES.get(self.sphere, self.sphere)

    def __repr__(self) -> str:
        return f"<Institution {self.acronym or self.name}>"
