"""`portal synth`: a deterministic synthetic federation, and the key pages on it at two sizes."""

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, text

from portal.agreements.models import Agreement, Goal
from portal.auth.models import User
from portal.core.exceptions import DomainError
from portal.deliverables import reviews
from portal.deliverables import services as workspace
from portal.deliverables.models import DELIVERABLE_STATUS, Deliverable, Evidence, Review, Submission
from portal.dev.synth import LOGINS, Sizes, synthesize
from portal.extensions import db
from portal.forum import search
from portal.forum.models import Category, Post, Topic
from portal.institutions.models import Institution
from portal.panel import services as panel
from tests import factories
from tests.clock import ZONE

TODAY = date(2026, 11, 26)
TINY = Sizes(institutions=30, users=100, years=1, topics=50, posts=500)
PASSWORD = "senha-sintetica-longa"


def _synth(sizes: Sizes = TINY, seed: int = 7) -> dict:
    return synthesize(sizes, seed=seed, password=PASSWORD, today=TODAY, echo=lambda _: None)


def _empty() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(text("DELETE FROM forum_search"))


def _snapshot() -> tuple:
    return (
        db.session.execute(db.select(Institution.name, Institution.uf, Institution.parent_id)
                           .order_by(Institution.id).limit(40)).all(),
        db.session.execute(db.select(User.email, User.role).order_by(User.id).limit(20)).all(),
        db.session.execute(db.select(Deliverable.status, func.count()).group_by(
            Deliverable.status).order_by(Deliverable.status)).all(),
        db.session.execute(db.select(Post.topic_id, Post.author_id, Post.body)
                           .order_by(Post.id).limit(30)).all(),
    )


def test_same_seed_gives_the_same_federation(app):
    counts = _synth()
    first = _snapshot()
    _empty()
    assert _synth() == counts
    assert _snapshot() == first
    _empty()
    _synth(seed=8)
    assert _snapshot() != first


def test_refuses_a_database_that_is_not_empty(app, seges):
    with pytest.raises(DomainError, match="não está vazio"):
        _synth()


def _reviewed_deliverable(app) -> int:
    """MG's first untouched 1.1 deliverable, given the same history at every size: sent,
    returned by the admin, sent again — now awaiting analysis, with two versions.

    The benchmark opens MG's deliverable with the most versions instead; which one that is,
    its status and who wrote and reviewed its versions all come from random draws that
    differ with the size, and the pages' statements legitimately depend on them (the
    version awaiting review is loaded only when there is one, the reviewers only when a
    version was reviewed): with the plan's new deliverables, one size drew a submitted
    deliverable with a returned version, the other a draft. Here both sizes open the same
    kind of page."""
    member = db.session.scalar(db.select(User).where(User.email == "membro@mg.exemplo.gov.br"))
    admin = db.session.scalar(db.select(User).where(User.email == "admin@seges.exemplo.gov.br"))
    deliverable = db.session.scalar(
        db.select(Deliverable).join(Goal).where(
            Deliverable.institution_id == member.institution_id, Goal.code == "1.1",
            Deliverable.status == "pending").order_by(Deliverable.id).limit(1))
    with app.test_request_context():
        workspace.save_draft(deliverable, by=member, report="Primeira versão.",
                             covers_from=None, covers_to=None)
        sent = workspace.submit(deliverable, by=member)
        reviews.decide(sent, by=admin, decision="returned", reason_code="other",
                       comment="Complete as evidências.")
        workspace.save_draft(deliverable, by=member, report="Segunda versão.",
                             covers_from=None, covers_to=None)
        workspace.submit(deliverable, by=member)
    db.session.commit()
    return deliverable.id


def _key_pages(deliverable: int) -> dict[str, tuple[str, str]]:
    """The benchmark's pages (tests/perf/bench_pages.py), found the same way, but for the
    deliverable (see :func:`_reviewed_deliverable`)."""
    partner, reviewer = "gestor@mg.exemplo.gov.br", "revisor@seges.exemplo.gov.br"
    return {
        "home": (partner, "/"),
        "deliverable": (partner, f"/entregas/{deliverable}"),
        "courses": (partner, "/cursos"),
        "forum": (partner, "/forum/"),
        "topic": (partner, "/forum/topicos/1"),
        "search": (partner, "/forum/busca?q=transferegov+relatorio"),
        "queue": (reviewer, "/analise"),
        "panel": (reviewer, "/painel"),
        "panel filtered": (reviewer, "/painel?uf=MG&eixo=2&ordem=atrasadas&direcao=desc"),
        "analysis": (reviewer, f"/analise/{deliverable}"),
    }


def _count_queries(app) -> dict[str, int]:
    counts = {}
    for name, (email, url) in _key_pages(_reviewed_deliverable(app)).items():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code \
            == 302
        client.get(url)  # warm up
        counts[name] = factories.queries_for(client, url)
    return counts


def test_key_pages_query_count_does_not_grow_with_the_federation(app):
    # The pages read on the synthesis's day (a 2-year term would have ended in 2028).
    with time_machine.travel(datetime.combine(TODAY, time(12), tzinfo=ZONE)):
        _synth(Sizes(institutions=30, users=80, years=2, topics=20, posts=400))
        small = _count_queries(app)
        _empty()
        _synth(Sizes(institutions=150, users=600, years=3, topics=300, posts=3000))
        large = _count_queries(app)
    assert large == small


# On one tiny federation, synthesised once for the tests below, which only read it. They come
# last: the tests above need an empty database, and it is emptied when the module ends.


@dataclass
class Federation:
    app: Flask
    counts: dict


@pytest.fixture(scope="module")
def tiny(database_uri, own_app, tmp_path_factory):
    with own_app(database_uri, tmp_path_factory.mktemp("tiny-federation")) as app:
        yield Federation(app, _synth())


def test_sizes_states_and_statuses(tiny):
    counts = tiny.counts
    assert counts["institutions"] == 30 and counts["users"] == 100
    assert counts["forum_topics"] == 50 and counts["forum_posts"] == 500
    # SEGES, states (MG and ES first), municipalities with their UF, others.
    assert db.session.scalar(db.select(func.count()).where(Institution.is_secretariat)) == 1
    ufs = set(db.session.scalars(db.select(Institution.uf).where(Institution.uf.is_not(None))))
    assert {"MG", "ES"} <= ufs
    contagem = db.session.scalar(db.select(Institution).where(
        Institution.name == "Prefeitura Municipal de Contagem"))
    assert contagem.uf == "MG" and contagem.parent.name == "Governo do Estado de Minas Gerais"
    # Second layer: an adhesion to the parent's ACT.
    adhesion = db.session.scalar(db.select(Agreement).where(Agreement.partner_id == contagem.id))
    assert adhesion.kind == "TA" and adhesion.parent.partner_id == contagem.parent_id
    statuses = set(db.session.scalars(db.select(Deliverable.status).distinct()))
    assert statuses == set(DELIVERABLE_STATUS)
    for decision in ("approved", "returned"):
        assert db.session.scalar(db.select(func.count()).where(Review.decision == decision))
    assert db.session.scalar(db.select(func.count()).where(Evidence.kind == "file"))
    assert db.session.scalar(db.select(func.count()).where(Evidence.kind == "link"))
    # Every submitted deliverable has its submitted version (what the review queue lists).
    waiting = db.select(Deliverable.id).where(Deliverable.status == "submitted")
    versions = db.select(Submission.deliverable_id).where(Submission.status == "submitted")
    assert set(db.session.scalars(waiting)) == set(db.session.scalars(versions))
    # Topic counters agree with the posts; the benchmark's 200-post topic exists.
    counted = dict(db.session.execute(db.select(Post.topic_id, func.count()).group_by(
        Post.topic_id)).all())
    assert all(counted[t.id] == t.post_count for t in db.session.scalars(db.select(Topic)))
    assert db.session.get(Topic, 1).post_count == 200
    assert sum(db.session.scalars(db.select(Category.topic_count))) == 50


def test_forum_search_finds_synthetic_posts(tiny):
    page = search.search_topics("Transferegov")
    assert page.total > 0
    topic = db.session.get(Topic, page.items[0][0])
    bodies = db.session.scalars(db.select(Post.body).where(Post.topic_id == topic.id))
    assert "transferegov" in " ".join([topic.title, *bodies]).lower()


@pytest.mark.parametrize("email", [email for email, *_ in LOGINS])
def test_known_logins_work_and_pages_render(tiny, email):
    client = tiny.app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    for url in ["/", "/cursos", "/forum/", "/forum/topicos/1", "/forum/busca?q=meta"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("descending", [False, True])
def test_panel_pages_by_name_match_the_whole_aggregate(tiny, descending):
    """The panel aggregates only the page's partners when sorted by name: same rows."""
    filters = panel.PanelFilters()
    whole = db.session.execute(panel.progress_query(filters, TODAY, "nome", descending)).all()
    paged = []
    for number in range(1, len(whole) // 7 + 2):
        with tiny.app.test_request_context(f"/painel?page={number}"):
            page = panel.progress_page(filters, TODAY, "nome", descending, per_page=7)
            paged += page.items
            assert page.total == len(whole)
    assert [tuple(r) for r in paged] == [tuple(r) for r in whole]
