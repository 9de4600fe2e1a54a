"""Servidores indicados (metas 1.1, 1.2 e 2.1 of the seed) and access to the Painel Gerencial.

A focal point row is never deleted: ending it keeps it in the history, and editing ends it
and creates its successor (``replaces_id``), so every change stays visible.
"""

import csv
import io
from datetime import date

import phonenumbers
from sqlalchemy import String, cast
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Goal
from portal.core import audit
from portal.core.exceptions import Conflict, DomainError
from portal.core.formatting import format_date
from portal.core.models import utcnow
from portal.core.spreadsheets import csv_text
from portal.core.validators import is_valid_cpf, mask_cpf, only_digits
from portal.deliverables import lifecycle
from portal.deliverables import services as deliverables
from portal.deliverables.models import Deliverable, Evidence
from portal.extensions import db
from portal.focal_points import signals
from portal.focal_points.models import FOCAL_POINT_PURPOSES, FocalPoint

PHONE_INVALID = "Telefone inválido: informe um número brasileiro com DDD, como (31) 99999-1234."
SNAPSHOT_ROLE = "focal_points"  # the goal that holds the list of servidores (1.1 in the seed)
CSV_HEADER = ["Finalidade", "Nome", "CPF", "Telefone", "E-mail", "Desde"]


# Reading ----------------------------------------------------------------------

def current_query(institution_id: int):
    return (db.select(FocalPoint)
            .where(FocalPoint.institution_id == institution_id, FocalPoint.ended_at.is_(None))
            .order_by(FocalPoint.purpose, FocalPoint.name, FocalPoint.id))


def history_query(institution_id: int):
    return (db.select(FocalPoint)
            .where(FocalPoint.institution_id == institution_id, FocalPoint.ended_at.is_not(None))
            .options(db.joinedload(FocalPoint.ended_by))
            .order_by(FocalPoint.ended_at.desc(), FocalPoint.id.desc()))


def pending_painel_query():
    """Painel Gerencial responsibles still waiting for SEGES to grant access (meta 1.3)."""
    return (db.select(FocalPoint)
            .where(FocalPoint.purpose == "painel", FocalPoint.ended_at.is_(None),
                   FocalPoint.access_granted_at.is_(None))
            .options(db.joinedload(FocalPoint.institution))
            .order_by(FocalPoint.created_at, FocalPoint.id))


def record_cpf_view(focal_points, *, by) -> None:
    """Every display of unmasked CPFs leaves a trail (LGPD): one row per page shown, naming
    the servidores whose CPF it showed — on the institution's trail when they are all of one
    institution (a list, a form)."""
    if not focal_points:
        return
    institutions = {focal_point.institution_id for focal_point in focal_points}
    event = audit.record(
        "focal_point.cpf_viewed", actor=by,
        institution_id=institutions.pop() if len(institutions) == 1 else None,
        focal_points=[focal_point.id for focal_point in focal_points],
    )
    event.object_type = FocalPoint.__name__  # the kind shown; which ones are in the details
    db.session.flush()


# Changing -------------------------------------------------------------------------

def national_phone(text: str) -> str:
    """A valid Brazilian number, written with its DDD or +55, in the national format:
    "(31) 99999-1234", "(61) 3333-4444". Anything else is refused ("31 99999")."""
    try:
        number = phonenumbers.parse(text or "", "BR")
    except phonenumbers.NumberParseException:
        number = None
    if (number is None or phonenumbers.region_code_for_number(number) != "BR"
            or not phonenumbers.is_valid_number(number)):
        raise DomainError(PHONE_INVALID, field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _clean(purpose: str, name: str, cpf: str, phone: str, email: str) -> dict:
    if purpose not in FOCAL_POINT_PURPOSES:
        raise DomainError("Escolha a finalidade da indicação.", field="purpose")
    if not is_valid_cpf(cpf):
        raise DomainError("CPF inválido: confira os dígitos.", field="cpf")
    name, email = (name or "").strip(), (email or "").strip()
    if not name:
        raise DomainError("Informe o nome.", field="name")
    if "@" not in email:
        raise DomainError("Informe um e-mail válido.", field="email")
    return {"purpose": purpose, "name": name, "cpf": only_digits(cpf),
            "phone": national_phone(phone), "email": email.lower()}


def _refuse_duplicate(institution_id: int, fields: dict, except_id: int | None = None) -> None:
    query = db.select(FocalPoint.id).where(
        FocalPoint.institution_id == institution_id, FocalPoint.ended_at.is_(None),
        FocalPoint.purpose == fields["purpose"], FocalPoint.cpf == fields["cpf"])
    if except_id is not None:
        query = query.where(FocalPoint.id != except_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError("Esta pessoa já está indicada para esta finalidade.", field="cpf")


def create(institution, *, by, purpose: str, name: str, cpf: str, phone: str,
           email: str) -> FocalPoint:
    fields = _clean(purpose, name, cpf, phone, email)
    _refuse_duplicate(institution.id, fields)
    focal_point = FocalPoint(institution_id=institution.id, created_by_id=by.id, **fields)
    db.session.add(focal_point)
    audit.record("focal_point.created", focal_point, actor=by, purpose=fields["purpose"],
                 name=fields["name"])
    if fields["purpose"] == "painel":
        signals.painel_access_requested.send(focal_point)
    db.session.flush()
    return focal_point


def update(focal_point: FocalPoint, *, by, purpose: str, name: str, cpf: str, phone: str,
           email: str) -> FocalPoint:
    """End ``focal_point`` and create its successor; the same person keeps Painel access."""
    if not focal_point.is_current:
        raise Conflict("Esta indicação já foi encerrada e não pode mais ser alterada.")
    fields = _clean(purpose, name, cpf, phone, email)
    if all(getattr(focal_point, key) == value for key, value in fields.items()):
        return focal_point
    _refuse_duplicate(focal_point.institution_id, fields, except_id=focal_point.id)
    focal_point.ended_at, focal_point.ended_by_id = utcnow(), by.id
    successor = FocalPoint(institution_id=focal_point.institution_id, created_by_id=by.id,
                           replaces_id=focal_point.id, **fields)
    same_access = fields["purpose"] == focal_point.purpose == "painel" and (
        fields["cpf"] == focal_point.cpf)
    if same_access:
        successor.access_granted_at = focal_point.access_granted_at
        successor.access_granted_by_id = focal_point.access_granted_by_id
    db.session.add(successor)
    audit.record("focal_point.updated", successor, actor=by, replaces=focal_point.id,
                 purpose=fields["purpose"], name=fields["name"])
    if fields["purpose"] == "painel" and not same_access:
        signals.painel_access_requested.send(successor)
    db.session.flush()
    return successor


def end(focal_point: FocalPoint, *, by) -> None:
    if not focal_point.is_current:
        raise Conflict("Esta indicação já estava encerrada.")
    focal_point.ended_at, focal_point.ended_by_id = utcnow(), by.id
    audit.record("focal_point.ended", focal_point, actor=by, purpose=focal_point.purpose,
                 name=focal_point.name)
    db.session.flush()


def grant_access(focal_point: FocalPoint, *, by) -> None:
    """Meta 1.3: SEGES registered the person in the Painel Gerencial; tell the managers."""
    if focal_point.purpose != "painel" or not focal_point.is_current:
        raise Conflict("Só se concede acesso a um responsável atual pelo Painel Gerencial.")
    if focal_point.access_granted_at is not None:
        raise Conflict("O acesso ao Painel Gerencial já estava marcado como concedido.")
    focal_point.access_granted_at, focal_point.access_granted_by_id = utcnow(), by.id
    audit.record("focal_point.access_granted", focal_point, actor=by, name=focal_point.name)
    signals.painel_access_granted.send(focal_point, by=by)
    db.session.flush()


# The CSV snapshot attached to the focal-points goal ------------------------------------------

def snapshot_csv(institution_id: int) -> bytes:
    """The current list with masked CPFs (Finalidade;Nome;CPF;Telefone;E-mail;Desde)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for focal_point in db.session.scalars(current_query(institution_id)):
        writer.writerow([focal_point.purpose_label, csv_text(focal_point.name),
                         mask_cpf(focal_point.cpf), csv_text(focal_point.phone),
                         csv_text(focal_point.email), format_date(focal_point.created_at)])
    return out.getvalue().encode("utf-8-sig")


def snapshot_deliverable(institution_id: int, today: date) -> Deliverable | None:
    """The open deliverable of the focal-points goal (its role, not its code) with the
    nearest due date that can still take evidence."""
    return db.session.scalar(
        db.select(Deliverable).join(Deliverable.goal)
        .where(Deliverable.institution_id == institution_id,
               cast(Goal.roles, String).contains(f'"{SNAPSHOT_ROLE}"'),
               Deliverable.status.in_(lifecycle.EDITABLE_STATUSES),
               Deliverable.opens_on <= today)
        .order_by(Deliverable.due_on, Deliverable.id).limit(1))


def attach_snapshot(deliverable: Deliverable, *, by, today: date) -> Evidence:
    if not db.session.scalar(db.select(FocalPoint.id).where(
            FocalPoint.institution_id == deliverable.institution_id,
            FocalPoint.ended_at.is_(None)).limit(1)):
        raise DomainError("Não há servidores indicados para anexar: indique-os antes.")
    name = f"servidores-indicados-{today.isoformat()}.csv"
    upload = FileStorage(io.BytesIO(snapshot_csv(deliverable.institution_id)), name,
                         content_type="text/csv")
    [evidence] = deliverables.add_files(deliverable, [upload], by=by)
    return evidence
