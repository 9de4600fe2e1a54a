"""Fixtures for the partner workspace: MG's ACT 160/2025 imported from the seed."""

import io
from datetime import date

import pytest

from portal.agreements.models import Goal
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def act(users):
    agreement, _ = plans.import_plan(parse_plan(read_seed_plan()), start=date(2025, 10, 1), years=5)
    return agreement


def deliverable_of(agreement, code: str, institution_id: int, index: int = 0) -> Deliverable:
    return db.session.scalars(
        db.select(Deliverable)
        .join(Goal)
        .where(
            Goal.agreement_id == agreement.id,
            Goal.code == code,
            Deliverable.institution_id == institution_id,
        )
        .order_by(Deliverable.due_on)
    ).all()[index]


@pytest.fixture
def painel(act, users):
    """MG's deliverable for goal 1.2 (due 16/10/2025: overdue)."""
    return deliverable_of(act, "1.2", users["partner_manager"].institution_id)


def upload(name: str, content: bytes):
    return (io.BytesIO(content), name)
