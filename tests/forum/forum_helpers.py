"""Forum objects for tests: created through the real services."""

from portal.extensions import db
from portal.forum import services
from portal.forum.models import Category, Post, Report, Topic
from portal.notifications.models import Notification
from portal.notifications.services import notify


def category(slug: str = "duvidas-gerais") -> Category:
    services.ensure_default_categories()
    return db.session.scalar(db.select(Category).where(Category.slug == slug))


def topic(
    author,
    title: str = "Dúvida sobre a meta de capacitação",
    body: str = "Como contar as horas?",
    slug: str = "duvidas-gerais",
    **kwargs,
) -> Topic:
    return services.create_topic(category(slug), by=author, title=title, body=body, **kwargs)


def forum_objects(users) -> dict:
    """For the route matrix: a topic by the MG member, a reply by the MG manager, a report on
    that reply and a notification for the member (all created once per test)."""
    existing = db.session.scalar(db.select(Topic).where(Topic.title == "Tópico da matriz"))
    if existing is None:
        existing = topic(users["partner_member"], title="Tópico da matriz")
        reply = services.reply(existing, by=users["partner_manager"], body="Uma resposta.")
        services.report_post(reply, by=users["partner_member"], reason="Conteúdo impróprio")
        notify(users["partner_member"], "forum.mention", "Aviso de teste", "/forum/")
        db.session.commit()
    question, reply = db.session.scalars(
        db.select(Post).where(Post.topic_id == existing.id).order_by(Post.number)
    ).all()[:2]
    return {
        "forum_category": existing.category_id,
        "forum_topic": existing.id,
        "forum_question": question.id,
        "forum_reply": reply.id,
        "forum_report": db.session.scalar(db.select(Report.id)),
        "forum_notification": db.session.scalar(
            db.select(Notification.id).where(Notification.message == "Aviso de teste")
        ),
    }
