"""Training records (meta 2.2): recording courses, their evidence, and the yearly progress.

"N horas ao ano" is counted per calendar year (the training year, ``schedule.
training_years``): the hours goal's deliverable, the partner's page and the annual report
all read the same January–December window.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, inspect
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Goal
from portal.core import audit, cache
from portal.core.exceptions import DomainError
from portal.core.formatting import format_date
from portal.core.storage import max_upload_bytes, storage
from portal.deliverables import services as deliverables
from portal.deliverables import summaries
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.institutions.models import Institution
from portal.training.models import MAX_HOURS, MODALITIES, TrainingRecord

# Reading ------------------------------------------------------------------------------


def records_query(institution_id: int | None = None, year: int | None = None):
    """Newest first; ``institution_id`` None means every institution (SEGES)."""
    query = db.select(TrainingRecord).options(db.joinedload(TrainingRecord.institution))
    if institution_id is not None:
        query = query.where(TrainingRecord.institution_id == institution_id)
    if year:
        query = query.where(TrainingRecord.start_on >= date(year, 1, 1),
                            TrainingRecord.start_on <= date(year, 12, 31))
    return query.order_by(TrainingRecord.start_on.desc(), TrainingRecord.id.desc())


def years_of(institution_id: int | None = None) -> list[int]:
    query = db.select(func.min(TrainingRecord.start_on), func.max(TrainingRecord.start_on))
    if institution_id is not None:
        query = query.where(TrainingRecord.institution_id == institution_id)
    first, last = db.session.execute(query).one()
    return list(range(last.year, first.year - 1, -1)) if first else []


def institutions_with_records() -> list[Institution]:
    ids = db.select(TrainingRecord.institution_id).distinct()
    return list(db.session.scalars(
        db.select(Institution).where(Institution.id.in_(ids)).order_by(Institution.name)))


@dataclass(frozen=True)
class TrainingProgress:
    year_start: date
    year_end: date
    hours: int
    records: int
    min_hours: int | None

    @property
    def percent(self) -> int:
        if not self.min_hours:
            return 0
        return min(100, round(100 * self.hours / self.min_hours))

    @property
    def reached(self) -> bool:
        return bool(self.min_hours) and self.hours >= self.min_hours


def training_progress(institution_id: int, year_start: date, year_end: date,
                      min_hours: int | None) -> TrainingProgress:
    """Hours and courses started in [year_start, year_end], summed in SQL."""
    hours, count = db.session.execute(
        db.select(func.coalesce(func.sum(TrainingRecord.hours), 0), func.count(TrainingRecord.id))
        .where(TrainingRecord.institution_id == institution_id,
               TrainingRecord.start_on >= year_start, TrainingRecord.start_on <= year_end)).one()
    return TrainingProgress(year_start, year_end, int(hours), int(count), min_hours)


def term_deliverable(institution_id: int, today: date) -> Deliverable | None:
    """The deliverable of an hours goal (2.2) whose training year contains ``today``."""
    candidates = db.session.scalars(
        db.select(Deliverable).join(Deliverable.goal)
        .where(Deliverable.institution_id == institution_id, Deliverable.opens_on <= today,
               Deliverable.due_on >= today,
               # Only the hours goal's rows (its role, in the JSON text): the partner home
               # otherwise loaded every open deliverable with its goal to keep one.
               cast(Goal.roles, String).contains('"training_hours"'))
        .order_by(Deliverable.due_on, Deliverable.id))
    return next((d for d in candidates if d.goal.has_role("training_hours")), None)


def progress_for(deliverable: Deliverable) -> TrainingProgress:
    return training_progress(deliverable.institution_id, deliverable.opens_on,
                             deliverable.due_on, deliverable.goal.min_hours)


def current_progress(institution_id: int, today: date) -> TrainingProgress | None:
    deliverable = term_deliverable(institution_id, today)
    return progress_for(deliverable) if deliverable else None


def home_progress(institution_id: int, today: date) -> TrainingProgress | None:
    """:func:`current_progress`, kept with the home's other figures (deliverables.summaries):
    a training record changes its institution's version."""
    return cache.cached(f"home:training:{institution_id}:{today}",
                        (summaries.EVERY_INSTITUTION, summaries.version(institution_id)),
                        lambda: current_progress(institution_id, today))


def _training_versions(records: list) -> set[str]:
    return {summaries.version(i) for record in records
            for i in (record.institution_id, *inspect(record).attrs.institution_id.history.deleted)
            if i is not None}


cache.track((TrainingRecord,), _training_versions, bulk=[summaries.EVERY_INSTITUTION])


# Changing ----------------------------------------------------------------------------


def _check(title: str, start_on: date | None, end_on: date | None, hours, participants,
           modality: str) -> None:
    if not (title or "").strip():
        raise DomainError("Informe o nome do curso.", field="title")
    if start_on is None or end_on is None:
        raise DomainError("Informe o início e o fim.", field="start_on")
    if end_on < start_on:
        raise DomainError("O fim deve ser igual ou posterior ao início.", field="end_on")
    if hours is None or not 0 < hours <= MAX_HOURS:
        raise DomainError(f"Informe de 1 a {MAX_HOURS} horas.", field="hours")
    if participants is None or participants < 0:
        raise DomainError("O número de participantes não pode ser negativo.",
                          field="participants")
    if modality not in MODALITIES:
        raise DomainError("Escolha a modalidade.", field="modality")


def save_record(record: TrainingRecord | None, *, institution_id: int, by, title: str,
                start_on: date, end_on: date, hours: int, participants: int, modality: str,
                upload: FileStorage | None = None) -> TrainingRecord:
    """Create (``record`` None) or update a record; a new file replaces the previous one."""
    _check(title, start_on, end_on, hours, participants, modality)
    created = record is None
    if created:
        record = TrainingRecord(institution_id=institution_id, created_by_id=by.id)
        db.session.add(record)
    record.title, record.start_on, record.end_on = title.strip(), start_on, end_on
    record.hours, record.participants, record.modality = hours, participants, modality
    store, replaced = storage(), None
    stored = None
    if upload is not None and upload.filename:
        stored = store.save(upload.stream, upload.filename, max_bytes=max_upload_bytes())
        replaced = record.stored_name
        record.stored_name, record.original_name = stored.stored_name, stored.original_name
        record.content_type, record.size, record.sha256 = (
            stored.content_type, stored.size, stored.sha256)
    audit.record("training.created" if created else "training.updated", record, actor=by,
                 title=record.title, hours=hours, file=stored.original_name if stored else None)
    db.session.flush()
    if replaced:
        store.delete(replaced)
    return record


def delete_record(record: TrainingRecord, *, by) -> None:
    stored_name = record.stored_name
    audit.record("training.deleted", record, actor=by, title=record.title, hours=record.hours)
    db.session.delete(record)
    db.session.flush()
    if stored_name:
        storage().delete(stored_name)


# The 2.2 report -------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(deliverable: Deliverable) -> str:
    """A Markdown table of the period's records and the total against the goal."""
    progress = progress_for(deliverable)
    records = db.session.scalars(
        db.select(TrainingRecord)
        .where(TrainingRecord.institution_id == deliverable.institution_id,
               TrainingRecord.start_on >= deliverable.opens_on,
               TrainingRecord.start_on <= deliverable.due_on)
        .order_by(TrainingRecord.start_on, TrainingRecord.id)).all()
    lines = [f"## Capacitações realizadas ({format_date(deliverable.opens_on)} a "
             f"{format_date(deliverable.due_on)})", ""]
    if records:
        lines += ["| Curso | Período | Modalidade | Carga horária | Participantes |",
                  "|---|---|---|---:|---:|"]
        lines += [f"| {_cell(r.title)} | {format_date(r.start_on)} a {format_date(r.end_on)} | "
                  f"{r.modality_label} | {r.hours} h | {r.participants} |" for r in records]
    else:
        lines.append("Nenhuma capacitação registrada no período.")
    target = f" de {progress.min_hours} h exigidas" if progress.min_hours else ""
    lines += ["", f"**Total: {progress.hours} h{target}** em {progress.records} "
                  f"{'capacitação' if progress.records == 1 else 'capacitações'}."]
    return "\n".join(lines)


def prefill_report(deliverable: Deliverable, *, by):
    """Put the table into the draft: replaces an empty report, otherwise is appended once."""
    table = report_markdown(deliverable)
    draft = deliverables.open_draft(deliverable, by=by)
    report = draft.report or ""
    if table not in report:
        report = f"{report.rstrip()}\n\n{table}" if report.strip() else table
    return deliverables.save_draft(
        deliverable, by=by, report=report,
        covers_from=draft.covers_from or deliverable.opens_on,
        covers_to=draft.covers_to or deliverable.due_on)
