"""Importing a parsed Plano de Trabalho, and registering adhesions (second layer)."""

import re
from datetime import date

from portal.agreements.models import (
    ADHESION_KINDS,
    UFS,
    Agreement,
    AgreementParty,
    Goal,
    Institution,
)
from portal.agreements.services import find_by_cnpj
from portal.core import audit
from portal.core.exceptions import DomainError
from portal.core.validators import is_valid_cnpj, only_digits
from portal.deliverables import generation
from portal.extensions import db
from portal.plans import importer
from portal.schedule import engine as schedule

ELO_BY_SPHERE = {
    "federal": "União",
    "estadual": "Estados",
    "distrital": "Estados",
    "municipal": "Municípios",
}
ADHESION_GOAL_CODE = "C.4"


def guess_uf(name: str) -> str | None:
    """The UF an institution's name mentions ("... – MG (SCC)", "Estado de Minas Gerais")."""
    words = set(re.findall(r"\b[A-Z]{2}\b", name))
    for uf, state in UFS.items():
        if uf in words or state.lower() in name.lower():
            return uf
    return None


def _institution_for(party: dict) -> Institution:
    if not party.get("name"):
        raise DomainError("O plano não informa o nome de um dos partícipes.")
    cnpj = only_digits(party.get("cnpj"))
    if not is_valid_cnpj(cnpj):
        raise DomainError(f"CNPJ inválido para o partícipe “{party.get('name')}”.")
    institution = find_by_cnpj(cnpj)
    if institution is None:
        sphere = party.get("sphere") or "outra"
        institution = Institution(
            name=party["name"],
            acronym=party.get("acronym"),
            cnpj=cnpj,
            sphere=sphere,
            uf=None if sphere == "federal" else guess_uf(party["name"]),
            elo=ELO_BY_SPHERE.get(sphere, "Outros"),
        )
        db.session.add(institution)
    if party.get("acronym") == "SEGES" and not _has_secretariat():
        institution.is_secretariat = True
    return institution


def _has_secretariat() -> bool:
    query = db.select(Institution.id).where(Institution.is_secretariat)
    return db.session.scalar(query) is not None


def import_plan(
    plan: dict,
    *,
    start: date,
    years: int,
    by=None,
    number: str | None = None,
    partner: Institution | None = None,
) -> tuple[Agreement, bool]:
    """Create institutions, agreement and goals from ``parse_plan`` output; generate deliverables.

    ``number`` and ``partner`` override the document (one plan model signed by several
    partners). Importing the same agreement again reuses it and never duplicates.
    Returns the agreement and whether it was created.
    """
    if not 1 <= years <= 20:
        raise DomainError("A vigência deve ter de 1 a 20 anos.", field="years")
    data = plan["agreement"]
    kind, number = data.get("kind") or "ACT", number or data.get("number")
    if not number:
        raise DomainError("O plano não informa o número do acordo.", field="number")
    parties = [(_institution_for(p), p) for p in data.get("parties", [])]
    if partner is None:
        candidates = [i for i, _ in parties if not i.is_secretariat]
        if not candidates:
            raise DomainError("O plano não identifica o partícipe (além da SEGES).")
        partner = candidates[0]
    elif partner.is_secretariat:
        raise DomainError("O partícipe não pode ser a própria SEGES.", field="partner")

    agreement = db.session.scalar(
        db.select(Agreement).where(Agreement.kind == kind, Agreement.number == number)
    )
    created = agreement is None
    if created:
        agreement = Agreement(
            kind=kind,
            number=number,
            work_plan_number=data.get("work_plan_number"),
            sei_process=data.get("sei_process"),
            object=data.get("object") or "",
            signed_on=_date(data.get("signed_on")),
            axes=data.get("axes") or [],
            partner=partner,
            term_start=start,
            term_end=schedule.term_end(start, years),
        )
        db.session.add(agreement)
        for position, (institution, party) in enumerate(parties, start=1):
            if not institution.is_secretariat and institution is not partner:
                continue  # the document's own partner, replaced by ``partner``
            signatory = party.get("signatory") or {}
            agreement.parties.append(
                AgreementParty(
                    institution=institution,
                    position=position,
                    signatory_name=signatory.get("name"),
                    signatory_role=signatory.get("role"),
                    signatory_registration=signatory.get("registration"),
                )
            )
        if not any(p.institution is partner for p in agreement.parties):
            agreement.parties.append(
                AgreementParty(institution=partner, position=len(agreement.parties) + 1)
            )
    known = {goal.code for goal in agreement.goals}
    adherent_codes = set(plan.get("adherent_goal_codes") or [])
    for position, item in enumerate(plan.get("goals", []), start=1):
        if item["code"] in known:
            continue
        agreement.goals.append(
            Goal(
                code=item["code"],
                position=position,
                axes=item.get("axes") or [],
                description=item["description"],
                deadline_text=item.get("deadline_text") or "",
                schedule=schedule.validate_schedule(item["schedule"]),
                responsible=item["responsible"],
                applies_to_adherents=item["code"] in adherent_codes,
                roles=importer.goal_roles(
                    item["description"], item["schedule"], item["responsible"]),
            )
        )
    db.session.flush()
    count = generation.generate_deliverables(agreement)
    audit.record(
        "agreement.imported" if created else "agreement.reimported",
        agreement,
        actor=by,
        institution_id=partner.id,
        deliverables_created=count,
        warnings=plan.get("warnings", []),
    )
    db.session.commit()
    return agreement, created


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _store_signed_document(agreement: Agreement, document) -> str:
    """Keep the signed term (PDF only); returns the stored name so a failure can remove it."""
    from portal.core.storage import UploadRefused, max_upload_bytes, storage

    store = storage()
    stored = store.save(document.stream, document.filename or "termo.pdf",
                        max_bytes=max_upload_bytes())
    if stored.content_type != "application/pdf":
        store.delete(stored.stored_name)
        raise UploadRefused("O termo de adesão assinado deve ser um arquivo PDF.",
                            field="document")
    agreement.document_stored_name = stored.stored_name
    agreement.document_name = stored.original_name
    agreement.document_size, agreement.document_sha256 = stored.size, stored.sha256
    return stored.stored_name


def register_adhesion(
    parent: Agreement,
    *,
    by,
    name: str,
    cnpj: str,
    sphere: str,
    uf: str | None,
    signed_on: date,
    acronym: str | None = None,
    document=None,
) -> Agreement:
    """A second-layer institution adheres to ``parent``: its own term, goals and deliverables.

    ``document`` is the signed term (a PDF upload), optional.
    """
    if parent.kind in ADHESION_KINDS:
        raise DomainError("Só é possível aderir a um acordo de primeira camada.")
    if parent.term_start is None or parent.term_end is None:
        raise DomainError("O acordo ainda não tem vigência definida.")
    if not parent.term_start <= signed_on <= parent.term_end:
        raise DomainError(
            "A data de assinatura deve estar dentro da vigência do acordo.", field="signed_on"
        )
    cnpj = only_digits(cnpj)
    adherent = find_by_cnpj(cnpj)
    if adherent is None:
        adherent = Institution(
            name=name,
            acronym=acronym or None,
            cnpj=cnpj,
            sphere=sphere,
            uf=uf or None,
            elo=ELO_BY_SPHERE.get(sphere, "Outros"),
            parent_id=parent.partner_id,
        )
        db.session.add(adherent)
    elif adherent.parent_id != parent.partner_id or adherent.is_secretariat:
        raise DomainError(
            "Esta instituição já participa da Rede por outro instrumento.", field="cnpj"
        )
    elif db.session.scalar(
        db.select(Agreement.id).where(
            Agreement.parent_id == parent.id, Agreement.partner_id == adherent.id
        )
    ):
        raise DomainError("Esta adesão já foi registrada.", field="cnpj")

    adhesion = Agreement(
        kind="TA",
        parent=parent,
        partner=adherent,
        signed_on=signed_on,
        term_start=signed_on,
        term_end=parent.term_end,
        object=f"Adesão ao {parent.title}",
        axes=list(parent.axes),
    )
    adhesion.parties = [
        AgreementParty(institution=parent.partner, position=1),
        AgreementParty(institution=adherent, position=2),
    ]
    for goal in parent.goals:
        if goal.applies_to_adherents:
            adhesion.goals.append(
                Goal(
                    code=goal.code,
                    position=goal.position,
                    axes=list(goal.axes),
                    description=goal.description,
                    deadline_text=goal.deadline_text,
                    schedule=dict(goal.schedule),
                    responsible="partner",
                    roles=[role for role in goal.roles if role != "annual_report"],
                )
            )
    db.session.add(adhesion)
    stored_name = _store_signed_document(adhesion, document) if document else None
    try:
        db.session.flush()
        generation.generate_deliverables(adhesion)
        _inform_adhesion_deliverable(parent, signed_on)
        audit.record(
            "adhesion.registered",
            adhesion,
            actor=by,
            institution_id=parent.partner_id,
            adherent=adherent.name,
            cnpj=cnpj,
            signed_on=signed_on.isoformat(),
            document=adhesion.document_name,
        )
        _tell_seges_about_adhesion(parent, adhesion, by)
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored_name:  # no file without its row
            from portal.core.storage import storage

            storage().delete(stored_name)
        raise
    return adhesion


def _tell_seges_about_adhesion(parent: Agreement, adhesion: Agreement, by) -> None:
    from flask import has_request_context, url_for

    from portal.auth.models import User
    from portal.auth.roles import Role
    from portal.notifications.services import notify

    url = (url_for("agreements.agreement", agreement_id=adhesion.id)
           if has_request_context() else None)
    registrant = (f"{by.name} ({by.institution.acronym or by.institution.name})"
                  if by is not None else parent.partner.acronym or parent.partner.name)
    message = (f"{registrant} registrou a adesão de "
               f"{adhesion.partner.display_name} ao {parent.title}, assinada em "
               f"{adhesion.signed_on:%d/%m/%Y}.")
    admins = db.session.scalars(
        db.select(User).where(User.role == Role.SEGES_ADMIN, User.active.is_(True)))
    for admin in admins:
        if admin.id != getattr(by, "id", None):  # whoever registered it knows
            notify(admin, "adhesion.registered", message, url)


def _inform_adhesion_deliverable(parent: Agreement, signed_on: date) -> None:
    """The parent owes SEGES the list of the month's adhesions by the 10th of the next (C.4)."""
    for goal in parent.goals:
        if goal.schedule.get("kind") == "monthly_after_event":
            generation.add_event_deliverable(
                goal,
                parent.partner_id,
                event_key=f"adesoes-{signed_on:%Y-%m}",
                event_date=signed_on.replace(day=1),
                label=f"Adesões de {signed_on:%m/%Y}",
            )
