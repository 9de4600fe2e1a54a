"""Builders for tests: valid objects made through the portal's own services, so that a test
gets what a user's request would have produced (and a service that changes is exercised).

Plain functions, grouped below: files; institutions and users; agreements, goals and
deliverables (the seed plan through ``import_plan``, and hand-built rows for networks whose
every date the test states, where no service takes a date); work on deliverables; forum;
events, requests and courses; training and focal points; whole networks; the role × route
matrix and the objects it needs; the demo with one deliverable in each state (and the page
types every role sees); reading a page as a user does; counting SQL statements; the CLI; mail.
"""

import copy
import functools
import html.parser
import io
import itertools
import os
import re
import secrets
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy import event as sa_event
from sqlalchemy.pool import NullPool
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, AgreementParty, Goal
from portal.auth import tokens
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.core.models import OutboxMessage, utcnow
from portal.courses import services as courses
from portal.courses.models import Course, CourseClass
from portal.deliverables import reviews
from portal.deliverables import services as work
from portal.deliverables.models import Deliverable, Evidence, Review, Submission
from portal.dev import demo
from portal.events import services as events
from portal.events.models import Event, EventInvitation, InfoRequest
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.focal_points.models import FocalPoint
from portal.forum import services as forum
from portal.forum.models import Attachment, Category, Post, Report, Topic
from portal.institutions.models import Institution
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.plans import services as plans
from portal.plans.importer import parse_plan, read_seed_plan
from portal.training import services as training
from portal.training.models import TrainingRecord
from tests import clock

PASSWORD = "senha-de-teste-longa"
_sequence = itertools.count(1)


# Files -------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(tag: str) -> bytes:
    """A valid PDF whose bytes differ by ``tag`` (files are stored by content)."""
    return PDF + f"% {tag}\n".encode()


def upload(name: str, content: bytes) -> tuple:
    """A file for a test client's form data: ``data={"files": [upload("a.pdf", PDF)]}``."""
    return (io.BytesIO(content), name)


def file_storage(name: str = "oficio.pdf", content: bytes = PDF) -> FileStorage:
    """A file as a service receives it from a form."""
    return FileStorage(stream=io.BytesIO(content), filename=name)


# Institutions and users --------------------------------------------------------------------


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


def _institution_fields(fields: dict) -> dict:
    return {"name": f"Instituição {next(_sequence)}", "cnpj": valid_cnpj(),
            "sphere": "estadual", "elo": "Estados", "uf": "MG", **fields}


def institution(**fields) -> Institution:
    obj = Institution(**_institution_fields(fields))
    db.session.add(obj)
    db.session.commit()
    return obj


def institutions(*many: dict) -> list[Institution]:
    """Several institutions (each a dict of ``institution``'s fields) in one INSERT, committed
    once: most tests start from the ``users`` fixture, and a commit per row made up a fifth of
    the route matrix's time."""
    rows = [_institution_fields(fields) for fields in many]
    made = db.session.scalars(
        sa.insert(Institution).returning(Institution, sort_by_parameter_order=True), rows
    ).all()
    db.session.commit()
    return made


_hashes: dict[tuple[str, str], str] = {}


def _hashed(password: str) -> str:
    """The password's hash under the app's method, computed once per process: salted hashes
    cost milliseconds, and thousands of test users share a handful of passwords."""
    key = (current_app.config["PASSWORD_HASH_METHOD"], password)
    if key not in _hashes:
        _hashes[key] = hash_password(password)
    return _hashes[key]


def _user_fields(email: str, role: str, institution: Institution, password: str = PASSWORD,
                 **fields) -> dict:
    return {"email": email, "role": role, "institution_id": institution.id,
            "name": email.split("@")[0].title(), "password_hash": _hashed(password),
            "activated_at": utcnow(), **fields}


def user(
    email: str, role: str, institution: Institution, *, password: str = PASSWORD, **fields
) -> User:
    obj = User(**_user_fields(email, role, institution, password, **fields))
    db.session.add(obj)
    db.session.commit()
    return obj


def users(*many: tuple[str, str, Institution]) -> list[User]:
    """Several users (each ``(email, role, institution)``, as ``user`` makes them) in one
    INSERT, committed."""
    made = db.session.scalars(
        sa.insert(User).returning(User, sort_by_parameter_order=True),
        [_user_fields(*person) for person in many],
    ).all()
    db.session.commit()
    return made


def signed_in(app, email: str, password: str = PASSWORD):
    """A test client of ``app`` of its own, signed in as ``email`` through the login form."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


# Agreements, goals and deliverables ------------------------------------------------------

SEED_START = date(2025, 10, 1)
MG_CNPJ = "50.941.185/0001-07"


def seed_agreement(
    *, start: date = SEED_START, years: int = 5, number: str | None = None, partner=None
) -> Agreement:
    """ACT 160/2025 from the seed plan, through ``import_plan`` (SEGES and MG found by CNPJ;
    importing it again reuses it). ``number`` and ``partner``: the same plan signed by
    another partner."""
    agreement, _ = plans.import_plan(
        seed_plan(), start=start, years=years, number=number, partner=partner
    )
    return agreement


@functools.cache
def _parsed_seed_plan() -> dict:
    return parse_plan(read_seed_plan())


def seed_plan() -> dict:
    """The seed plan as ``parse_plan`` reads it: parsed once per process, a copy each call
    (the parser's own tests parse it themselves)."""
    return copy.deepcopy(_parsed_seed_plan())


def adhesion(
    parent: Agreement,
    *,
    name: str = "Prefeitura de Contagem",
    cnpj: str | None = None,
    sphere: str = "municipal",
    uf: str | None = "MG",
    signed_on: date = date(2026, 3, 16),
    acronym: str | None = None,
    by=None,
) -> Agreement:
    """A second-layer institution adhering to ``parent``, through ``register_adhesion``."""
    return plans.register_adhesion(
        parent, by=by, name=name, cnpj=cnpj or valid_cnpj(), sphere=sphere, uf=uf,
        signed_on=signed_on, acronym=acronym,
    )


def deliverable_of(agreement, code: str, institution_id: int, index: int = 0) -> Deliverable:
    """The ``index``-th (by due date) deliverable of goal ``code`` owed by the institution."""
    return db.session.scalars(
        db.select(Deliverable)
        .join(Goal)
        .where(
            Goal.agreement_id == agreement.id,
            Goal.code == code,
            Deliverable.institution_id == institution_id,
        )
        .order_by(Deliverable.due_on, Deliverable.id)
    ).all()[index]


# Hand-built rows, for a network whose every date the test states: the services date things
# "now" (a submission, a decision) or generate deliverables from a plan's schedule.


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def agreement(number, partner, start, end, *, parent=None, signed_on=None, kind="ACT"):
    """An agreement with its parties, as the importer records them: SEGES (when it exists)
    and the partner; for an adhesion, the parent's partner and the adherent. No goals."""
    item = Agreement(
        kind=kind,
        number=number,
        partner_id=partner.id,
        term_start=start,
        term_end=end,
        signed_on=signed_on or start,
        parent_id=parent.id if parent else None,
        axes=[1, 2, 3],
    )
    first = parent.partner if parent else db.session.scalar(
        db.select(Institution).where(Institution.is_secretariat)
    )
    parties = [i for i in (first, partner) if i is not None]
    parties = [i for n, i in enumerate(parties) if i.id not in {p.id for p in parties[:n]}]
    item.parties = [
        AgreementParty(institution_id=party.id, position=position)
        for position, party in enumerate(parties, start=1)
    ]
    db.session.add(item)
    db.session.flush()
    return item


def goal(agreement, code, axes, position, schedule, *, responsible="partner"):
    item = Goal(
        agreement_id=agreement.id,
        code=code,
        axes=axes,
        position=position,
        description=f"Meta {code} do plano",
        schedule=schedule,
        responsible=responsible,
        applies_to_adherents=True,
    )
    db.session.add(item)
    db.session.flush()
    return item


def deliverable(goal, institution, due_on, status="pending", key=None):
    item = Deliverable(
        goal_id=goal.id,
        institution_id=institution.id,
        period_key=key or f"{goal.code}-{due_on.isoformat()}",
        period_label=f"Período até {due_on:%d/%m/%Y}",
        opens_on=date(due_on.year, 1, 1),
        due_on=due_on,
        status=status,
    )
    db.session.add(item)
    db.session.flush()
    return item


def review(deliverable, decision, decided_at, *, report="Relato.", version=1):
    """A version of ``deliverable`` sent and decided by SEGES at ``decided_at``."""
    submission = Submission(
        deliverable_id=deliverable.id,
        version=version,
        status=decision,
        report=report,
        submitted_at=decided_at,
    )
    db.session.add(submission)
    db.session.flush()
    db.session.add(Review(submission_id=submission.id, decision=decision, created_at=decided_at,
                          reason_code="other" if decision == "returned" else None))
    if decision == "approved":
        deliverable.status = "approved"
    db.session.flush()
    return submission


def attended_event(starts_at, invitations: dict) -> Event:
    """A past meeting and who attended (``invitations``: institution → attended), without the
    deliverables ``events.convene`` would create."""
    item = Event(kind="reuniao_tecnica", title=f"Reunião {starts_at:%d/%m/%Y}",
                 starts_at=starts_at, ends_at=starts_at, place="Online", audience="escolhidos")
    db.session.add(item)
    db.session.flush()
    for institution, attended in invitations.items():
        db.session.add(EventInvitation(event_id=item.id, institution_id=institution.id,
                                       attended=attended))
    return item


# Work on deliverables ----------------------------------------------------------------------


def evidence(deliverable, by, name: str = "oficio.pdf", content: bytes = PDF) -> Evidence:
    """One file attached to the deliverable's draft (started if there is none)."""
    [item] = work.add_files(deliverable, [file_storage(name, content)], by=by)
    return item


def draft(
    deliverable,
    by,
    report: str = "Relato do que foi feito.",
    *,
    covers_from: date | None = None,
    covers_to: date | None = None,
    files: tuple = (),
    links: tuple = (),
) -> Submission:
    """A draft with its report, ``files`` ((name, content) pairs) and ``links`` ((url, title))."""
    submission = work.save_draft(
        deliverable, by=by, report=report, covers_from=covers_from, covers_to=covers_to
    )
    if files:
        work.add_files(deliverable, [file_storage(n, c) for n, c in files], by=by)
    for url, title in links:
        work.add_link(deliverable, by=by, url=url, title=title)
    return submission


def submitted(deliverable, by, report: str = "Relato do que foi feito.", **draft_fields):
    """A version sent to SEGES (a draft as :func:`draft` makes it, then submitted)."""
    draft(deliverable, by, report, **draft_fields)
    return work.submit(deliverable, by=by)


# Forum -------------------------------------------------------------------------------------


def forum_category(slug: str = "duvidas-gerais") -> Category:
    forum.ensure_default_categories()
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def topic(
    author,
    title: str = "Dúvida sobre a meta de capacitação",
    body: str = "Como contar as horas?",
    slug: str = "duvidas-gerais",
    **kwargs,
) -> Topic:
    return forum.create_topic(forum_category(slug), by=author, title=title, body=body, **kwargs)


# Events, requests and courses ------------------------------------------------------------


def brasilia(days: int, hour: int = 14) -> datetime:
    """``hour`` o'clock in Brasília (UTC−3), ``days`` from the portal's today, as aware UTC."""
    day = clock.today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour + 3, tzinfo=UTC)


def event(
    by,
    *,
    kind: str = "reuniao_tecnica",
    audience: str = "uf",
    value: str | None = "MG",
    references=(),
    days: int = 10,
    **extra,
) -> Event:
    """A meeting (or forum) ``days`` from today, 14:00–17:00 in Brasília, through
    ``events.convene`` (which invites the audience and creates their deliverables)."""
    return events.convene(
        by=by, kind=kind, title="Reunião técnica de alinhamento",
        starts_at=brasilia(days), ends_at=brasilia(days, 17), place="Sala 101, Bloco K; Brasília",
        agenda="1. Abertura\n2. Metas do eixo 1", audience=audience, audience_value=value,
        references=references, **extra)


def info_request(by, *, days: int = 20, audience: str = "escolhidos", references=(MG_CNPJ,),
                 **fields) -> InfoRequest:
    """A request for information due ``days`` from today, through ``events.send_request``."""
    fields.setdefault("title", "Ações do semestre")
    fields.setdefault("text", "Enviem as ações.")
    return events.send_request(by=by, due_on=clock.today() + timedelta(days=days),
                               audience=audience, references=references, **fields)


def course(by, **fields) -> Course:
    fields.setdefault("title", "Gestão de parcerias")
    fields.setdefault("description", "")
    fields.setdefault("hours", 20)
    fields.setdefault("modality", "distancia")
    fields.setdefault("audience", "Servidores")
    return courses.save_course(None, by=by, **fields)


def course_class(course, by, *, opens: int = 0, closes: int = 5, starts: int = 10,
                 **fields) -> CourseClass:
    """A class whose enrollment opens/closes and which starts ``opens``/``closes``/``starts``
    days from today (and lasts three days)."""
    today = clock.today()
    return courses.save_class(
        None, course=course, by=by,
        enrollment_opens_on=today + timedelta(days=opens),
        enrollment_closes_on=today + timedelta(days=closes),
        starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=starts + 2),
        **fields)


# Training and focal points -----------------------------------------------------------------


def training_record(
    by,
    *,
    institution_id: int | None = None,
    title: str = "Curso",
    start_on: date = date(2025, 11, 3),
    end_on: date | None = None,
    hours: int = 24,
    participants: int = 30,
    modality: str = "presencial",
    file: bytes | None = None,
) -> TrainingRecord:
    """A training record (of ``by``'s institution unless told), through ``save_record``;
    ``file``: the attendance list's bytes (a PDF)."""
    return training.save_record(
        None, institution_id=institution_id or by.institution_id, by=by, title=title,
        start_on=start_on, end_on=end_on or start_on + timedelta(days=2), hours=hours,
        participants=participants, modality=modality,
        upload=file_storage("lista.pdf", file) if file else None)


def focal_point(institution, by, **fields) -> FocalPoint:
    """A person indicated by the institution (the Painel Gerencial's, unless told)."""
    fields.setdefault("purpose", "painel")
    fields.setdefault("name", "Paulo Painel")
    fields.setdefault("cpf", "111.444.777-35")
    fields.setdefault("phone", "(31) 3915-0102")
    fields.setdefault("email", "paulo@mg.test")
    return focal_points.create(institution, by=by, **fields)


# Networks ----------------------------------------------------------------------------------


def seed_network() -> dict:
    """SEGES, Minas Gerais (with ACT 160/2025 imported from the seed) and Espírito Santo."""
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
    network["act"] = seed_agreement()
    return network


def partner_network(users) -> dict:
    """On the ``users`` fixture's institutions: MG's ACT from the seed, the same plan for ES
    (161/2025), Contagem adhering to MG's, and an institution without any agreement (not a
    partner, acronym SEMPAR). Building it again reuses all of it."""
    mg_act = seed_agreement()
    seed_agreement(number="161/2025", partner=users["other_manager"].institution)
    contagem_cnpj = valid_cnpj(18715391)
    contagem = db.session.scalar(db.select(Institution).where(Institution.cnpj == contagem_cnpj))
    if contagem is None:
        contagem = adhesion(mg_act, cnpj=contagem_cnpj, acronym="PMC").partner
    if db.session.scalar(db.select(Institution.id).where(Institution.acronym == "SEMPAR")) is None:
        institution(name="Sem acordo", acronym="SEMPAR", uf="MG")
    return {"act": mg_act, "mg": users["partner_manager"].institution_id,
            "es": users["other_manager"].institution_id, "contagem": contagem.id}


# The role × route matrix ---------------------------------------------------------------------
# Every route of ``app.url_map`` with the expected status per role (tests/test_route_matrix.py
# checks them all; tests/security reuses the rows to reach every route with real ids).
# Statuses are listed for: anonymous, seges_admin, seges_reviewer, partner_manager (MG),
# partner_member (MG). Placeholders (``"deliverable"``, ``"forum_topic"``…) name the objects
# :func:`resolve` builds, all of Minas Gerais.

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that end the caller's own session (tests/security/test_sessions.py checks them).
SESSION_ENDING = {"auth.logout", "auth.logout_everywhere"}

ROLES = ["anonymous", "seges_admin", "seges_reviewer", "partner_manager", "partner_member"]

# endpoint: (method, url arguments, expected statuses in ROLES order)
MATRIX = {
    "static": ("GET", {"filename": "css/portal.css"}, "200 200 200 200 200"),
    "core.healthz": ("GET", {}, "200 200 200 200 200"),
    "core.favicon": ("GET", {}, "302 302 302 302 302"),
    "deliverables.home": ("GET", {}, "302 200 200 200 200"),
    "deliverables.deliverable": ("GET", {"deliverable_id": "deliverable"}, "302 200 200 200 200"),
    "deliverables.save_draft": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 302 302"),
    "deliverables.autosave": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 200 200"),
    "deliverables.upload": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 302 302"),
    "deliverables.add_link": ("POST", {"deliverable_id": "deliverable"}, "302 403 403 422 422"),
    "deliverables.remove_evidence": (
        "POST", {"deliverable_id": "deliverable", "evidence_id": "evidence"}, "302 403 403 302 302"
    ),
    "deliverables.submit": ("GET", {"deliverable_id": "deliverable"}, "302 403 403 200 200"),
    "deliverables.download": ("GET", {"evidence_id": "evidence"}, "302 200 200 200 200"),
    "deliverables.preview": ("GET", {"evidence_id": "evidence"}, "302 200 200 200 200"),
    "deliverables.queue": ("GET", {}, "302 200 200 403 403"),
    "deliverables.deadline_settings": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_page": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_csv": ("GET", {}, "302 200 200 403 403"),
    "panel.panel_xlsx": ("GET", {}, "302 200 200 403 403"),
    "reports.index": ("GET", {}, "302 200 200 403 403"),
    "reports.annual": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.annual_pdf": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.annual_xlsx": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.edit_introduction": ("GET", {"year": 2026}, "302 200 200 403 403"),
    "reports.my_contribution": ("GET", {}, "302 403 403 302 302"),
    "reports.contribution": ("GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"),
    "reports.contribution_pdf": (
        "GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"
    ),
    "reports.contribution_xlsx": (
        "GET", {"year": 2026, "institution_id": "mg"}, "302 200 200 200 200"
    ),
    "deliverables.analysis": ("GET", {"deliverable_id": "deliverable"}, "302 200 200 403 403"),
    "deliverables.decide": ("POST", {"deliverable_id": "deliverable"}, "302 422 422 403 403"),
    "deliverables.waive": ("POST", {"deliverable_id": "deliverable"}, "302 422 403 403 403"),
    "deliverables.undo_waiver": ("POST", {"deliverable_id": "deliverable"}, "302 409 403 403 403"),
    "auth.login": ("GET", {}, "200 302 302 302 302"),
    "auth.logout": ("POST", {}, "302 302 302 302 302"),
    "auth.account": ("GET", {}, "302 200 200 200 200"),
    "auth.logout_everywhere": ("GET", {}, "302 200 200 200 200"),
    "auth.change_password": ("GET", {}, "302 200 200 200 200"),
    "calendar_feed.calendar_page": ("GET", {}, "302 200 200 200 200"),
    "calendar_feed.create": ("POST", {}, "302 200 200 200 200"),
    "calendar_feed.revoke": ("POST", {}, "302 200 200 200 200"),
    "calendar_feed.feed": ("GET", {"token": "invalido"}, "404 404 404 404 404"),
    "auth.forgot_password": ("GET", {}, "200 200 200 200 200"),
    "auth.reset_password": ("GET", {"token": "invalido"}, "302 302 302 302 302"),
    "auth.activate": ("GET", {"token": "invalido"}, "302 302 302 302 302"),
    "auth.users": ("GET", {}, "302 200 403 200 403"),
    "auth.invite_user": ("GET", {"institution_id": "mg"}, "302 200 403 200 403"),
    "auth.edit_user": ("GET", {"user_id": "member"}, "302 200 403 200 403"),
    "auth.deactivate_user": ("POST", {"user_id": "member"}, "302 302 403 302 403"),
    "auth.reactivate_user": ("POST", {"user_id": "member"}, "302 302 403 302 403"),
    "auth.resend_invitation": ("POST", {"user_id": "member"}, "302 409 403 409 403"),
    # gov.br is not configured here: its flow answers 404 (tests/auth/test_govbr_* configure it).
    "auth.govbr.login": ("GET", {}, "404 302 302 302 302"),
    "auth.govbr.callback": ("GET", {}, "404 404 404 404 404"),
    "auth.govbr.link": ("GET", {}, "302 404 404 404 404"),
    "auth.govbr.unlink": ("POST", {}, "302 422 422 422 422"),
    "auth.govbr.settings": ("GET", {}, "302 200 403 403 403"),
    "auth.govbr.backchannel_logout": ("POST", {}, "400 400 400 400 400"),
    "institutions.institutions": ("GET", {}, "302 200 200 403 403"),
    "institutions.institution": ("GET", {"institution_id": "mg"}, "302 200 200 200 200"),
    "institutions.new_institution": ("GET", {}, "302 200 403 403 403"),
    "institutions.edit_institution": ("GET", {"institution_id": "mg"}, "302 200 403 403 403"),
    "agreements.agreements": ("GET", {}, "302 200 200 403 403"),
    "agreements.axes": ("GET", {}, "302 200 403 403 403"),
    "agreements.edit_axis": ("GET", {"axis_id": 3}, "302 200 403 403 403"),
    "plans.agreement": ("GET", {"agreement_id": "agreement"}, "302 200 200 200 200"),
    "plans.edit_agreement": ("GET", {"agreement_id": "agreement"}, "302 200 403 403 403"),
    "plans.edit_goal": (
        "GET",
        {"agreement_id": "agreement", "goal_id": "goal"},
        "302 200 403 403 403",
    ),
    "plans.import_agreement": ("GET", {}, "302 200 403 403 403"),
    "agreements.signed_document": ("GET", {"agreement_id": "agreement"}, "302 404 404 404 404"),
    "plans.new_adhesion": ("GET", {"agreement_id": "agreement"}, "302 200 403 200 403"),
    "forum.index": ("GET", {}, "302 200 200 200 200"),
    "forum.category": ("GET", {"category_id": "forum_category"}, "302 200 200 200 200"),
    "forum.search_page": ("GET", {}, "302 200 200 200 200"),
    "forum.new_topic": ("GET", {"category_id": "forum_category"}, "302 200 200 200 200"),
    "forum.topic": ("GET", {"topic_id": "forum_topic"}, "302 200 200 200 200"),
    "forum.reply": ("GET", {"topic_id": "forum_topic"}, "302 200 200 200 200"),
    "forum.preview": ("POST", {}, "302 200 200 200 200"),
    "forum.edit_post": ("GET", {"post_id": "forum_question"}, "302 403 403 403 200"),
    "forum.post_history": ("GET", {"post_id": "forum_reply"}, "302 200 200 200 200"),
    "forum.accept_answer": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 302"),
    "forum.watch_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 302 302"),
    "forum.watch_category": ("POST", {"category_id": "forum_category"}, "302 302 302 302 302"),
    "forum.report_post": ("GET", {"post_id": "forum_reply"}, "302 200 200 200 200"),
    "forum.reports": ("GET", {}, "302 200 200 403 403"),
    "forum.resolve_report": ("POST", {"report_id": "forum_report"}, "302 302 302 403 403"),
    "forum.hide_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.unhide_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.delete_post": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 403"),
    "forum.lock_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 403 403"),
    "forum.pin_topic": ("POST", {"topic_id": "forum_topic"}, "302 302 302 403 403"),
    "forum.move_topic": ("GET", {"topic_id": "forum_topic"}, "302 200 200 403 403"),
    "forum.categories": ("GET", {}, "302 200 403 403 403"),
    "forum.new_category": ("GET", {}, "302 200 403 403 403"),
    "forum.edit_category": ("GET", {"category_id": "forum_category"}, "302 200 403 403 403"),
    "forum.ask": ("GET", {}, "302 200 200 200 200"),
    "forum.similar_topics": ("GET", {}, "302 200 200 200 200"),
    "forum.people": ("GET", {}, "302 200 200 200 200"),
    "forum.person": ("GET", {"user_id": "member"}, "302 200 200 200 200"),
    "forum.unanswered": ("GET", {}, "302 200 200 403 403"),
    "forum.vote_useful": ("POST", {"post_id": "forum_reply"}, "302 302 302 403 302"),
    "forum.attachment": ("GET", {"attachment_id": "forum_attachment"}, "302 200 200 200 200"),
    "forum.attachment_image": ("GET", {"attachment_id": "forum_image"}, "302 200 200 200 200"),
    "notifications.index": ("GET", {}, "302 200 200 200 200"),
    "notifications.mark_read": (
        "POST", {"notification_id": "forum_notification"}, "302 403 403 403 302"
    ),
    "notifications.mark_all_read": ("POST", {}, "302 302 302 302 302"),
    "notifications.open_notification": (
        "POST", {"notification_id": "forum_notification"}, "302 403 403 403 303"
    ),
    "notifications.bell": ("GET", {}, "302 302 302 302 302"),
    "notifications.preferences": ("GET", {}, "302 200 200 200 200"),
    "focal_points.my_focal_points": ("GET", {}, "302 302 302 302 302"),
    "focal_points.focal_point_list": ("GET", {"institution_id": "mg"}, "302 200 200 200 200"),
    "focal_points.new_focal_point": ("GET", {"institution_id": "mg"}, "302 200 403 200 403"),
    "focal_points.edit_focal_point": (
        "GET", {"focal_point_id": "focal_point"}, "302 200 403 200 403"
    ),
    "focal_points.end_focal_point": (
        "POST", {"focal_point_id": "focal_point"}, "302 302 403 302 403"
    ),
    "focal_points.attach_focal_points": ("POST", {"institution_id": "mg"}, "302 403 403 302 403"),
    "focal_points.painel_requests": ("GET", {}, "302 200 200 403 403"),
    "focal_points.grant_painel_access": (
        "POST", {"focal_point_id": "focal_point"}, "302 302 403 403 403"
    ),
    "training.trainings": ("GET", {}, "302 200 200 200 200"),
    "training.new_training": ("GET", {}, "302 200 200 200 200"),
    "training.edit_training": ("GET", {"record_id": "training"}, "302 403 403 200 200"),
    "training.delete_training": ("POST", {"record_id": "training"}, "302 403 403 302 302"),
    "training.training_file": ("GET", {"record_id": "training"}, "302 200 200 200 200"),
    "training.prefill_report": (
        "POST", {"deliverable_id": "hours_deliverable"}, "302 403 403 302 302"
    ),
    "events.events_page": ("GET", {}, "302 200 200 200 200"),
    "events.new_event": ("GET", {}, "302 200 200 403 403"),
    "events.event": ("GET", {"event_id": "event"}, "302 200 200 200 200"),
    "events.event_ics": ("GET", {"event_id": "event"}, "302 200 200 200 200"),
    "events.confirm_event": ("POST", {"event_id": "event"}, "302 403 403 302 302"),
    "events.record_attendance": ("POST", {"event_id": "event"}, "302 302 302 403 403"),
    "events.info_requests": ("GET", {}, "302 200 200 403 403"),
    "events.new_info_request": ("GET", {}, "302 200 200 403 403"),
    "events.info_request": ("GET", {"request_id": "info_request"}, "302 200 200 403 403"),
    "courses.courses_page": ("GET", {}, "302 200 200 200 200"),
    "courses.courses_ics": ("GET", {}, "302 200 200 200 200"),
    "courses.course_catalog": ("GET", {}, "302 200 200 200 200"),
    "courses.new_course": ("GET", {}, "302 200 200 403 403"),
    "courses.edit_course": ("GET", {"course_id": "course"}, "302 200 200 403 403"),
    "courses.new_course_class": ("GET", {"course_id": "course"}, "302 200 200 403 403"),
    "courses.edit_course_class": ("GET", {"class_id": "course_class"}, "302 200 200 403 403"),
    "audit.events": ("GET", {}, "302 200 403 200 403"),
    "audit.events_csv": ("GET", {}, "302 200 403 200 403"),
    "privacy.personal_data": ("GET", {}, "302 200 200 200 200"),
    "ops.outbox_page": ("GET", {}, "302 200 403 403 403"),
    "ops.resend": ("POST", {"message_id": "outbox_message"}, "302 302 403 403 403"),
}


def _forum_objects(users) -> dict:
    """A topic by the MG member, a reply by the MG manager, a report on that reply and a
    notification for the member."""
    existing = db.session.scalar(db.select(Topic).where(Topic.title == "Tópico da matriz"))
    if existing is None:
        existing = topic(users["partner_member"], title="Tópico da matriz")
        answer = forum.reply(
            existing,
            by=users["partner_manager"],
            body="Uma resposta.",
            files=[
                FileStorage(io.BytesIO(b"%PDF-1.4\n%matriz\n"), "anexo.pdf"),
                FileStorage(io.BytesIO(PNG), "figura.png"),
            ],
        )
        forum.report_post(answer, by=users["partner_member"], reason="Conteúdo impróprio")
        notify(users["partner_member"], "forum.mention", "Aviso de teste", "/forum/")
        db.session.commit()
    question, answer = db.session.scalars(
        db.select(Post).where(Post.topic_id == existing.id).order_by(Post.number)
    ).all()[:2]
    return {
        "forum_category": existing.category_id,
        "forum_topic": existing.id,
        "forum_question": question.id,
        "forum_reply": answer.id,
        "forum_report": db.session.scalar(db.select(Report.id)),
        "forum_attachment": db.session.scalar(
            db.select(Attachment.id).where(Attachment.content_type == "application/pdf")
        ),
        "forum_image": db.session.scalar(
            db.select(Attachment.id).where(Attachment.content_type == "image/png")
        ),
        "forum_notification": db.session.scalar(
            db.select(Notification.id).where(Notification.message == "Aviso de teste")
        ),
    }


def _mg_agreement() -> dict:
    """MG's ACT imported from the seed plan (importing again reuses it)."""
    act = seed_agreement()
    return {"agreement": act.id, "goal": act.goals[0].id}


def _mg_deliverable(users) -> dict:
    """MG's deliverable for goal 1.2 with a draft holding one PDF."""
    member = users["partner_member"]
    painel = deliverable_of(seed_agreement(), "1.2", member.institution_id)
    return {"deliverable": painel.id, "evidence": evidence(painel, member).id}


def _mg_network(users) -> dict:
    """MG's Painel Gerencial focal point, a training record with a PDF, and MG's first 2.2
    deliverable (training hours)."""
    manager = users["partner_manager"]
    person = db.session.scalar(db.select(FocalPoint).limit(1)) or focal_point(
        manager.institution, manager)
    record = db.session.scalar(db.select(TrainingRecord).limit(1)) or training_record(
        manager, start_on=date(2025, 11, 3), end_on=date(2025, 11, 5), file=PDF)
    hours = deliverable_of(seed_agreement(), "2.2", manager.institution_id)
    return {"focal_point": person.id, "training": record.id, "hours_deliverable": hours.id}


def _network_objects(users) -> dict:
    """:func:`partner_network`, an event and a request to MG, a course with a class."""
    admin = users["seges_admin"]
    network = partner_network(users)
    meeting = db.session.scalar(db.select(Event).limit(1)) or event(
        admin, audience="escolhidos", value=None, references=[MG_CNPJ])
    request = db.session.scalar(db.select(InfoRequest).limit(1)) or info_request(admin)
    offered = db.session.scalar(db.select(Course).limit(1)) or course(admin)
    klass = db.session.scalar(db.select(CourseClass).limit(1)) or course_class(offered, admin)
    return {"event": meeting.id, "info_request": request.id, "course": offered.id,
            "course_class": klass.id, **{k: v for k, v in network.items() if k != "act"}}


def failed_email(recipient: str = "fora-do-ar@mg.test") -> OutboxMessage:
    """An e-mail the worker gave up on (the server refused it every time)."""
    message = OutboxMessage(recipient=recipient, subject="Lembrete de prazo · Rede de Parcerias",
                            raw=f"To: {recipient}\nSubject: Lembrete\n\nTexto.\n",
                            status=OutboxMessage.FAILED, attempts=6,
                            last_error="ConnectionRefusedError: [Errno 111] Connection refused")
    db.session.add(message)
    db.session.commit()
    return message


def resolve(arguments: dict, users) -> dict:
    """The matrix's url arguments with each placeholder replaced by a real id (objects built
    on first use, reused after)."""
    wanted = set(arguments.values())
    objects = {"mg": users["partner_manager"].institution_id, "member": users["partner_member"].id}
    if any(str(value).startswith("forum_") for value in wanted):
        objects.update(_forum_objects(users))
    if {"agreement", "goal"} & wanted:
        objects.update(_mg_agreement())
    if {"deliverable", "evidence"} & wanted:
        objects.update(_mg_deliverable(users))
    if {"focal_point", "training", "hours_deliverable"} & wanted:
        objects.update(_mg_network(users))
    if {"event", "info_request", "course", "course_class"} & wanted:
        objects.update(_network_objects(users))
    if "outbox_message" in wanted:
        objects["outbox_message"] = failed_email().id
    return {key: objects.get(value, value) for key, value in arguments.items()}


def matrix_url(endpoint: str, objects: dict, **query) -> str:
    """``endpoint``'s URL with the matrix's arguments taken from ``objects`` (placeholder → id)."""
    arguments = MATRIX[endpoint][1]
    return url_for(endpoint, **{k: objects.get(v, v) for k, v in arguments.items()}, **query)


def routes_accepting(methods: set[str]) -> list[str]:
    """Endpoints of the URL map accepting any of ``methods``, sorted."""
    return sorted(
        {rule.endpoint for rule in current_app.url_map.iter_rules() if rule.methods & methods}
    )


# The demo, with one deliverable in each state a page shows differently -----------------------
# (tests/browser and tests/core/test_html_validity.py visit every page type on it.)

DEMO_LOGINS = {
    "seges_admin": "admin@seges.exemplo.gov.br",
    "seges_reviewer": "revisor@seges.exemplo.gov.br",
    "partner_manager": "gestor@mg.exemplo.gov.br",
    "partner_member": "membro@mg.exemplo.gov.br",
}


def _pending_of(institution_id: int, count: int) -> list[Deliverable]:
    return list(
        db.session.scalars(
            db.select(Deliverable)
            .where(Deliverable.institution_id == institution_id, Deliverable.status == "pending")
            .order_by(Deliverable.due_on, Deliverable.id)
            .limit(count)
        )
    )


def demo_states() -> dict[str, int | str]:
    """``portal demo``'s data, plus MG deliverables in each state a page shows differently (a
    draft with a file and a link; one submitted; one returned, corrected and sent again; one
    approved; one waived), a forum report, an edited post and the links e-mails carry (a
    password reset, an account activation). Returns the ids (and tokens) pages need, by name.
    Needs a request context (notifications build URLs)."""
    demo.load_demo(PASSWORD)
    people = {
        role: db.session.scalar(db.select(User).filter_by(email=e))
        for role, e in DEMO_LOGINS.items()
    }
    member, reviewer = people["partner_member"], people["seges_reviewer"]
    mg = member.institution
    editable, sent, resent, approved, waived = _pending_of(mg.id, 5)

    draft(editable, member, "Relato **parcial**.", files=[("oficio.pdf", PDF)],
          links=[("https://www.gov.br/gestao", "Notícia")])
    submitted(sent, member, "Indicamos a servidora Ana.",
              links=[("https://sei.mg.gov.br/oficio-1", "Ofício")])
    # Returned, corrected and sent again: the analysis page shows what changed.
    first = submitted(resent, member, "Primeira versão.")
    reviews.decide(first, by=reviewer, decision="returned", reason_code="insufficient_evidence",
                   comment="Anexe o ofício assinado.")
    submitted(resent, member, "Segunda versão, com o ofício.", covers_from=date(2025, 10, 1),
              covers_to=date(2025, 12, 31), links=[("https://sei.mg.gov.br/oficio-2", "Ofício")])
    reviews.decide(submitted(approved, member, "Relato aprovado."), by=reviewer,
                   decision="approved")
    reviews.waive(waived, by=people["seges_admin"], reason="Não se aplica a este parceiro.")

    # A forum report for the moderation page, and an edited post (its history).
    post = db.session.scalar(db.select(Post).order_by(Post.id.desc()).limit(1))
    forum.report_post(post, by=people["partner_manager"], reason="Conteúdo fora do tema.")
    question = db.session.scalar(
        db.select(Post).where(Post.author_id == member.id).order_by(Post.id).limit(1)
    )
    forum.edit_post(question, by=member, body=question.body + "\n\nAtualização: já enviamos.")
    failed_email()  # the e-mail queue lists it, with its resend button

    # Links from e-mails: password reset for the member, activation for an invited user.
    invited = user("convidado@mg.exemplo.gov.br", "partner_member", mg)
    invited.activated_at = None
    db.session.commit()
    links = {
        "reset_token": tokens.make_token(member, "reset"),
        "activate_token": tokens.make_token(invited, "activate"),
    }

    act = db.session.scalar(
        db.select(Agreement).where(Agreement.partner_id == mg.id, Agreement.parent_id.is_(None))
    )
    first_topic = db.session.scalar(db.select(Topic).order_by(Topic.id).limit(1))
    ids = {
        "mg": mg.id,
        "seges": people["seges_admin"].institution_id,
        "agreement": act.id,
        "goal": editable.goal_id,
        "draft": editable.id,
        "sent": sent.id,
        "resent": resent.id,
        "approved": approved.id,
        "waived": waived.id,
        "topic": first_topic.id,
        "post": post.id,
        "edited_post": question.id,
        "category": first_topic.category_id,
        "member_user": member.id,
        "focal_point": db.session.scalar(db.select(FocalPoint.id).limit(1)),
        "training": db.session.scalar(db.select(TrainingRecord.id).limit(1)),
        "event": db.session.scalar(db.select(Event.id).limit(1)),
        "course": db.session.scalar(db.select(Course.id).limit(1)),
        "info_request": db.session.scalar(db.select(InfoRequest.id).limit(1)),
        "other_category": db.session.scalar(db.select(Category.id).order_by(Category.id.desc())),
        "institution_count": db.session.scalar(db.select(db.func.count(Institution.id))),
    }
    db.session.commit()
    return ids | links

# Every page type, for every role, on :func:`demo_states`' data: (role or None, name, path
# with ``{placeholders}`` from its ids, expected status).

PARTNER_PAGES = [
    ("home", "/", 200),
    ("home-atrasadas", "/?grupo=atrasadas", 200),
    ("home-proximas", "/?grupo=proximas", 200),
    ("home-depois", "/?grupo=depois", 200),
    ("home-concluidas", "/?grupo=concluidas", 200),
    ("home-acompanhamento", "/?grupo=acompanhamento", 200),
    ("home-devolvidas", "/?grupo=devolvidas", 200),
    ("home-em-analise", "/?grupo=em_analise", 200),
    ("deliverable-draft", "/entregas/{draft}", 200),
    ("deliverable-submitted", "/entregas/{sent}", 200),
    ("deliverable-resubmitted", "/entregas/{resent}", 200),
    ("deliverable-approved", "/entregas/{approved}", 200),
    ("deliverable-waived", "/entregas/{waived}", 200),
    ("submit-confirmation", "/entregas/{draft}/enviar", 200),
    ("agreement", "/acordos/{agreement}", 200),
    ("institution", "/instituicoes/{mg}", 200),
    ("focal-points", "/servidores", 200),
    ("institution-focal-points", "/instituicoes/{mg}/servidores", 200),
    ("trainings", "/capacitacoes", 200),
    ("forum", "/forum/", 200),
    ("forum-category", "/forum/categorias/{category}", 200),
    ("forum-topic", "/forum/topicos/{topic}", 200),
    ("forum-new-topic", "/forum/categorias/{category}/novo-topico", 200),
    ("forum-reply", "/forum/topicos/{topic}/responder", 200),
    ("forum-report-post", "/forum/mensagens/{post}/denunciar", 200),
    ("forum-search", "/forum/busca?q=painel", 200),
    ("forum-post-history", "/forum/mensagens/{edited_post}/historico", 200),
    ("forum-ask", "/forum/nova-pergunta", 200),
    ("forum-person", "/forum/pessoas/{member_user}", 200),
    ("notifications", "/notificacoes", 200),
    ("events", "/eventos", 200),
    ("event", "/eventos/{event}", 200),
    ("courses", "/cursos", 200),
    ("course-catalog", "/cursos/catalogo", 200),
    ("account", "/conta", 200),
    ("change-password", "/conta/senha", 200),
    ("logout-everywhere", "/conta/sair-de-todos", 200),
    ("calendar", "/conta/calendario", 200),
    ("not-found", "/nao-existe", 404),
]

MEMBER_ONLY_PAGES = [
    ("forbidden", "/usuarios", 403),
]

MANAGER_ONLY_PAGES = [
    ("users", "/usuarios", 200),
    ("invite-user", "/instituicoes/{mg}/usuarios/convidar", 200),
    ("edit-user", "/usuarios/{member_user}/editar", 200),
    ("new-focal-point", "/instituicoes/{mg}/servidores/novo", 200),
    ("edit-focal-point", "/servidores/{focal_point}/editar", 200),
    ("new-training", "/capacitacoes/nova", 200),
    ("edit-training", "/capacitacoes/{training}/editar", 200),
    ("audit-trail", "/auditoria", 200),
]

SEGES_PAGES = [
    ("home", "/", 200),
    ("queue", "/analise", 200),
    ("analysis", "/analise/{sent}", 200),
    ("analysis-resubmission", "/analise/{resent}", 200),
    ("analysis-approved", "/analise/{approved}", 200),
    ("analysis-waived", "/analise/{waived}", 200),
    ("deliverable", "/entregas/{sent}", 200),
    ("panel", "/painel", 200),
    ("panel-matrix", "/painel?visao=matriz", 200),
    ("panel-map-overdue", "/painel?medida=atrasadas&uf=MG", 200),
    ("annual-reports", "/relatorio-anual", 200),
    ("annual-report", "/relatorio-anual/2026", 200),
    ("annual-report-partner", "/relatorio-anual/2026/instituicoes/{mg}", 200),
    ("agreements", "/acordos", 200),
    ("agreement", "/acordos/{agreement}", 200),
    ("institutions", "/instituicoes", 200),
    ("institution", "/instituicoes/{mg}", 200),
    ("institution-focal-points", "/instituicoes/{mg}/servidores", 200),
    ("painel-requests", "/servidores/painel", 200),
    ("trainings", "/capacitacoes", 200),
    ("forum", "/forum/", 200),
    ("forum-topic", "/forum/topicos/{topic}", 200),
    ("forum-reports", "/forum/denuncias", 200),
    ("forum-unanswered", "/forum/sem-resposta", 200),
    ("notifications", "/notificacoes", 200),
    ("events", "/eventos", 200),
    ("event", "/eventos/{event}", 200),
    ("courses", "/cursos", 200),
    ("info-requests", "/solicitacoes", 200),
    ("info-request", "/solicitacoes/{info_request}", 200),
    ("account", "/conta", 200),
    ("deadline-settings", "/configuracoes/prazos", 200),
    ("home-follow-ups", "/?grupo=acompanhamento", 200),
]

ADMIN_ONLY_PAGES = [
    ("users", "/usuarios", 200),
    ("import-agreement", "/acordos/importar", 200),
    ("edit-agreement", "/acordos/{agreement}/editar", 200),
    ("new-adhesion", "/acordos/{agreement}/adesoes/nova", 200),
    ("edit-goal", "/acordos/{agreement}/metas/{goal}/editar", 200),
    ("axes", "/acordos/eixos", 200),
    ("edit-axis", "/acordos/eixos/3/editar", 200),
    ("new-institution", "/instituicoes/nova", 200),
    ("edit-institution", "/instituicoes/{mg}/editar", 200),
    ("edit-user", "/usuarios/{member_user}/editar", 200),
    ("forum-categories", "/forum/categorias", 200),
    ("forum-new-category", "/forum/categorias/nova", 200),
    ("forum-edit-category", "/forum/categorias/{category}/editar", 200),
    ("forum-move-topic", "/forum/topicos/{topic}/mover", 200),
    ("new-event", "/eventos/novo", 200),
    ("new-info-request", "/solicitacoes/nova", 200),
    ("new-course", "/cursos/novo", 200),
    ("edit-course", "/cursos/{course}/editar", 200),
    ("new-course-class", "/cursos/{course}/turmas/nova", 200),
    ("forum-post-history", "/forum/mensagens/{edited_post}/historico", 200),
    ("audit-trail", "/auditoria", 200),
    ("email-outbox", "/administracao/emails", 200),
]

ANONYMOUS_PAGES = [
    ("login", "/login", 200),
    ("forgot-password", "/senha/esqueci", 200),
    ("reset-password", "/senha/redefinir/{reset_token}", 200),
    ("activate-account", "/ativar/{activate_token}", 200),
    ("not-found", "/nao-existe", 404),
]

PAGE_TYPES = (
    [(None, *p) for p in ANONYMOUS_PAGES]
    + [("partner_member", *p) for p in PARTNER_PAGES + MEMBER_ONLY_PAGES]
    + [("partner_manager", *p) for p in PARTNER_PAGES + MANAGER_ONLY_PAGES]
    + [("seges_reviewer", *p) for p in SEGES_PAGES]
    + [("seges_admin", *p) for p in SEGES_PAGES + ADMIN_ONLY_PAGES]
)

# Reading a page as a user does ---------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_UNREAD = {"script", "style", "template"}
# Elements that flow within a line; every other element separates words.
_INLINE = {"a", "abbr", "b", "bdi", "code", "data", "del", "em", "i", "ins", "kbd", "mark", "q",
           "s", "small", "span", "strong", "sub", "sup", "time", "u", "var"}


class Element:
    """A parsed element: ``tag``, ``attrs``, ``children`` (elements and strings), ``text``."""

    def __init__(self, tag: str, attrs: dict, parent=None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list = []

    def iter(self, *tags: str):
        """Descendants in document order (only ``tags``, when given)."""
        for child in self.children:
            if isinstance(child, Element):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)

    def _pieces(self):
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif child.tag not in _UNREAD:
                spaced = child.tag not in _INLINE
                yield " " if spaced else ""
                yield from child._pieces()
                yield " " if spaced else ""

    @property
    def text(self) -> str:
        """The text a reader gets (screen-reader-only text included), whitespace collapsed."""
        return " ".join("".join(self._pieces()).split())

    @property
    def value(self) -> str:
        """What a form control holds (its text for any other element)."""
        if self.tag == "input":
            return self.attrs.get("value") or ""
        if self.tag == "select":
            chosen = [o for o in self.iter("option") if "selected" in o.attrs]
            return " ".join(o.text for o in chosen)
        return self.text


class _TreeBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open[-1])
        self.open[-1].children.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}, self.open[-1]))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse_html(markup: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


def page_text(markup: str) -> str:
    """Everything a user reads on the page (or fragment), as one line of words."""
    return parse_html(markup).text


def _named(root: Element, label: str) -> Element:
    """The one element whose accessible name is ``label``: ``aria-label``,
    ``aria-labelledby`` or a ``<label for>``."""
    by_id = {e.attrs["id"]: e for e in root.iter() if "id" in e.attrs}
    found = [e for e in root.iter() if e.attrs.get("aria-label") == label]
    found += [e for e in root.iter() if "aria-labelledby" in e.attrs and " ".join(
        by_id[i].text for i in e.attrs["aria-labelledby"].split() if i in by_id) == label]
    found += [by_id[e.attrs["for"]] for e in root.iter("label")
              if e.text == label and e.attrs.get("for") in by_id]
    assert len(found) == 1, f"{len(found)} elements labelled {label!r}"
    return found[0]


def labelled(markup: str, label: str) -> str:
    """The text (or a control's value) of the element whose accessible name is ``label``."""
    return _named(parse_html(markup), label).value


def definitions(markup: str, label: str) -> dict[str, str]:
    """The description lists inside the element named ``label``: {term: the text of its
    descriptions}."""
    found: dict[str, list[str]] = {}
    term = None
    for element in _named(parse_html(markup), label).iter("dt", "dd"):
        if element.tag == "dt":
            term = element.text
            found[term] = []
        elif term is not None:
            found[term].append(element.text)
    return {term: " ".join(texts) for term, texts in found.items()}


def buttons(markup: str) -> list[str]:
    """The names of the buttons a user can press (their text, or ``aria-label``)."""
    root = parse_html(markup)
    found = [b.attrs.get("aria-label") or b.text for b in root.iter("button")]
    found += [i.attrs.get("value", "") for i in root.iter("input")
              if i.attrs.get("type") in ("submit", "button")]
    return found


def links(markup: str) -> list[tuple[str, str]]:
    """(text, href) of every link on the page."""
    return [(a.text, a.attrs["href"]) for a in parse_html(markup).iter("a") if "href" in a.attrs]


def table_rows(markup: str, caption: str | None = None) -> list[dict[str, str]]:
    """Each body row of the page's tables (those whose caption contains ``caption``, when
    given) as {column header: cell text}."""
    rows = []
    for table in parse_html(markup).iter("table"):
        if caption is not None and not any(caption in c.text for c in table.iter("caption")):
            continue
        headers: list[str] = []
        for tr in table.iter("tr"):
            cells = [c for c in tr.children if isinstance(c, Element) and c.tag in ("td", "th")]
            if not headers and cells and all(c.tag == "th" for c in cells):
                headers = [c.text for c in cells]
            elif cells:
                rows.append(dict(zip(headers, (c.text for c in cells), strict=False)))
    return rows


def table_row(markup: str, containing: str, caption: str | None = None) -> dict[str, str]:
    """The one table row that has a cell containing ``containing``."""
    found = [row for row in table_rows(markup, caption)
             if any(containing in cell for cell in row.values())]
    assert len(found) == 1, f"{len(found)} rows with {containing!r}"
    return found[0]


# Counting SQL statements ---------------------------------------------------------------------


def statements(action) -> list[str]:
    """The SQL of each statement ``action()`` issues, in order."""
    seen = []

    def keep(_connection, _cursor, statement, *_args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", keep)
    try:
        action()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def queries_for(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` issues (asserts it answers 200). What the
    test wrote before is committed first, so the request does not commit it for the test."""
    db.session.commit()
    responses = []
    issued = statements(lambda: responses.append(client.get(url)))
    assert responses[0].status_code == 200, url
    return len(issued)


# The CLI and mail ----------------------------------------------------------------------------


def invoke(target_app, *args):
    """Run a ``portal`` command against ``target_app`` in its own app context."""
    with target_app.app_context():
        result = target_app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    return result


def mailed_link(outbox, index: int = -1) -> str:
    """The path of the portal link in the ``index``-th message of the outbox."""
    return re.search(r"http://localhost(/\S+)", outbox[index].get_content()).group(1)


@contextmanager
def scratch_database_uri(tmp_path):
    """A database of its own for a migration test: a SQLite file, or a new PostgreSQL
    database beside PORTAL_TEST_DATABASE_URI (dropped afterwards)."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URI")
    if not base:
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    url = sa.make_url(base)
    name = f"{url.database}_migration_{os.getpid()}_{secrets.token_hex(3)}"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
