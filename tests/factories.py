"""Small factories for tests: real objects through the real services where it matters."""

import itertools

from portal.agreements.models import Institution
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.models import utcnow
from portal.extensions import db

PASSWORD = "senha-de-teste-longa"
_sequence = itertools.count(1)


def valid_cnpj(base: int | None = None) -> str:
    """A valid CNPJ whose first 8 digits come from ``base`` (or a sequence)."""
    number = f"{base if base is not None else 10000000 + next(_sequence):08d}0001"

    def digit(digits: str, weights: list[int]) -> str:
        rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        return "0" if rest < 2 else str(11 - rest)

    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    number += digit(number, weights)
    number += digit(number, [6, *weights])
    return number


def institution(**fields) -> Institution:
    fields.setdefault("name", f"Instituição {next(_sequence)}")
    fields.setdefault("cnpj", valid_cnpj())
    fields.setdefault("sphere", "estadual")
    fields.setdefault("elo", "Estados")
    fields.setdefault("uf", "MG")
    obj = Institution(**fields)
    db.session.add(obj)
    db.session.commit()
    return obj


def user(
    email: str, role: str, institution: Institution, *, password: str = PASSWORD, **fields
) -> User:
    fields.setdefault("name", email.split("@")[0].title())
    obj = User(
        email=email,
        role=role,
        institution=institution,
        password_hash=hash_password(password),
        activated_at=utcnow(),
        **fields,
    )
    db.session.add(obj)
    db.session.commit()
    return obj


def queries_for(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` issues (asserts it answers 200)."""
    from sqlalchemy import event

    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200, url
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def seed_network() -> dict:
    """SEGES, Minas Gerais (with ACT 160/2025 imported from the seed) and Espírito Santo."""
    from datetime import date

    from portal.plans import services as plans
    from portal.plans.importer import parse_plan, read_seed_plan

    network = {
        "seges": institution(
            name="SEGES",
            acronym="SEGES",
            cnpj="00489828000155",
            sphere="federal",
            uf=None,
            elo="União",
            is_secretariat=True,
        ),
        "mg": institution(
            name="Governo de Minas Gerais", acronym="SCC/MG", cnpj="50941185000107", uf="MG"
        ),
        "es": institution(
            name="Governo do Espírito Santo", acronym="SEGER/ES", cnpj="27080530000143", uf="ES"
        ),
    }
    network["act"], _ = plans.import_plan(
        parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5
    )
    return network
