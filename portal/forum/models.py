"""Forum models: category → topic → post, plus read marks, watches, revisions and reports.

Reply counts and last activity are stored on the topic (updated by the services) so that
topic lists never aggregate posts. Full-text search lives in ``forum_search``, a table
managed by :mod:`portal.forum.search` (FTS5 on SQLite, tsvector on PostgreSQL).
"""

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.models import utcnow
from portal.extensions import db

TITLE_MAX = 150
BODY_MAX = 20_000


class Category(db.Model):
    __tablename__ = "forum_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    # Only SEGES opens topics here (e.g. "Avisos da SEGES"); everyone may reply.
    seges_only: Mapped[bool] = mapped_column(default=False)
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0, server_default="0")  # visible posts
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Topic(db.Model):
    __tablename__ = "forum_topics"
    __table_args__ = (
        db.Index("ix_forum_topics_category_activity", "category_id", "pinned", "last_post_at"),
        db.Index("ix_forum_topics_activity", "pinned", "last_post_at"),
        db.Index("ix_forum_topics_unanswered", "solved", "post_count", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    solved: Mapped[bool] = mapped_column(default=False)
    # The question (always) and the replies neither hidden nor deleted: kept by
    # services.recount, the one place counters change.
    post_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    author: Mapped["User"] = relationship(foreign_keys=[author_id], lazy="joined")  # noqa: F821
    last_poster: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[last_poster_id], lazy="joined"
    )
    goal: Mapped["Goal | None"] = relationship()  # noqa: F821

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.title[:30]!r}>"


class Post(db.Model):
    """A message in a topic. Number 1 is the question; the others are replies."""

    __tablename__ = "forum_posts"
    __table_args__ = (db.UniqueConstraint("topic_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(db.Text)
    body_html: Mapped[str] = mapped_column(db.Text)  # sanitised rendering of body
    accepted: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edit_count: Mapped[int] = mapped_column(default=0)
    useful_count: Mapped[int] = mapped_column(default=0, server_default="0")
    edited_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    @property
    def html(self) -> Markup:
        """The post as HTML: ``body_html`` is nh3 output (portal.core.markdown), safe to show."""
        return Markup(self.body_html)  # noqa: S704 - sanitised when the post was written

    topic: Mapped[Topic] = relationship()
    author: Mapped["User"] = relationship(foreign_keys=[author_id], lazy="joined")  # noqa: F821
    attachments: Mapped[list["Attachment"]] = relationship(
        order_by="Attachment.id", lazy="selectin", cascade="all, delete-orphan",
        passive_deletes=True, back_populates="post",
    )

    @property
    def is_question(self) -> bool:
        return self.number == 1

    def __repr__(self) -> str:
        return f"<Post {self.topic_id}#{self.number}>"


class PostRevision(db.Model):
    """The text a post had before an edit (visible to everyone)."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(db.Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    edited_by: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821


class TopicRead(db.Model):
    """When a user last read a topic: drives the unread marker."""

    __tablename__ = "forum_topic_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Watch(db.Model):
    """A user following a topic or a whole category."""

    __tablename__ = "forum_watches"
    __table_args__ = (
        db.UniqueConstraint("user_id", "topic_id", "category_id"),
        db.Index("ix_forum_watches_topic", "topic_id"),
        db.Index("ix_forum_watches_category", "category_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_categories.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Report(db.Model):
    """A user's report of a post to the moderators."""

    __tablename__ = "forum_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True), index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    post: Mapped[Post] = relationship(lazy="joined")
    reporter: Mapped["User"] = relationship(foreign_keys=[reporter_id], lazy="joined")  # noqa: F821


class Mention(db.Model):
    """A person a post mentions (``@[Nome](user:123)`` in its text): told once per post."""

    __tablename__ = "forum_mentions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Vote(db.Model):
    """One person finding a reply useful (one vote per person and post)."""

    __tablename__ = "forum_votes"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class Attachment(db.Model):
    """A document attached to a post, stored like evidence (portal.core.storage)."""

    __tablename__ = "forum_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("forum_posts.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    post: Mapped[Post] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg")
