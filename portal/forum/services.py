"""Forum rules: topics, replies, edits, accepted answers, watches, reads and moderation.

Every change is flushed with its audit event and search-index update; the request commits
them together. Topic lists never count posts: ``post_count``/``last_post_at`` live on the topic.
"""

import re
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import attributes, selectinload

from portal.agreements.models import Agreement, Goal
from portal.auth.models import User
from portal.core import audit
from portal.core.exceptions import Conflict, DomainError
from portal.core.formatting import format_number
from portal.core.markdown import render_markdown
from portal.core.models import utcnow
from portal.core.search import fold
from portal.core.urls import path_for
from portal.extensions import db
from portal.forum import search, signals
from portal.forum.models import (
    BODY_MAX,
    TITLE_MAX,
    Category,
    Post,
    PostRevision,
    Report,
    Topic,
    TopicRead,
    Watch,
)

DEFAULT_CATEGORIES = [
    ("melhoria-da-gestao", "Melhoria da Gestão", "Eixo 1: gestão, painéis e indicadores.", False),
    (
        "capacitacao",
        "Capacitação",
        "Eixo 2: cursos, multiplicadores e horas de capacitação.",
        False,
    ),
    (
        "comunicacao-e-transparencia",
        "Comunicação e Transparência",
        "Eixo 3: divulgação, eventos e transparência.",
        False,
    ),
    ("duvidas-gerais", "Dúvidas gerais", "Perguntas sobre a Rede e o portal.", False),
    (
        "boas-praticas",
        "Boas práticas",
        "Experiências que deram certo e podem ser replicadas.",
        False,
    ),
    (
        "resultados-de-fiscalizacoes",
        "Resultados de fiscalizações",
        "Achados e recomendações de órgãos de controle.",
        False,
    ),
    ("avisos-da-seges", "Avisos da SEGES", "Comunicados da Secretaria-Executiva da Rede.", True),
]

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


# Categories -----------------------------------------------------------------------------


def ensure_default_categories() -> list[Category]:
    """Create the seeded categories that are missing (idempotent)."""
    existing = {c.slug: c for c in db.session.scalars(db.select(Category))}
    for position, (slug, name, description, seges_only) in enumerate(DEFAULT_CATEGORIES, 1):
        if slug not in existing:
            existing[slug] = Category(
                slug=slug,
                name=name,
                description=description,
                position=position,
                seges_only=seges_only,
            )
            db.session.add(existing[slug])
    db.session.flush()
    return categories()


def categories() -> list[Category]:
    return list(db.session.scalars(db.select(Category).order_by(Category.position, Category.name)))


def _slugify(name: str) -> str:
    folded = fold(name)
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:60] or "categoria"


def save_category(
    category: Category | None,
    *,
    by,
    name: str,
    description: str,
    position: int,
    seges_only: bool,
) -> Category:
    name = (name or "").strip()
    slug = _slugify(name)
    clash = db.session.scalar(db.select(Category).where(Category.slug == slug))
    if clash is not None and clash is not category:
        raise DomainError("Já existe uma categoria com este nome.", field="name")
    creating = category is None
    if creating:
        category = Category(slug=slug)
        db.session.add(category)
    category.slug = slug
    category.name = name
    category.description = (description or "").strip()
    category.position = position or 0
    category.seges_only = bool(seges_only)
    audit.record(
        "forum.category_created" if creating else "forum.category_updated",
        category,
        actor=by,
        name=name,
        seges_only=category.seges_only,
    )
    db.session.flush()
    return category


# Text -----------------------------------------------------------------------------------


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if len(title) < 5:
        raise DomainError("Escreva um título com pelo menos 5 caracteres.", field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(f"O título pode ter no máximo {TITLE_MAX} caracteres.", field="title")
    return title


def _clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError("Escreva a mensagem.", field="body")
    if len(body) > BODY_MAX:
        raise DomainError(
            f"A mensagem pode ter no máximo {format_number(BODY_MAX)} caracteres.",
            field="body",
        )
    return body


def mentioned_users(body: str) -> list[User]:
    """Active users whose e-mail is mentioned as ``@email``; unknown ones are ignored."""
    emails = {m.lower() for m in MENTION.findall(body or "")}
    if not emails:
        return []
    return list(
        db.session.scalars(
            db.select(User).where(func.lower(User.email).in_(emails), User.active.is_(True))
        )
    )


def topic_url(topic_id: int, post_id: int | None = None) -> str:
    anchor = f"mensagem-{post_id}" if post_id else None
    return path_for("forum.topic", topic_id=topic_id, _anchor=anchor)


# Goals ----------------------------------------------------------------------------------


def goal(goal_id: int) -> Goal | None:
    return db.session.get(Goal, goal_id)


def goal_choices(user, include_id: int | None = None) -> list[Goal]:
    """Goals a user may link a topic to: those of their institution's agreements, and
    ``include_id``, a goal the caller has checked the user may see."""
    query = (
        db.select(Goal)
        .join(Goal.agreement)
        .where(
            or_(
                Agreement.partner_id == user.institution_id,
                Goal.id == (include_id or 0),
            )
        )
        .order_by(Agreement.id, Goal.position)
        .limit(200)
    )
    return list(db.session.scalars(query))


def topics_for_goal(goal_id: int, limit: int = 5) -> list[Topic]:
    """Topics linked to a goal ("Perguntas sobre esta meta"): solved first, then recent."""
    return list(
        db.session.scalars(
            db.select(Topic)
            .where(Topic.goal_id == goal_id)
            .order_by(Topic.solved.desc(), Topic.last_post_at.desc())
            .limit(limit)
        )
    )


# Topics and posts -----------------------------------------------------------------------


def create_topic(
    category: Category, *, by: User, title: str, body: str, goal_id: int | None = None
) -> Topic:
    if category.seges_only and not by.is_seges:
        raise DomainError("Só a SEGES pode abrir tópicos nesta categoria.")
    title, body = _clean_title(title), _clean_body(body)
    goal = db.session.get(Goal, goal_id) if goal_id else None
    if goal_id and goal is None:
        raise DomainError("Meta não encontrada.", field="goal_id")
    now = utcnow()
    topic = Topic(
        category=category,
        author=by,
        title=title,
        goal=goal,
        post_count=1,
        last_post_at=now,
        last_poster=by,
        created_at=now,
    )
    post = Post(
        topic=topic,
        number=1,
        author=by,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    db.session.add_all([topic, post])
    db.session.execute(
        db.update(Category)
        .where(Category.id == category.id)
        .values(topic_count=Category.topic_count + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(category, ["topic_count"])
    db.session.flush()
    db.session.add(Watch(user_id=by.id, topic_id=topic.id))  # authors follow their topics
    db.session.add(TopicRead(user_id=by.id, topic_id=topic.id, read_at=now))
    search.index_post(post, title=title)
    signals.post_published.send(post, topic=topic, by=by, category_only=True)
    audit.record("forum.topic_created", topic, actor=by, category=category.slug)
    db.session.flush()
    return topic


def reply(topic: Topic, *, by: User, body: str) -> Post:
    if topic.locked:
        raise Conflict("Este tópico está trancado: não aceita novas respostas.")
    body = _clean_body(body)
    now = utcnow()
    number = db.session.execute(
        db.update(Topic)
        .where(Topic.id == topic.id)
        .values(post_count=Topic.post_count + 1, last_post_at=now, last_poster_id=by.id)
        .returning(Topic.post_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    attributes.set_committed_value(topic, "post_count", number)
    attributes.set_committed_value(topic, "last_post_at", now)
    post = Post(
        topic_id=topic.id,
        number=number,
        author=by,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    _mark_read(topic, by, now)
    search.index_post(post)
    signals.post_published.send(post, topic=topic, by=by, category_only=False)
    audit.record("forum.post_created", post, actor=by, topic_id=topic.id)
    db.session.flush()
    return post


def edit_post(post: Post, *, by: User, body: str) -> Post:
    if post.author_id != by.id:
        raise DomainError("Só o autor pode editar a mensagem.")
    if post.hidden:
        raise Conflict("Mensagens ocultadas pela moderação não podem ser editadas.")
    body = _clean_body(body)
    if body == post.body:
        return post
    db.session.add(PostRevision(post_id=post.id, body=post.body, edited_by_id=by.id))
    post.body, post.body_html = body, render_markdown(body)
    post.edit_count += 1
    post.edited_at = utcnow()
    search.index_post(post, title=post.topic.title if post.is_question else None)
    audit.record("forum.post_edited", post, actor=by, topic_id=post.topic_id)
    db.session.flush()
    return post


def revisions(post: Post) -> list[PostRevision]:
    return list(
        db.session.scalars(
            db.select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )


def accept_answer(post: Post, *, by: User) -> None:
    topic = post.topic
    if not (by.id == topic.author_id or by.is_seges):
        raise DomainError("Só o autor do tópico ou a SEGES pode marcar a resposta aceita.")
    if post.is_question or post.hidden:
        raise DomainError("Escolha uma resposta visível como resposta aceita.")
    if post.accepted:  # a double click or a second moderator: nothing new to tell anyone
        return
    db.session.execute(
        db.update(Post)
        .where(Post.topic_id == topic.id, Post.accepted.is_(True))
        .values(accepted=False)
        .execution_options(synchronize_session=False)
    )
    post.accepted = True
    topic.solved = True
    signals.answer_accepted.send(post, topic=topic, by=by)
    audit.record("forum.answer_accepted", post, actor=by, topic_id=topic.id)
    db.session.flush()


def accepted_answer(topic: Topic) -> Post | None:
    return db.session.scalar(
        db.select(Post).where(Post.topic_id == topic.id, Post.accepted.is_(True))
    )


def posts_page(topic: Topic, page: int, per_page: int):
    return db.paginate(
        db.select(Post).where(Post.topic_id == topic.id).order_by(Post.number),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def page_of(post: Post, per_page: int) -> int:
    """The page a post is on; numbers have gaps once replies are deleted, so count."""
    position = db.session.scalar(
        db.select(func.count(Post.id)).where(Post.topic_id == post.topic_id,
                                             Post.number <= post.number))
    return (position - 1) // per_page + 1


# Lists and reads ------------------------------------------------------------------------


def topics_query(category: Category | None = None):
    """Pinned first, then by last activity; author, last poster and category joined in."""
    query = db.select(Topic).order_by(
        Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc()
    )
    if category is not None:
        query = query.where(Topic.category_id == category.id)
    return query


def unread_ids(user: User, topics: list[Topic]) -> set[int]:
    """Which of these topics have activity the user has not seen (one query)."""
    if not topics:
        return set()
    reads = dict(
        db.session.execute(
            db.select(TopicRead.topic_id, TopicRead.read_at).where(
                TopicRead.user_id == user.id,
                TopicRead.topic_id.in_([t.id for t in topics]),
            )
        ).all()
    )
    return {t.id for t in topics if t.id not in reads or _after(t.last_post_at, reads[t.id])}


def _after(a: datetime, b: datetime) -> bool:
    return a.replace(tzinfo=None) > b.replace(tzinfo=None)


def mark_read(topic: Topic, user: User) -> None:
    _mark_read(topic, user, utcnow())
    db.session.flush()


def _mark_read(topic: Topic, user: User, when: datetime) -> None:
    read = db.session.get(TopicRead, (user.id, topic.id))
    if read is None:
        db.session.add(TopicRead(user_id=user.id, topic_id=topic.id, read_at=when))
    else:
        read.read_at = when


# Watching -------------------------------------------------------------------------------


def _watch_filter(user: User, topic: Topic | None, category: Category | None):
    return db.select(Watch).where(
        Watch.user_id == user.id,
        Watch.topic_id == topic.id if topic else Watch.topic_id.is_(None),
        Watch.category_id == category.id if category else Watch.category_id.is_(None),
    )


def is_watching(user: User, *, topic: Topic | None = None, category: Category | None = None):
    return db.session.scalar(_watch_filter(user, topic, category)) is not None


def toggle_watch(user: User, *, topic: Topic | None = None, category: Category | None = None):
    """Follow or stop following; returns True when now following."""
    watch = db.session.scalar(_watch_filter(user, topic, category))
    if watch is None:
        db.session.add(
            Watch(
                user_id=user.id,
                topic_id=topic.id if topic else None,
                category_id=category.id if category else None,
            )
        )
    else:
        db.session.delete(watch)
    db.session.flush()
    return watch is None


# Moderation -----------------------------------------------------------------------------


def hide_post(post: Post, *, by: User) -> None:
    if post.hidden:
        return
    post.hidden, post.hidden_at, post.hidden_by_id = True, utcnow(), by.id
    search.remove_post(post.id)
    if post.accepted:
        post.accepted = False
        post.topic.solved = False
    audit.record("forum.post_hidden", post, actor=by, topic_id=post.topic_id)
    db.session.flush()


def unhide_post(post: Post, *, by: User) -> None:
    if not post.hidden:
        return
    post.hidden, post.hidden_at, post.hidden_by_id = False, None, None
    search.index_post(post, title=post.topic.title if post.is_question else None)
    audit.record("forum.post_unhidden", post, actor=by, topic_id=post.topic_id)
    db.session.flush()


def delete_post(post: Post, *, by: User) -> None:
    """Remove a reply for good (the question goes with its topic: hide it instead)."""
    if post.is_question:
        raise DomainError("A pergunta não pode ser excluída; oculte-a se necessário.")
    topic = post.topic
    if post.accepted:
        topic.solved = False
    search.remove_post(post.id)
    audit.record("forum.post_deleted", post, actor=by, topic_id=topic.id, number=post.number)
    db.session.delete(post)
    db.session.flush()


def set_locked(topic: Topic, locked: bool, *, by: User) -> None:
    topic.locked = locked
    audit.record("forum.topic_locked" if locked else "forum.topic_unlocked", topic, actor=by)
    db.session.flush()


def set_pinned(topic: Topic, pinned: bool, *, by: User) -> None:
    topic.pinned = pinned
    audit.record("forum.topic_pinned" if pinned else "forum.topic_unpinned", topic, actor=by)
    db.session.flush()


def move_topic(topic: Topic, category: Category, *, by: User) -> None:
    if category.id == topic.category_id:
        raise DomainError("O tópico já está nesta categoria.", field="category_id")
    old = topic.category
    for cat, delta in ((old, -1), (category, 1)):
        db.session.execute(
            db.update(Category)
            .where(Category.id == cat.id)
            .values(topic_count=Category.topic_count + delta)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(cat, ["topic_count"])
    topic.category = category
    audit.record("forum.topic_moved", topic, actor=by, source=old.slug, target=category.slug)
    db.session.flush()


def report_post(post: Post, *, by: User, reason: str) -> Report:
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Explique o motivo da denúncia (ao menos 5 caracteres).", field="reason")
    report = Report(post_id=post.id, reporter_id=by.id, reason=reason[:500])
    db.session.add(report)
    audit.record("forum.post_reported", post, actor=by, topic_id=post.topic_id)
    db.session.flush()
    return report


def open_reports_query():
    return (
        db.select(Report)
        .where(Report.resolved_at.is_(None))
        .options(selectinload(Report.post).selectinload(Post.topic))
        .order_by(Report.created_at, Report.id)
    )


def resolve_report(report: Report, *, by: User) -> None:
    if report.resolved_at is None:
        report.resolved_at, report.resolved_by_id = utcnow(), by.id
        audit.record("forum.report_resolved", report, actor=by, post_id=report.post_id)
        db.session.flush()


def topics_by_id(ids: list[int]) -> dict[int, Topic]:
    topics = db.session.scalars(db.select(Topic).where(Topic.id.in_(ids)))
    return {topic.id: topic for topic in topics}
