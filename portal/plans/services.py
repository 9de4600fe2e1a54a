"""Work plans: importing a parsed Plano de Trabalho, registering adhesions (second layer), and
editing an agreement's data and its goals, which regenerates their future deliverables."""

import re
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal.agreements.models import ADHESION_KINDS, GOAL_ROLES, Agreement, AgreementParty, Goal
from portal.core import audit, clock
from portal.core.exceptions import DomainError, NotFound
from portal.core.storage import UploadRefused, max_upload_bytes, storage
from portal.core.validators import format_nup, is_valid_cnpj, only_digits
from portal.deliverables import generation
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.institutions.models import UFS, Institution
from portal.institutions.services import find_by_cnpj
from portal.plans import importer, signals
from portal.schedule import engine as schedule

ELO_BY_SPHERE = {
    "federal": "União",
    "estadual": "Estados",
    "distrital": "Estados",
    "municipal": "Municípios",
}
ADHESION_GOAL_CODE = "C.4"


def agreement_with_goals(agreement_id: int) -> Agreement:
    """The agreement for its page, parties and goals loaded with it (404 when missing)."""
    agreement = db.session.scalar(
        db.select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(selectinload(Agreement.parties), selectinload(Agreement.goals))
    )
    if agreement is None:
        raise NotFound("Acordo não encontrado.")
    return agreement


def adhesions_of(agreement: Agreement, limit: int = 500) -> list[Agreement]:
    """The second-layer adhesions to ``agreement``, in the order they were signed."""
    return list(
        db.session.scalars(
            db.select(Agreement)
            .where(Agreement.parent_id == agreement.id)
            .order_by(Agreement.signed_on, Agreement.id)
            .limit(limit)
        )
    )


def deliverable_count(agreement: Agreement) -> int:
    return db.session.scalar(
        db.select(func.count(Deliverable.id))
        .join(Goal, Deliverable.goal_id == Goal.id)
        .where(Goal.agreement_id == agreement.id)
    )


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
    db.session.flush()
    return agreement, created


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _store_signed_document(agreement: Agreement, document) -> str:
    """Keep the signed term (PDF only); returns the stored name so a failure can remove it."""
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
    if document:
        _store_signed_document(adhesion, document)
    db.session.flush()
    generation.generate_deliverables(adhesion)
    _inform_adhesion_deliverables(parent, adhesion, signed_on)
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
    signals.adhesion_registered.send(adhesion, parent=parent, by=by)
    db.session.flush()
    return adhesion


def _inform_adhesion_deliverables(parent: Agreement, adhesion: Agreement, signed_on: date) -> None:
    """What the parent owes because of an adhesion, per its plan: the month's list by a day
    of the next month (``monthly_after_event``, C.4: one deliverable a month, whatever the
    number of adhesions) or a task N days after each adhesion (``after_event``)."""
    for goal in parent.goals:
        kind = goal.schedule.get("kind")
        if kind == "monthly_after_event":
            generation.add_event_deliverable(
                goal,
                parent.partner_id,
                event_key=f"adesoes-{signed_on:%Y-%m}",
                event_date=signed_on.replace(day=1),
                label=f"Adesões de {signed_on:%m/%Y}",
            )
        elif kind == "after_event":
            generation.add_event_deliverable(
                goal,
                parent.partner_id,
                event_key=f"adesao-{adhesion.id}",
                event_date=signed_on,
                label=f"Adesão de {adhesion.partner.acronym or adhesion.partner.name}"[:120]
                + f" em {signed_on:%d/%m/%Y}",
            )


# Editing an agreement and its goals ---------------------------------------------


def update_agreement(
    agreement: Agreement,
    *,
    by,
    number: str | None,
    work_plan_number: str | None,
    sei_process: str | None,
    object: str,
    signed_on: date | None,
    term_start: date | None,
    term_end: date | None,
) -> int:
    """Save the agreement's data; when the term changes, redo its future untouched deliverables.

    Extending adds the new periods; shortening removes what would fall after the new end and
    clips the last period. Work already started (drafts, submissions...) is never touched.
    """
    number = number or None
    if (
        number
        and number != agreement.number
        and db.session.scalar(
            db.select(Agreement.id).where(
                Agreement.kind == agreement.kind,
                Agreement.number == number,
                Agreement.id != agreement.id,
            )
        )
    ):
        raise DomainError("Já existe um instrumento deste tipo com este número.", field="number")
    if term_start and term_end and term_end < term_start:
        raise DomainError("O fim da vigência deve ser posterior ao início.", field="term_end")
    before = _agreement_snapshot(agreement)
    agreement.number = number
    agreement.work_plan_number = work_plan_number or None
    agreement.sei_process = format_nup(sei_process) if sei_process else None
    agreement.object = object or ""
    agreement.signed_on = signed_on
    agreement.term_start = term_start
    agreement.term_end = term_end
    after = _agreement_snapshot(agreement)
    changes = {k: after[k] for k in after if before[k] != after[k]}
    created = 0
    if "term_start" in changes or "term_end" in changes:
        db.session.flush()
        owned = db.select(func.count(Deliverable.id)).join(Goal).where(
            Goal.agreement_id == agreement.id)
        before_count = db.session.scalar(owned)
        for goal in agreement.goals:
            generation.regenerate_goal(goal, clock.local_today())
        created = db.session.scalar(owned) - before_count  # negative when the term shrank
    audit.record(
        "agreement.updated",
        agreement,
        actor=by,
        institution_id=agreement.partner_id,
        changes=changes,
        deliverables_created=created,
    )
    db.session.flush()
    return created


def _agreement_snapshot(agreement: Agreement) -> dict:
    return {
        "number": agreement.number,
        "work_plan_number": agreement.work_plan_number,
        "sei_process": agreement.sei_process,
        "object": agreement.object,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
        "term_start": agreement.term_start.isoformat() if agreement.term_start else None,
        "term_end": agreement.term_end.isoformat() if agreement.term_end else None,
    }


def update_goal(
    goal: Goal,
    *,
    by,
    today: date,
    description: str,
    deadline_text: str,
    responsible: str,
    applies_to_adherents: bool,
    schedule: dict,
    roles: list[str] | None = None,
) -> int:
    """Save a goal (schedule already validated) and regenerate its future deliverables."""
    before = {
        "description": goal.description,
        "deadline_text": goal.deadline_text,
        "responsible": goal.responsible,
        "applies_to_adherents": goal.applies_to_adherents,
        "schedule": goal.schedule,
        "roles": list(goal.roles or []),
    }
    roles = [r for r in GOAL_ROLES if r in (goal.roles if roles is None else roles)]
    goal.roles = roles
    goal.description = description
    goal.deadline_text = deadline_text or ""
    goal.responsible = responsible
    goal.applies_to_adherents = applies_to_adherents
    goal.schedule = schedule
    after = {
        "description": description,
        "deadline_text": goal.deadline_text,
        "responsible": responsible,
        "applies_to_adherents": applies_to_adherents,
        "schedule": schedule,
        "roles": roles,
    }
    changes = {k: after[k] for k in after if before[k] != after[k]}
    db.session.flush()
    audit.record(
        "goal.updated",
        goal,
        actor=by,
        institution_id=goal.agreement.partner_id,
        code=goal.code,
        changes=changes,
    )
    db.session.flush()
    # Who owes it or when: only then are its future, untouched deliverables redone.
    created = 0
    if {"schedule", "responsible"} & changes.keys():
        created = generation.regenerate_goal(goal, today)
    db.session.flush()
    return created
