"""Demo data: SEGES, Minas Gerais (ACT 160/2025), Espírito Santo and Contagem."""

from datetime import date

from portal.agreements.models import Agreement, Goal
from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.clock import local_today
from portal.core.urls import public_base
from portal.courses import services as courses
from portal.courses.models import Course
from portal.deliverables import reviews, services
from portal.deliverables.models import Deliverable, Submission
from portal.dev.forum_demo import load_forum_demo
from portal.events import services as events
from portal.events.models import Event, InfoRequest
from portal.extensions import db
from portal.focal_points import services as focal_points
from portal.focal_points.models import FocalPoint
from portal.institutions.models import Institution
from portal.institutions.services import find_by_cnpj
from portal.plans.importer import parse_plan, read_seed_plan
from portal.plans.services import import_plan, register_adhesion
from portal.training import services as training
from portal.training.models import TrainingRecord

INSTITUTIONS = [
    {
        "key": "seges",
        "name": "Secretaria de Gestão e Inovação do Ministério da Gestão e da "
        "Inovação em Serviços Públicos",
        "acronym": "MGI/SEGES",
        "cnpj": "00489828000155",
        "sphere": "federal",
        "uf": None,
        "elo": "União",
        "is_secretariat": True,
    },
    {
        "key": "mg",
        "name": "Governo do Estado de Minas Gerais — Secretaria de Estado de Casa Civil",
        "acronym": "SCC/MG",
        "cnpj": "50941185000107",
        "sphere": "estadual",
        "uf": "MG",
        "elo": "Estados",
    },
    {
        "key": "es",
        "name": "Governo do Estado do Espírito Santo — Secretaria de Estado de Gestão e "
        "Recursos Humanos",
        "acronym": "SEGER/ES",
        "cnpj": "27080530000143",
        "sphere": "estadual",
        "uf": "ES",
        "elo": "Estados",
    },
    {
        "key": "contagem",
        "name": "Prefeitura Municipal de Contagem",
        "acronym": "PMC",
        "cnpj": "18715508000131",
        "sphere": "municipal",
        "uf": "MG",
        "elo": "Municípios",
        "parent": "mg",
    },
]

USERS = [
    ("admin@seges.exemplo.gov.br", "Ana Administradora", "seges_admin", "seges"),
    ("revisor@seges.exemplo.gov.br", "Rafael Revisor", "seges_reviewer", "seges"),
    ("gestor@mg.exemplo.gov.br", "Gabriela Gestora (MG)", "partner_manager", "mg"),
    ("membro@mg.exemplo.gov.br", "Marcos Membro (MG)", "partner_member", "mg"),
    ("gestor@es.exemplo.gov.br", "Helena Gestora (ES)", "partner_manager", "es"),
    ("gestor@contagem.exemplo.gov.br", "Caio Gestor (Contagem)", "partner_manager", "contagem"),
]


def database_is_empty() -> bool:
    return db.session.scalar(db.select(User.id).limit(1)) is None


def load_demo(password: str) -> list[tuple[str, str, bool]]:
    """Create what is missing; never duplicates. Returns (email, role, created) per login."""
    institutions: dict[str, Institution] = {}
    for spec in INSTITUTIONS:
        spec = dict(spec)
        key, parent_key = spec.pop("key"), spec.pop("parent", None)
        institution = find_by_cnpj(spec["cnpj"])
        if institution is None:
            institution = Institution(**spec)
            db.session.add(institution)
        if parent_key:
            institution.parent = institutions[parent_key]
        institutions[key] = institution
    db.session.commit()

    logins = []
    for email, name, role, key in USERS:
        created = accounts.find_user(email) is None
        if created:
            accounts.create_user(
                email=email, name=name, role=role, institution=institutions[key], password=password
            )
        logins.append((email, role, created))
    _load_agreements(institutions)
    _load_focal_points_and_training(institutions["mg"])
    _load_events_and_courses()

    load_forum_demo({email: accounts.find_user(email) for email, *_ in USERS})
    from flask import current_app

    # Notifications link to pages (url_for), on the public address (TRUSTED_HOSTS).
    with current_app.test_request_context(base_url=public_base()):
        _load_reviews(institutions["mg"])
    return logins


def _load_reviews(mg: Institution) -> None:
    """MG's banner (3.1) and its 2026 course publicity (3.2) approved, its Painel indication
    (1.2) waiting in the review queue."""
    owned = db.select(Deliverable.id).where(Deliverable.institution_id == mg.id)
    if db.session.scalar(db.select(Submission.id).where(Submission.deliverable_id.in_(owned))):
        return
    member = accounts.find_user("membro@mg.exemplo.gov.br")
    reviewer = accounts.find_user("revisor@seges.exemplo.gov.br")

    def first(code: str) -> Deliverable:
        return db.session.scalar(
            db.select(Deliverable)
            .join(Goal)
            .where(Deliverable.institution_id == mg.id, Goal.code == code)
            .order_by(Deliverable.due_on)
        )

    banner = first("3.1")
    services.save_draft(
        banner,
        by=member,
        covers_from=None,
        covers_to=None,
        report="Banner da Rede de Parcerias publicado na página inicial do portal "
        "do Governo de Minas, com notícia e pop-up.",
    )
    services.add_link(banner, by=member, url="https://www.mg.gov.br/", title="Portal do Governo")
    reviews.decide(services.submit(banner, by=member), by=reviewer, decision="approved")
    courses = db.session.scalar(
        db.select(Deliverable)
        .join(Goal)
        .where(
            Deliverable.institution_id == mg.id,
            Goal.code == "3.2",
            Deliverable.due_on >= date(2026, 1, 1),
        )
        .order_by(Deliverable.due_on)
    )
    services.save_draft(
        courses,
        by=member,
        covers_from=None,
        covers_to=None,
        report="Divulgamos os cursos da Rede de Parcerias na intranet, no boletim semanal "
        "e nas redes sociais da Secretaria: 14 publicações e 1.280 inscrições de servidores "
        "mineiros ao longo do ano.",
    )
    reviews.decide(services.submit(courses, by=member), by=reviewer, decision="approved")
    painel = first("1.2")
    services.save_draft(
        painel,
        by=member,
        covers_from=None,
        covers_to=None,
        report="Indicamos **Ana Souza** (ana.souza@mg.exemplo.gov.br) como "
        "responsável pelo acesso ao Painel Gerencial.",
    )
    services.submit(painel, by=member)


# ES signs the same plan model as MG, but its instrument has its own SEI process and
# signature date (the seed's are MG's: 19973.011749/2025-70, signed on 24/09/2025).
ES_SEI_PROCESS = "19973.011823/2025-58"
ES_SIGNED_ON = date(2025, 12, 12)


def _load_agreements(institutions: dict[str, Institution]) -> None:
    """ACT 160/2025 (MG) from the seed, the same plan for ES, and Contagem's adhesion to MG."""
    plan = parse_plan(read_seed_plan())
    mg_act, _ = import_plan(plan, start=date(2025, 10, 1), years=5)
    es_plan = {
        **plan,
        "agreement": {
            **plan["agreement"],
            "sei_process": ES_SEI_PROCESS,
            "signed_on": ES_SIGNED_ON.isoformat(),
        },
    }
    import_plan(
        es_plan, start=date(2026, 11, 15), years=5, number="161/2025", partner=institutions["es"]
    )
    contagem = institutions["contagem"]
    already = db.session.scalar(
        db.select(Agreement.id).where(
            Agreement.parent_id == mg_act.id, Agreement.partner_id == contagem.id
        )
    )
    if already is None:
        register_adhesion(
            mg_act,
            by=None,
            name=contagem.name,
            cnpj=contagem.cnpj,
            sphere=contagem.sphere,
            uf=contagem.uf,
            signed_on=date(2026, 3, 16),
            acronym=contagem.acronym,
        )


def _load_focal_points_and_training(mg: Institution) -> None:
    """MG names one servidor per purpose and records two courses in the current term year."""
    from datetime import timedelta


    manager = accounts.find_user("gestor@mg.exemplo.gov.br")
    if (
        db.session.scalar(
            db.select(FocalPoint.id).where(FocalPoint.institution_id == mg.id).limit(1)
        )
        is None
    ):
        for purpose, name, cpf, phone in [
            ("acompanhamento", "Juliana Acompanhamento", "529.982.247-25", "(31) 3915-0101"),
            ("painel", "Paulo Painel", "111.444.777-35", "(31) 3915-0102"),
            ("multiplicador", "Mariana Multiplicadora", "390.533.447-05", "(31) 3915-0103"),
        ]:
            email = f"{name.split()[0].lower()}@mg.exemplo.gov.br"
            focal_points.create(
                mg, by=manager, purpose=purpose, name=name, cpf=cpf, phone=phone, email=email
            )
    if (
        db.session.scalar(
            db.select(TrainingRecord.id).where(TrainingRecord.institution_id == mg.id).limit(1)
        )
        is None
    ):
        term = training.term_deliverable(mg.id, local_today())
        start = term.opens_on if term else local_today()
        for title, offset, days, hours, participants, modality in [
            ("Gestão de parcerias com OSC", 14, 3, 24, 35, "presencial"),
            ("Prestação de contas no Transferegov", 35, 2, 16, 60, "distancia"),
        ]:
            begin = start + timedelta(days=offset)
            training.save_record(
                None,
                institution_id=mg.id,
                by=manager,
                title=title,
                start_on=begin,
                end_on=begin + timedelta(days=days - 1),
                hours=hours,
                participants=participants,
                modality=modality,
            )


def _load_events_and_courses() -> None:
    """A reunião técnica for the Estados, a request to every partner, two courses with classes."""
    from datetime import datetime, time, timedelta


    admin = accounts.find_user("admin@seges.exemplo.gov.br")
    today = local_today()
    if db.session.scalar(db.select(Event.id).limit(1)) is None:
        day = today + timedelta(days=14)
        starts = events.to_utc(datetime.combine(day, time(14, 0)))
        events.convene(
            by=admin,
            kind="reuniao_tecnica",
            title="Reunião técnica dos Estados",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            place="https://videoconferencia.exemplo.gov.br/rede-de-parcerias",
            agenda="1. Abertura\n2. Execução das metas do eixo 1\n3. Encaminhamentos",
            audience="elo",
            audience_value="Estados",
        )
    if db.session.scalar(db.select(InfoRequest.id).limit(1)) is None:
        events.send_request(
            by=admin,
            title="Encaminhar as ações realizadas",
            text="Encaminhem as ações realizadas no semestre para compor o relatório da Rede.",
            due_on=today + timedelta(days=20),
            audience="todos",
        )
    if db.session.scalar(db.select(Course.id).limit(1)) is None:
        for title, hours, modality, opens, starts in [
            ("Gestão de parcerias com OSC (MROSC)", 40, "distancia", -5, 20),
            ("Prestação de contas no Transferegov", 16, "presencial", 30, 60),
        ]:
            course = courses.save_course(
                None,
                by=admin,
                title=title,
                hours=hours,
                modality=modality,
                audience="Servidores dos partícipes",
                description=f"Curso da Rede de Parcerias: {title}.",
            )
            courses.save_class(
                None,
                course=course,
                by=admin,
                enrollment_opens_on=today + timedelta(days=opens),
                enrollment_closes_on=today + timedelta(days=opens + 14),
                starts_on=today + timedelta(days=starts),
                ends_on=today + timedelta(days=starts + 4),
                seats=40,
                place="Online" if modality == "distancia" else "Brasília (DF)",
                enrollment_url="https://escolavirtual.gov.br/",
            )
