"""Work plans: importing a parsed Plano de Trabalho, registering adhesions (second layer), and
editing an agreement's data and its goals, which regenerates their future deliverables."""

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal.agreements.models import ADHESION_KINDS, GOAL_ROLES, Agreement, AgreementParty, Goal
from portal.core import audit, clock
from portal.core.exceptions import DomainError, NotFound
from portal.core.storage import UploadRefused, max_upload_bytes, storage
from portal.core.validators import format_nup, is_valid_cnpj, only_digits
from portal.deliverables import generation
from portal.deliverables.models import Deliverable, Submission
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
    corrected: dict[str, dict] | None = None,
) -> tuple[Agreement, bool]:
    """Create institutions, agreement and goals from ``parse_plan`` output; generate deliverables.

    ``number`` and ``partner`` override the document (one plan model signed by several
    partners). Importing the same agreement again never duplicates: its goals are brought in
    line with the plan (see :func:`plan_changes`). ``corrected`` (code → what SEGES changed in
    the reading) is recorded with who confirmed the import.
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
    changes = None if created else plan_changes(agreement, plan)
    if changes is not None:
        _apply_changes(agreement, plan, changes, by=by, today=clock.local_today())
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
        corrected=corrected or {},
        confirmed_needing_review=[g["code"] for g in plan["goals"] if g.get("needs_review")],
        **({"added": changes.added, "changed": changes.changed, "removed": changes.removed,
            "kept": changes.kept} if changes is not None else {}),
    )
    db.session.flush()
    return agreement, created


# Reviewing a plan before it is imported ------------------------------------------


def reviewed_plan(plan: dict, corrections: dict[str, dict]) -> tuple[dict, dict[str, dict]]:
    """``plan`` with SEGES's corrections applied, and the corrections that changed something.

    ``corrections`` maps a goal code to ``{"schedule": <validated>, "adherent": bool}``; a
    corrected schedule clears the goal's need for review (SEGES read it).
    """
    adherents = set(plan.get("adherent_goal_codes") or [])
    goals, changed = [], {}
    for goal in plan["goals"]:
        correction = corrections.get(goal["code"])
        if correction is None:
            goals.append(goal)
            continue
        new_schedule = correction["schedule"]
        was_adherent = goal["code"] in adherents
        if correction["adherent"] != was_adherent:
            changed.setdefault(goal["code"], {})["adherent"] = correction["adherent"]
            (adherents.add if correction["adherent"] else adherents.discard)(goal["code"])
        if new_schedule != schedule.validate_schedule(goal["schedule"]):
            changed.setdefault(goal["code"], {})["schedule"] = new_schedule
            goal = {**goal, "schedule": new_schedule, "needs_review": False}
        goals.append(goal)
    ordered = [g["code"] for g in goals if g["code"] in adherents]
    return {**plan, "goals": goals, "adherent_goal_codes": ordered}, changed


def first_due_dates(plan: dict, goal_schedule: dict, *, start: date, years: int,
                    count: int = 3) -> list[date]:
    """The first ``count`` due dates the goal would get for a term starting on ``start``
    (none for a goal whose deliverables come from events or that has no date)."""
    signed_on = _date(plan["agreement"].get("signed_on"))
    try:
        periods = schedule.periods_for(
            goal_schedule, start=start, end=schedule.term_end(start, years), signed_on=signed_on
        )
    except schedule.ScheduleError:
        return []
    return [period.due_on for period in periods[:count]]


@dataclass
class PlanChanges:
    """How a plan differs from the agreement already imported with its number."""

    agreement: Agreement
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # code → what changed
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # removed from the plan, but worked on

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.kept)


_COMPARED = {
    "description": "descrição",
    "deadline_text": "texto do prazo",
    "schedule": "prazo estruturado",
    "responsible": "responsável",
    "applies_to_adherents": "execução pelas aderentes",
}


def existing_agreement(plan: dict, number: str | None = None) -> Agreement | None:
    data = plan["agreement"]
    return db.session.scalar(
        db.select(Agreement).where(
            Agreement.kind == (data.get("kind") or "ACT"),
            Agreement.number == (number or data.get("number")),
        )
    )


def plan_changes(agreement: Agreement, plan: dict) -> PlanChanges:
    """Goals the plan adds, changes and removes against ``agreement``; a removed goal whose
    deliverables have submissions is kept (its history stays), and listed as such."""
    changes = PlanChanges(agreement)
    adherents = set(plan.get("adherent_goal_codes") or [])
    planned = {goal["code"]: goal for goal in plan["goals"]}
    current = {goal.code: goal for goal in agreement.goals}
    for code, item in planned.items():
        goal = current.get(code)
        if goal is None:
            changes.added.append(code)
            continue
        new = {
            "description": item["description"],
            "deadline_text": item.get("deadline_text") or "",
            "schedule": schedule.validate_schedule(item["schedule"]),
            "responsible": item["responsible"],
            "applies_to_adherents": code in adherents,
        }
        differs = [label for key, label in _COMPARED.items() if getattr(goal, key) != new[key]]
        if differs:
            changes.changed[code] = differs
    worked_on = _goals_with_submissions([g for c, g in current.items() if c not in planned])
    for code, goal in current.items():
        if code not in planned:
            (changes.kept if goal.id in worked_on else changes.removed).append(code)
    return changes


def _goals_with_submissions(goals: list[Goal]) -> set[int]:
    if not goals:
        return set()
    return set(
        db.session.scalars(
            db.select(Deliverable.goal_id)
            .join(Submission, Submission.deliverable_id == Deliverable.id)
            .where(Deliverable.goal_id.in_([goal.id for goal in goals]))
            .distinct()
        )
    )


def _apply_changes(agreement: Agreement, plan: dict, changes: PlanChanges, *, by,
                   today: date) -> None:
    """Bring the goals of ``agreement`` in line with ``plan`` (re-import): changed goals are
    saved (their future, untouched deliverables redone), removed ones deleted with their
    deliverables — never one that has a submission."""
    adherents = set(plan.get("adherent_goal_codes") or [])
    planned = {goal["code"]: goal for goal in plan["goals"]}
    for goal in list(agreement.goals):
        if goal.code in changes.changed:
            item = planned[goal.code]
            update_goal(
                goal,
                by=by,
                today=today,
                description=item["description"],
                deadline_text=item.get("deadline_text") or "",
                responsible=item["responsible"],
                applies_to_adherents=goal.code in adherents,
                schedule=schedule.validate_schedule(item["schedule"]),
            )
        elif goal.code in changes.removed:
            db.session.execute(db.delete(Deliverable).where(Deliverable.goal_id == goal.id))
            audit.record("goal.removed", goal, actor=by, institution_id=agreement.partner_id,
                         code=goal.code)
            agreement.goals.remove(goal)


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
        try:
            trigger = schedule.event_trigger(goal.schedule or {})
        except schedule.ScheduleError:
            continue
        if trigger != "adhesion":
            continue
        if goal.schedule.get("kind") == "monthly_after_event":
            generation.add_event_deliverable(
                goal,
                parent.partner_id,
                event_key=f"adesoes-{signed_on:%Y-%m}",
                event_date=signed_on.replace(day=1),
                label=f"Adesões de {signed_on:%m/%Y}",
            )
        else:
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
