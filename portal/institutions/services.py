"""Institution rules: finding one by CNPJ, the filtered list, and saving (audited, with the
two-layer checks)."""

from sqlalchemy import func, or_

from portal.core import audit
from portal.core.exceptions import DomainError
from portal.core.validators import only_digits
from portal.extensions import db
from portal.institutions.models import Institution


def find_by_cnpj(cnpj: str) -> Institution | None:
    return db.session.scalar(db.select(Institution).where(Institution.cnpj == only_digits(cnpj)))


def search_institutions(
    *,
    q: str | None = None,
    sphere: str | None = None,
    uf: str | None = None,
    elo: str | None = None,
):
    query = db.select(Institution).order_by(Institution.name)
    if q:
        term = q.lower()
        conditions = [
            func.lower(Institution.name).contains(term, autoescape=True),
            func.lower(Institution.acronym).contains(term, autoescape=True),
        ]
        if only_digits(q):
            conditions.append(Institution.cnpj.like(f"%{only_digits(q)}%"))
        query = query.where(or_(*conditions))
    if sphere:
        query = query.where(Institution.sphere == sphere)
    if uf:
        query = query.where(Institution.uf == uf)
    if elo:
        query = query.where(Institution.elo == elo)
    return query


def save_institution(
    institution: Institution | None,
    *,
    by,
    name: str,
    cnpj: str,
    sphere: str,
    elo: str,
    acronym: str | None = None,
    uf: str | None = None,
    parent_cnpj: str | None = None,
) -> Institution:
    """Create (``institution`` None) or update an institution."""
    cnpj = only_digits(cnpj)
    existing = find_by_cnpj(cnpj)
    if existing is not None and existing is not institution:
        raise DomainError("Já existe uma instituição com este CNPJ.", field="cnpj")
    parent = None
    if parent_cnpj:
        parent = find_by_cnpj(parent_cnpj)
        if parent is None:
            raise DomainError("Nenhuma instituição cadastrada com este CNPJ.", field="parent_cnpj")
        if parent is institution or parent.parent_id is not None:
            raise DomainError(
                "O partícipe de primeira camada não pode ser aderente nem a própria instituição.",
                field="parent_cnpj",
            )
        has_adherents = institution is not None and db.session.scalar(
            db.select(Institution.id).where(Institution.parent_id == institution.id).limit(1))
        if has_adherents:
            raise DomainError("Esta instituição tem aderentes: ela não pode virar segunda camada "
                              "(a Rede tem só duas camadas).", field="parent_cnpj")
    creating = institution is None
    if creating:
        institution = Institution()
        db.session.add(institution)
    before = _snapshot(institution)
    institution.name = name
    institution.acronym = acronym or None
    institution.cnpj = cnpj
    institution.sphere = sphere
    institution.uf = uf or None
    institution.elo = elo
    institution.parent = parent
    after = _snapshot(institution)
    changes = {k: after[k] for k in after if before.get(k) != after[k]}
    audit.record(
        "institution.created" if creating else "institution.updated",
        institution,
        actor=by,
        changes=changes,
    )
    db.session.flush()
    return institution


def _snapshot(institution: Institution) -> dict:
    return {
        "name": institution.name,
        "acronym": institution.acronym,
        "cnpj": institution.cnpj,
        "sphere": institution.sphere,
        "uf": institution.uf,
        "elo": institution.elo,
        "parent_id": institution.parent.id if institution.parent else None,
    }


def adherents_of(institution: Institution, limit: int = 200) -> list[Institution]:
    """Its second-layer institutions (adesões), by name."""
    return list(db.session.scalars(
        db.select(Institution)
        .where(Institution.parent_id == institution.id)
        .order_by(Institution.name)
        .limit(limit)
    ))
