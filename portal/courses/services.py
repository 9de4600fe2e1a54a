"""The Rede's course schedule (eixos 2 e 3): courses, classes (turmas) and meta 3.2.

Any change to the schedule (a new class, or new dates for one) creates the
``also_on: course_schedule_change`` deliverable (3.2 "Divulgar os cursos") for every partner
with such a goal in an agreement in force — at most one per partner per ISO week: the event
key ``cursos-<ISO year>-W<ISO week>`` is shared by every change of the week, and creating an
event deliverable is idempotent by key, so later changes in the same week reuse it (and do
not notify again).
"""

from calendar import monthrange
from datetime import date
from urllib.parse import urlsplit

from flask import current_app

from portal.core import audit, cache, ics
from portal.core.exceptions import DomainError
from portal.core.formatting import format_date
from portal.courses import signals
from portal.courses.models import Course, CourseClass
from portal.deliverables import deadlines, lifecycle
from portal.events import services as events
from portal.extensions import db
from portal.training.models import MODALITIES

MAX_COURSE_HOURS = 2000
ICS_LIMIT = 1000
DATE_FIELDS = ("enrollment_opens_on", "enrollment_closes_on", "starts_on", "ends_on")
# The schedule's rendered pages are kept until a course or a class changes (and per day:
# which classes are open for enrolment depends on it).
SCHEDULE_VERSION = "course-schedule"
cache.track((Course, CourseClass), lambda _changed: [SCHEDULE_VERSION], bulk=[SCHEDULE_VERSION])


# Reading ----------------------------------------------------------------------------------


def classes_query(*, today: date, modality: str | None = None, month: date | None = None,
                  open_only: bool = False):
    """Classes not yet over, soonest first; ``month``: classes running during that month."""
    query = (db.select(CourseClass).join(Course, Course.id == CourseClass.course_id)
             .options(db.contains_eager(CourseClass.course))
             .where(CourseClass.ends_on >= today))
    if modality:
        query = query.where(Course.modality == modality)
    if month:
        last = month.replace(day=monthrange(month.year, month.month)[1])
        query = query.where(CourseClass.starts_on <= last, CourseClass.ends_on >= month)
    if open_only:
        query = query.where(CourseClass.enrollment_opens_on <= today,
                            CourseClass.enrollment_closes_on >= today)
    return query.order_by(CourseClass.starts_on, CourseClass.id)


def kept_schedule(key: str, compute):
    """``compute()`` (a rendered page of the schedule, and its total) kept until a course or
    a class changes."""
    return cache.cached(f"courses:{key}", (SCHEDULE_VERSION,), compute)


def courses_query():
    return db.select(Course).order_by(Course.title, Course.id)


def classes_of(course: Course) -> list[CourseClass]:
    return list(db.session.scalars(db.select(CourseClass).where(CourseClass.course_id == course.id)
                                   .order_by(CourseClass.starts_on.desc(), CourseClass.id)))


def schedule_calendar(classes: list[CourseClass]) -> str:
    server = current_app.config.get("SERVER_NAME") or "portal-rede-parcerias"
    items = []
    for klass in classes:
        course = klass.course
        lines = [f"{course.modality_label} · {course.hours} h",
                 f"Inscrições de {format_date(klass.enrollment_opens_on)} a "
                 f"{format_date(klass.enrollment_closes_on)}"]
        if klass.enrollment_url:
            lines.append(f"Inscrição: {klass.enrollment_url}")
        if course.description:
            lines += ["", course.description.strip()]
        items.append(ics.CalendarItem(
            uid=f"turma-{klass.id}@{server}", start=klass.starts_on, end=klass.ends_on,
            summary=course.title, location=klass.place, description="\n".join(lines),
            url=klass.enrollment_url))
    return ics.calendar(items, name="Cronograma de cursos da Rede de Parcerias")


# Changing ---------------------------------------------------------------------------------


def save_course(course: Course | None, *, by, title: str, description: str, hours: int | None,
                modality: str, audience: str) -> Course:
    if not (title or "").strip():
        raise DomainError("Informe o nome do curso.", field="title")
    if hours is None or not 0 < hours <= MAX_COURSE_HOURS:
        raise DomainError(f"Informe de 1 a {MAX_COURSE_HOURS} horas.", field="hours")
    if modality not in MODALITIES:
        raise DomainError("Escolha a modalidade.", field="modality")
    created = course is None
    if created:
        course = Course()
        db.session.add(course)
    course.title, course.description = title.strip(), description or ""
    course.hours, course.modality, course.audience = hours, modality, (audience or "").strip()
    audit.record("course.created" if created else "course.updated", course, actor=by,
                 title=course.title)
    db.session.flush()
    return course


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise DomainError("Informe um endereço que comece com http:// ou https://.",
                          field="enrollment_url")
    return url


def _check_class(opens: date | None, closes: date | None, starts: date | None,
                 ends: date | None, seats: int | None) -> None:
    if None in (opens, closes, starts, ends):
        raise DomainError("Informe as datas de inscrição e da turma.", field="starts_on")
    if closes < opens:
        raise DomainError("O fim das inscrições deve ser igual ou posterior ao início.",
                          field="enrollment_closes_on")
    if ends < starts:
        raise DomainError("O fim da turma deve ser igual ou posterior ao início.",
                          field="ends_on")
    if closes > ends:
        raise DomainError("As inscrições devem fechar até o fim da turma.",
                          field="enrollment_closes_on")
    if seats is not None and seats < 1:
        raise DomainError("Informe ao menos 1 vaga (ou deixe em branco).", field="seats")


def save_class(klass: CourseClass | None, *, course: Course, by, enrollment_opens_on: date,
               enrollment_closes_on: date, starts_on: date, ends_on: date,
               seats: int | None = None, place: str = "", enrollment_url: str = "",
               today: date | None = None) -> CourseClass:
    """Create or update a class; a new class or new dates announce a schedule change."""
    _check_class(enrollment_opens_on, enrollment_closes_on, starts_on, ends_on, seats)
    url = check_url(enrollment_url)
    created = klass is None
    if created:
        klass = CourseClass(course_id=course.id)
        db.session.add(klass)
    before = {name: getattr(klass, name) for name in DATE_FIELDS}
    klass.enrollment_opens_on = enrollment_opens_on
    klass.enrollment_closes_on = enrollment_closes_on
    klass.starts_on, klass.ends_on = starts_on, ends_on
    klass.seats, klass.place, klass.enrollment_url = seats, (place or "").strip(), url
    changed = created or any(before[name] != getattr(klass, name) for name in DATE_FIELDS)
    created_deliverables = {}
    if changed:
        created_deliverables = announce_schedule_change(today or events.local_today(), by=by)
    audit.record("course_class.created" if created else "course_class.updated", klass, actor=by,
                 course=course.title, starts_on=starts_on.isoformat(),
                 ends_on=ends_on.isoformat(), schedule_changed=changed,
                 deliverables=len(created_deliverables))
    db.session.flush()
    return klass


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"cursos-{year}-W{week:02d}"


def announce_schedule_change(day: date, *, by=None) -> dict[int, int]:
    """The 3.2 deliverable of the week for every partner that owes it; notify the new ones.

    A joint goal ("SEGES e parceiro") also gets SEGES's side, done by the act itself: SEGES
    published the change in the portal's course schedule.

    Returns {institution id: deliverable id} of the deliverables created now (none when the
    week's deliverables already exist). The caller commits.
    """
    partners = events.resolve_audience("todos", day=day)
    goals = events.matching_goals(partners, day, trigger="course_schedule_change")
    year, week, _ = day.isocalendar()
    due, rule = deadlines.after_event("course_change", day)
    created = events.add_deliverables(
        goals, event_key=week_key(day), event_date=day, due_on=due,
        label=f"Alteração nos cursos (semana {week:02d}/{year})", rule=rule)
    joint = [goal for goal in goals if goal.responsible == "both"]
    if joint:
        own = events.add_seges_deliverable(
            joint[0], event_key=week_key(day), opens=day, due=day,
            rule="Publicação no cronograma de cursos do portal — registrada pela SEGES",
            label=f"Publicar a alteração nos cursos (semana {week:02d}/{year})")
        lifecycle.complete_by_seges(own, by=by, published_on=day.isoformat())
    signals.schedule_changed.send(day, deliverables=created)
    return created
