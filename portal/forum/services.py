"""Forum rules: topics, replies, edits, accepted answers, watches, reads and moderation.

Every change is flushed with its audit event and search-index update; the request commits
them together. Topic lists never count posts: ``post_count``/``last_post_at`` live on the topic.
"""

import re
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, inspect, or_
from sqlalchemy.orm import aliased, attributes, noload, selectinload
from werkzeug.datastructures import FileStorage

from portal.agreements.models import Agreement, Goal
from portal.auth.models import User
from portal.core import audit, cache, pagination
from portal.core.exceptions import Conflict, DomainError
from portal.core.formatting import format_number
from portal.core.markdown import render_markdown
from portal.core.models import utcnow
from portal.core.search import fold
from portal.core.storage import max_upload_bytes, storage
from portal.core.urls import path_for
from portal.extensions import db
from portal.forum import search, signals
from portal.forum.models import (
    BODY_MAX,
    TITLE_MAX,
    Attachment,
    Category,
    Mention,
    Post,
    PostRevision,
    Report,
    Topic,
    TopicRead,
    Vote,
    Watch,
)
from portal.institutions.models import Institution

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

# A mention as stored: ``@[Nome](user:123)`` (what the suggestion list inserts).
MENTION = re.compile(r"@\[([^\[\]\n]{1,200})\]\(user:(\d{1,10})\)")
# A mention typed the old way, ``@e-mail``: rewritten to the stored form when the post is saved,
# so the address is never kept in (nor shown from) the post.
EMAIL_MENTION = re.compile(
    r"(?<![\w@\[])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
)
MAX_FILES_PER_POST = 5
MAX_MENTION_SUGGESTIONS = 8


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


def mentioned_ids(body: str) -> list[int]:
    """The user ids a text mentions (``@[Nome](user:123)``), in order, without repeats."""
    seen: dict[int, None] = {}
    for _name, user_id in MENTION.findall(body or ""):
        seen.setdefault(int(user_id), None)
    return list(seen)


def mentioned_users(body: str) -> list[User]:
    """Active users a text mentions; unknown or inactive ids are ignored."""
    ids = mentioned_ids(body)
    if not ids:
        return []
    return list(
        db.session.scalars(db.select(User).where(User.id.in_(ids), User.active.is_(True)))
    )


def _mentions_by_id(body: str) -> str:
    """Rewrite ``@e-mail`` mentions of active users as ``@[Nome](user:id)``."""
    emails = {m.lower() for m in EMAIL_MENTION.findall(body)}
    if not emails:
        return body
    found = {
        u.email.lower(): u
        for u in db.session.scalars(
            db.select(User).where(func.lower(User.email).in_(emails), User.active.is_(True))
        )
    }

    def _by_id(match: re.Match) -> str:
        user = found.get(match.group(1).lower())
        return f"@[{_link_text(user.name)}](user:{user.id})" if user else match.group(0)

    return EMAIL_MENTION.sub(_by_id, body)


def _link_text(name: str) -> str:
    return re.sub(r"[\[\]\n]", " ", name).strip()


def render_post(body: str) -> str:
    """A post's HTML: mentions become links to the person's card (current name, no e-mail)."""
    users = {u.id: u for u in mentioned_users(body)}

    def _link(match: re.Match) -> str:
        user = users.get(int(match.group(2)))
        if user is None:  # unknown or inactive: the name as it was written, not linked
            return "@" + match.group(1).replace("*", "\\*").replace("_", "\\_")
        url = path_for("forum.person", user_id=user.id)
        return f"[@{_link_text(user.name)}]({url} \"Ver o cartão de {_link_text(user.name)}\")"

    return str(render_markdown(MENTION.sub(_link, body)))


def plain_text(body: str) -> str:
    """A post's text without Markdown: what search snippets and suggestions quote."""
    text = MENTION.sub(lambda m: "@" + m.group(1), body or "")
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"^\s{0,3}(#{1,6}|>+|[-*+]|\d+[.)])\s+", "", text, flags=re.M)
    text = re.sub(r"(\*\*|__|\*|_|~~|`+)", "", text)
    return " ".join(text.split())


def people_suggestions(query: str | None, *, exclude_id: int | None = None) -> list[User]:
    """Active people whose name (or institution acronym) starts a word with ``query``:
    the mention suggestion list. Never searches by e-mail."""
    words = re.findall(r"\w+", query or "")[:3]
    if not words:
        return []
    conditions = [
        or_(
            search.starts_a_word(User.name, word),
            search.starts_a_word(Institution.acronym, word, accents=False),
        )
        for word in words
    ]
    stmt = (
        db.select(User)
        .join(Institution, Institution.id == User.institution_id)
        .where(User.active.is_(True), *conditions)
        .order_by(User.name, User.id)
        .limit(MAX_MENTION_SUGGESTIONS)
    )
    if exclude_id:
        stmt = stmt.where(User.id != exclude_id)
    return list(db.session.scalars(stmt))


def person(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def useful_votes_received(user: User) -> int:
    return db.session.scalar(
        db.select(func.coalesce(func.sum(Post.useful_count), 0)).where(
            Post.author_id == user.id, Post.hidden.is_(False)
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


def suggested_category(goal: Goal | None) -> Category | None:
    """The category a question about ``goal`` usually goes to: where most topics linked to
    goals of the same code are; failing that, the category of the goal's first eixo. With no
    goal: "Dúvidas gerais"."""
    if goal is None:
        return db.session.scalar(db.select(Category).where(Category.slug == "duvidas-gerais"))
    same_code = db.select(Goal.id).where(Goal.code == goal.code)
    usual = db.session.scalar(
        db.select(Topic.category_id)
        .where(Topic.goal_id.in_(same_code))
        .group_by(Topic.category_id)
        .order_by(func.count().desc(), Topic.category_id)
        .limit(1)
    )
    if usual is not None:
        return db.session.get(Category, usual)
    by_axis = {1: "melhoria-da-gestao", 2: "capacitacao", 3: "comunicacao-e-transparencia"}
    slug = next((by_axis[a] for a in (goal.axes or []) if a in by_axis), "duvidas-gerais")
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def create_topic(
    category: Category,
    *,
    by: User,
    title: str,
    body: str,
    goal_id: int | None = None,
    files: list[FileStorage] = (),
) -> Topic:
    if category.seges_only and not by.is_seges:
        raise DomainError("Só a SEGES pode abrir tópicos nesta categoria.", field="category_id")
    title, body = _clean_title(title), _mentions_by_id(_clean_body(body))
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
        body_html=render_post(body),
        created_at=now,
        attachments=[],
    )
    db.session.add_all([topic, post])
    db.session.flush()
    _attach(post, files, by=by)
    _subscribe(by.id, topic)  # authors follow their topics
    db.session.add(TopicRead(user_id=by.id, topic_id=topic.id, read_at=now))
    recount(topic)
    search.index_post(post, title=title)
    _record_mentions(post, by=by)
    signals.post_published.send(post, topic=topic, by=by, category_only=True)
    audit.record("forum.topic_created", topic, actor=by, category=category.slug)
    db.session.flush()
    return topic


def reply(topic: Topic, *, by: User, body: str, files: list[FileStorage] = ()) -> Post:
    if topic.locked:
        raise Conflict("Este tópico está trancado: não aceita novas respostas.")
    body = _mentions_by_id(_clean_body(body))
    now = utcnow()
    # The update takes the topic's row lock first (PostgreSQL), so two replies never get
    # the same number; numbers keep their gaps once replies are deleted.
    db.session.execute(
        db.update(Topic)
        .where(Topic.id == topic.id)
        .values(last_post_at=now, last_poster_id=by.id)
        .execution_options(synchronize_session=False)
    )
    for name, value in (("last_post_at", now), ("last_poster_id", by.id), ("last_poster", by)):
        attributes.set_committed_value(topic, name, value)
    number = 1 + db.session.scalar(
        db.select(func.coalesce(func.max(Post.number), 0)).where(Post.topic_id == topic.id)
    )
    post = Post(
        topic_id=topic.id,
        number=number,
        author=by,
        body=body,
        body_html=render_post(body),
        created_at=now,
        attachments=[],
    )
    db.session.add(post)
    db.session.flush()
    _attach(post, files, by=by)
    _subscribe(by.id, topic)  # whoever replies follows the topic (and may stop following)
    _mark_read(topic, by, now)
    recount(topic)
    search.index_post(post)
    _record_mentions(post, by=by)
    signals.post_published.send(post, topic=topic, by=by, category_only=False)
    audit.record("forum.post_created", post, actor=by, topic_id=topic.id)
    db.session.flush()
    return post


def edit_post(post: Post, *, by: User, body: str) -> Post:
    if post.author_id != by.id:
        raise DomainError("Só o autor pode editar a mensagem.")
    if post.hidden:
        raise Conflict("Mensagens ocultadas pela moderação não podem ser editadas.")
    body = _mentions_by_id(_clean_body(body))
    if body == post.body:
        return post
    db.session.add(PostRevision(post_id=post.id, body=post.body, edited_by_id=by.id))
    post.body, post.body_html = body, render_post(body)
    post.edit_count += 1
    post.edited_at = utcnow()
    recount(post.topic)
    search.index_post(post, title=post.topic.title if post.is_question else None)
    added = _record_mentions(post, by=by)
    if added:
        signals.mentions_added.send(post, topic=post.topic, by=by, user_ids=added)
    audit.record("forum.post_edited", post, actor=by, topic_id=post.topic_id)
    db.session.flush()
    return post


# Counters -------------------------------------------------------------------------------


def recount(topic: Topic, *, also: Category | None = None) -> None:
    """The one place forum counters change, after every post, edit, hide, unhide, delete
    and move: the topic's posts (its question, hidden or not, and its visible replies), then
    its category's topics and posts
    (and ``also``'s, the category a topic was moved from). Counted in SQL, never by delta,
    so a counter that was ever wrong is right again after the next change."""
    db.session.flush()
    visible = (
        db.select(func.count(Post.id))
        .where(Post.topic_id == Topic.id, or_(Post.hidden.is_(False), Post.number == 1))
        .scalar_subquery()
    )
    count = db.session.execute(
        db.update(Topic)
        .where(Topic.id == topic.id)
        .values(post_count=visible)
        .returning(Topic.post_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    attributes.set_committed_value(topic, "post_count", count)
    for category_id in {topic.category_id, also.id if also else None} - {None}:
        in_category = Topic.category_id == Category.id
        topics, posts = db.session.execute(
            db.update(Category)
            .where(Category.id == category_id)
            .values(
                topic_count=db.select(func.count(Topic.id)).where(in_category).scalar_subquery(),
                post_count=db.select(func.coalesce(func.sum(Topic.post_count), 0))
                .where(in_category)
                .scalar_subquery(),
            )
            .returning(Category.topic_count, Category.post_count)
            .execution_options(synchronize_session=False)
        ).one()
        category = db.session.get(Category, category_id)
        attributes.set_committed_value(category, "topic_count", topics)
        attributes.set_committed_value(category, "post_count", posts)


# Subscriptions and mentions -------------------------------------------------------------


def _subscribe(user_id: int, topic: Topic) -> None:
    exists = db.session.scalar(
        db.select(Watch.id).where(Watch.user_id == user_id, Watch.topic_id == topic.id)
    )
    if exists is None:
        db.session.add(Watch(user_id=user_id, topic_id=topic.id))
        db.session.flush()


def _record_mentions(post: Post, *, by: User) -> list[int]:
    """Store who the post mentions; returns those mentioned for the first time in it (each
    person is told once per post, even when an edit removes and adds them again). The
    mentioned follow the topic."""
    ids = {u.id for u in mentioned_users(post.body)} - {by.id}
    if not ids:
        return []
    known = set(
        db.session.scalars(db.select(Mention.user_id).where(Mention.post_id == post.id))
    )
    added = sorted(ids - known)
    for user_id in added:
        db.session.add(Mention(post_id=post.id, user_id=user_id))
        _subscribe(user_id, post.topic)
    db.session.flush()
    return added


# Attachments ----------------------------------------------------------------------------


def _attach(post: Post, files: list[FileStorage], *, by: User) -> list[Attachment]:
    """Store every file with the post, or none (the request rolls back, files included)."""
    files = [f for f in files or () if f and f.filename]
    if len(files) > MAX_FILES_PER_POST:
        raise DomainError(
            f"Anexe no máximo {MAX_FILES_PER_POST} arquivos por mensagem.", field="files"
        )
    store, added = storage(), []
    for upload in files:
        stored = store.save(upload.stream, upload.filename or "", max_bytes=max_upload_bytes())
        attachment = Attachment(post_id=post.id, uploaded_by_id=by.id, **asdict(stored))
        post.attachments.append(attachment)
        audit.record(
            "forum.attachment_uploaded",
            post,
            actor=by,
            name=stored.original_name,
            size=stored.size,
            sha256=stored.sha256,
        )
        added.append(attachment)
    db.session.flush()
    return added


# Useful votes ---------------------------------------------------------------------------


def toggle_useful(post: Post, *, by: User) -> bool:
    """Mark a reply useful, or take the vote back; returns True when now voted."""
    if post.is_question or post.hidden:
        raise DomainError("Só respostas visíveis podem ser marcadas como úteis.")
    if post.author_id == by.id:
        raise DomainError("Você não pode marcar a sua própria resposta como útil.")
    vote = db.session.get(Vote, (post.id, by.id))
    if vote is None:
        db.session.add(Vote(post_id=post.id, user_id=by.id))
    else:
        db.session.delete(vote)
    db.session.flush()
    count = db.session.execute(
        db.update(Post)
        .where(Post.id == post.id)
        .values(
            useful_count=db.select(func.count())
            .select_from(Vote)
            .where(Vote.post_id == Post.id)
            .scalar_subquery()
        )
        .returning(Post.useful_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    attributes.set_committed_value(post, "useful_count", count)
    audit.record(
        "forum.post_voted" if vote is None else "forum.post_unvoted",
        post,
        actor=by,
        topic_id=post.topic_id,
    )
    db.session.flush()
    return vote is None


def voted_ids(user: User, posts: list) -> set[int]:
    """Which of ``posts`` (anything with an ``id``) the user found useful."""
    if not posts:
        return set()
    return set(
        db.session.scalars(
            db.select(Vote.post_id).where(
                Vote.user_id == user.id, Vote.post_id.in_([p.id for p in posts])
            )
        )
    )


def best_answers(topic: Topic, useful: int = 3) -> tuple[Post | None, list[Post]]:
    """The accepted answer and the replies people found most useful (at least one vote,
    the accepted one apart), in one query: what goes right under the question."""
    rows = list(
        db.session.scalars(
            db.select(Post)
            .where(
                Post.topic_id == topic.id,
                Post.hidden.is_(False),
                Post.number > 1,
                or_(Post.accepted.is_(True), Post.useful_count > 0),
            )
            .order_by(Post.accepted.desc(), Post.useful_count.desc(), Post.number)
            .options(noload(Post.attachments))  # shown with the post itself
            .limit(useful + 1)
        )
    )
    accepted = rows[0] if rows and rows[0].accepted else None
    return accepted, [p for p in rows if not p.accepted][:useful]


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


# The version a topic's kept pages follow: every write to the forum's topics, posts, votes,
# attachments and categories and to goals, and a change to what a post shows of its author.
TOPIC_PAGE_VERSION = "forum-topic-pages"
_SHOWN_OF_AUTHORS = {User: ("name", "role", "institution_id"), Institution: ("name", "acronym")}


def _topic_page_versions(objects: list) -> list[str]:
    for obj in objects:
        shown = _SHOWN_OF_AUTHORS.get(type(obj))
        if shown is None or any(inspect(obj).attrs[name].history.has_changes() for name in shown):
            return [TOPIC_PAGE_VERSION]
    return []  # a login, a password change: nothing a topic shows


cache.track((Topic, Post, Vote, Attachment, Category, Goal, User, Institution),
            _topic_page_versions, bulk=[TOPIC_PAGE_VERSION])


class PostMark(NamedTuple):
    """What a reader's rights and marks on a post depend on (the attributes the policy and
    :func:`first_unread_id` read), without loading the post."""

    id: int
    number: int
    author_id: int
    hidden: bool
    created_at: datetime
    topic: Topic


def post_marks(topic: Topic, page: int, per_page: int) -> list[PostMark]:
    """The marks of a page of the topic's posts, kept until the forum's posts change."""

    def compute() -> list[tuple]:
        select = db.select(Post.id, Post.number, Post.author_id, Post.hidden, Post.created_at)
        rows = db.session.execute(pagination.page_of(
            select.where(Post.topic_id == topic.id).order_by(Post.number),
            per_page, (page - 1) * per_page)).tuples().all()
        return [tuple(row) for row in rows]

    rows = cache.cached(f"forum:marks:{topic.id}:{page}:{per_page}", [TOPIC_PAGE_VERSION], compute)
    return [PostMark(*row, topic) for row in rows]


def posts_page(topic: Topic, page: int, per_page: int):
    return db.paginate(
        db.select(Post).where(Post.topic_id == topic.id).order_by(Post.number),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def pages_of(posts: list[Post], per_page: int) -> dict[int, int]:
    """The page each of these posts (of one topic) is on, in one query."""
    if not posts:
        return {}
    earlier = aliased(Post)
    position = (
        db.select(func.count(earlier.id))
        .where(earlier.topic_id == Post.topic_id, earlier.number <= Post.number)
        .scalar_subquery()
    )
    rows = db.session.execute(
        db.select(Post.id, position).where(Post.id.in_([p.id for p in posts]))
    ).all()
    return {post_id: (count - 1) // per_page + 1 for post_id, count in rows}


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


def topic_count(categories: Category | list[Category]) -> int:
    """How many topics a list of ``topics_query`` has: the categories' own counters (kept by
    every change that adds, moves or removes a topic), so a list's total and the count shown
    beside each category are the same number — and 50,000 topics are not counted again on
    every visit to the forum."""
    if isinstance(categories, Category):
        return categories.topic_count
    return sum(category.topic_count for category in categories)


def unread_ids(user: User, topics: list) -> set[int]:
    """Which of these topics (anything with their ``id`` and ``last_post_at``: topics, or a
    kept list's rows) have activity the user has not seen (one query)."""
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


class ReaderMarks(NamedTuple):
    read: TopicRead | None  # the reader's read mark (None: never read)
    watching: bool
    voted: set[int]  # the posts of the page the reader found useful


def reader_marks(topic: Topic, user: User, posts: list) -> ReaderMarks:
    """What a reader has done with a topic and a page of its posts (anything with an ``id``):
    one statement, and a second only when they voted on the page. The read mark stays in the
    session for :func:`mark_read`, which then updates it without reading it again."""
    votes = (db.select(func.count()).select_from(Vote)
             .where(Vote.user_id == user.id, Vote.post_id.in_([p.id for p in posts]))
             .scalar_subquery())
    read, watching, voted = db.session.execute(
        db.select(TopicRead, _watch_filter(user, topic, None).exists(), votes)
        .select_from(Topic)
        .outerjoin(TopicRead, (TopicRead.topic_id == Topic.id) & (TopicRead.user_id == user.id))
        .where(Topic.id == topic.id)
    ).one()
    return ReaderMarks(read, bool(watching), voted_ids(user, posts) if voted else set())


def first_unread_id(posts, read_at: datetime | None, user: User) -> int | None:
    """The first post of ``posts`` written by someone else since ``read_at``: where
    "Novas respostas desde a sua última visita" goes (None on a first visit)."""
    if read_at is None:
        return None
    for post in posts:
        if post.author_id != user.id and _after(post.created_at, read_at):
            return post.id
    return None


def mark_read(topic: Topic, user: User) -> None:
    """The user has seen the topic as it is now. A mark already later than the topic's last
    post is left alone: moving it would change no unread mark and no "Novas respostas" line,
    so visiting a topic with nothing new writes nothing."""
    read = db.session.get(TopicRead, (user.id, topic.id))  # held since reader_marks(): no query
    if read is not None and not _after(topic.last_post_at, read.read_at):
        return
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
    recount(post.topic)
    audit.record("forum.post_hidden", post, actor=by, topic_id=post.topic_id)
    db.session.flush()


def unhide_post(post: Post, *, by: User) -> None:
    if not post.hidden:
        return
    post.hidden, post.hidden_at, post.hidden_by_id = False, None, None
    search.index_post(post, title=post.topic.title if post.is_question else None)
    recount(post.topic)
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
    for attachment in post.attachments:
        storage().delete(attachment.stored_name)  # once the deletion commits
    db.session.delete(post)
    recount(topic)


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
    topic.category = category
    recount(topic, also=old)
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


def unanswered_query():
    """Open questions nobody has answered yet (no visible reply), oldest first: the
    moderators' "Perguntas sem resposta"."""
    return (
        db.select(Topic)
        .where(Topic.solved.is_(False), Topic.post_count <= 1)
        .order_by(Topic.created_at, Topic.id)
    )


def goal_codes() -> list[str]:
    """The goal codes of the Rede's plans (the search's "Meta" filter): kept with the
    searches, whose version follows goals (a distinct over every plan's goals, 3 ms at
    federation size on PostgreSQL, for every search page)."""
    return cache.cached("forum-goal-codes", [search.VERSION], _goal_codes)


def _goal_codes() -> list[str]:
    codes = db.session.scalars(db.select(Goal.code).distinct())
    return sorted(codes, key=lambda c: [int(p) if p.isdigit() else 0 for p in c.split(".")] + [c])


PERIODS = {"30d": 30, "6m": 183, "12m": 365}


def period_start(period: str | None) -> datetime | None:
    """When a search's period (``PERIODS``) starts, to the minute: the same filter for a
    whole minute, so the searches kept in the cache can be reused."""
    days = PERIODS.get(period or "")
    if not days:
        return None
    return (utcnow() - timedelta(days=days)).replace(second=0, microsecond=0)


def topics_by_id(ids: list[int]) -> dict[int, Topic]:
    topics = db.session.scalars(db.select(Topic).where(Topic.id.in_(ids)))
    return {topic.id: topic for topic in topics}
