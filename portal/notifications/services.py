"""Notification rules: create, count, mark as read, e-mail copies and preferences.

``notify()`` only adds the notification to the session. When the caller commits, each new
notification's e-mail delivery is decided from its user's preference (``before_commit``);
copies wanted immediately are sent *after* the commit (``after_commit``), so a rolled-back
transaction e-mails nobody and a failing mail server never breaks the user's request.
Copies wanted in the daily digest wait for ``portal reminders send`` (:func:`send_digests`).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from sqlalchemy import bindparam, event, func, inspect
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from portal.auth.models import User
from portal.core import audit
from portal.core.mail import build_message, queue
from portal.core.models import utcnow
from portal.core.urls import external_url
from portal.extensions import db
from portal.notifications import kinds
from portal.notifications.models import Notification, NotificationPreference

log = logging.getLogger("portal.notifications")

_PENDING = "portal.notifications.pending"  # session.info: notifications of this transaction


def notify(user, kind: str, message: str, url: str | None = None) -> Notification:
    """Add a notification for ``user`` to the session; the caller's commit persists it
    (and e-mails it, if the user wants this kind immediately)."""
    if kind not in kinds.KINDS:
        raise ValueError(f"Unknown notification kind: {kind!r} (add it to kinds.KINDS)")
    notification = Notification(
        user_id=user.id if hasattr(user, "id") else int(user),
        kind=kind,
        message=message[:500],
        url=url,
    )
    db.session.add(notification)
    db.session.info.setdefault(_PENDING, []).append(notification)
    return notification


# Reading and marking -----------------------------------------------------------------


def for_user(user):
    return (
        db.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(
            Notification.read_at.is_not(None),
            Notification.created_at.desc(),
            Notification.id.desc(),
        )
    )


# Built once: every page and every bell poll runs it.
_UNREAD = db.select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user) -> int:
    return db.session.scalar(_UNREAD, {"user_id": user.id}) or 0


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def open_notification(notification: Notification) -> str | None:
    """Opening a notification marks it read and answers where it leads (None: nowhere)."""
    mark_read(notification)
    return target(notification)


def target(notification: Notification) -> str | None:
    """The notification's URL when it is a path of this portal (all of them are: they are
    built with ``url_for``); anything else — another site, ``//host``, a scheme, blanks or
    control characters a browser would strip — is no target, never a redirect elsewhere."""
    url = notification.url or ""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    if any(ord(character) <= 0x20 or ord(character) == 0x7F for character in url):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    return url


def mark_all_read(user) -> int:
    result = db.session.execute(
        db.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()
    return result.rowcount


# What a notification is about (shown in the list, from the page it leads to) ----------------

OBJECT_LABELS = {
    "deliverables.deliverable": "Entrega",
    "deliverables.analysis": "Análise da entrega",
    "deliverables.queue": "Fila de análise",
    "forum.topic": "Tópico do fórum",
    "forum.category": "Categoria do fórum",
    "events.event": "Evento",
    "events.info_request": "Solicitação da SEGES",
    "plans.agreement": "Acordo",
    "focal_points.focal_point_list": "Servidores indicados",
    "focal_points.painel_requests": "Pedidos de acesso ao Painel Gerencial",
    "courses.courses_page": "Cursos da Rede",
}
BLUEPRINT_LABELS = {"forum": "Fórum", "deliverables": "Entregas", "events": "Eventos"}
DEFAULT_OBJECT_LABEL = "Página do portal"


def object_label(notification: Notification) -> str | None:
    """What the notification leads to, in a word or two ("Entrega", "Tópico do fórum"), read
    from the page its URL names; None when it leads nowhere."""
    url = target(notification)
    if url is None:
        return None
    if not has_request_context():
        return DEFAULT_OBJECT_LABEL
    path = urlsplit(url).path
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    try:
        endpoint, _arguments = current_app.create_url_adapter(request).match(path, method="GET")
    except HTTPException:  # not found, wrong method, or a redirect (RequestRedirect)
        return DEFAULT_OBJECT_LABEL
    return OBJECT_LABELS.get(endpoint) or BLUEPRINT_LABELS.get(
        endpoint.partition(".")[0], DEFAULT_OBJECT_LABEL
    )


@dataclass(frozen=True)
class Entry:
    """One line of the list: the notification, its heading, where it leads and what that is."""

    notification: Notification
    title: str
    target: str | None
    object_label: str | None


def entries(notifications) -> list[Entry]:
    return [Entry(n, title(n), target(n), object_label(n)) for n in notifications]


def title(notification: Notification) -> str:
    """The notification's kind, as its heading in the list (the e-mail subject's words)."""
    kind = kinds.kind(notification.kind)
    return "Notificação" if kind is kinds.FALLBACK else kind.subject


# Preferences ------------------------------------------------------------------------


def preferences(user) -> dict[str, str]:
    """{kind: delivery} for every kind the user can receive (defaults filled in)."""
    chosen = dict(
        db.session.execute(
            db.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {k.code: chosen.get(k.code, k.default) for k in kinds.kinds_for(user)}


def save_preferences(user, choices: dict[str, str]) -> int:
    """Store the user's choices for the kinds they can receive; returns how many changed."""
    current = {
        p.kind: p
        for p in db.session.scalars(
            db.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed = 0
    for kind in kinds.kinds_for(user):
        delivery = choices.get(kind.code)
        if delivery not in kinds.DELIVERIES:
            continue
        row = current.get(kind.code)
        if row is None:
            if delivery == kind.default:
                continue
            db.session.add(
                NotificationPreference(user_id=user.id, kind=kind.code, delivery=delivery)
            )
        elif row.delivery == delivery:
            continue
        else:
            row.delivery = delivery
        changed += 1
    if changed:
        audit.record("notifications.preferences_saved", user, actor=user, changed=changed)
    db.session.flush()
    return changed


# E-mail copies ----------------------------------------------------------------------


def _link_to(endpoint: str) -> str | None:
    try:
        return external_url(url_for(endpoint))
    except (RuntimeError, BuildError):  # no request and no SERVER_NAME: no link
        return None


def _render(template: str, **context) -> tuple[str, str]:
    """Text and HTML bodies. Straight from the Jinja environment: no context processors,
    so no database access (this runs around a commit) and no request needed."""
    env = current_app.jinja_env
    context = {"config": current_app.config, **context}
    return (
        env.get_template(f"notifications/email/{template}.txt").render(**context),
        env.get_template(f"notifications/email/{template}.html").render(**context),
    )


def _notification_mail(user: User, item: dict, preferences_link: str | None):
    kind = kinds.kind(item["kind"])
    text, html = _render(
        "notification", user=user, item=item, kind=kind, preferences_link=preferences_link
    )
    return build_message(user.email, f"{kind.subject} · Rede de Parcerias", text, html)


def _item(notification: Notification) -> dict:
    return {
        "kind": notification.kind,
        "message": notification.message,
        "link": external_url(notification.url),
    }


def _decide_deliveries(session) -> None:
    """before_commit: set each new notification's delivery; queue the immediate e-mails."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    pending = [n for n in pending if n.delivery is None and _alive(n, session)]
    if not pending:
        return
    user_ids = {n.user_id for n in pending}
    with session.no_autoflush:
        users = {
            u.id: u
            for u in session.scalars(db.select(User).where(User.id.in_(user_ids)))
        }
        chosen = {
            (user_id, kind): delivery
            for user_id, kind, delivery in session.execute(
                db.select(
                    NotificationPreference.user_id,
                    NotificationPreference.kind,
                    NotificationPreference.delivery,
                ).where(NotificationPreference.user_id.in_(user_ids))
            )
        }
    now = utcnow()
    outgoing = []
    preferences_link = _link_to("notifications.preferences")
    for notification in pending:
        user = users.get(notification.user_id)
        delivery = chosen.get(
            (notification.user_id, notification.kind), kinds.kind(notification.kind).default
        )
        if user is None or not user.active:
            delivery = kinds.OFF
        notification.delivery = delivery
        if delivery == kinds.IMMEDIATE:
            notification.emailed_at = now
            outgoing.append(_notification_mail(user, _item(notification), preferences_link))
    for message in outgoing:
        queue(message, session)


def _alive(notification: Notification, session) -> bool:
    state = inspect(notification)
    return (state.pending or state.persistent) and state.session_id == session.hash_key


def _forget(session, *_args) -> None:
    session.info.pop(_PENDING, None)


event.listen(db.session, "before_commit", _decide_deliveries)
event.listen(db.session, "after_rollback", _forget)


# The daily digest -------------------------------------------------------------------

DIGEST_WINDOW = timedelta(days=7)  # older unsent digest items are dropped, not sent late


def pending_digests() -> dict[int, list[Notification]]:
    """{user id: notifications} waiting for the digest, oldest first."""
    rows = db.session.scalars(
        db.select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.delivery == kinds.DIGEST,
            Notification.emailed_at.is_(None),
            Notification.created_at >= utcnow() - DIGEST_WINDOW,
            User.active.is_(True),
        )
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    )
    result: dict[int, list[Notification]] = {}
    for notification in rows:
        result.setdefault(notification.user_id, []).append(notification)
    return result


def queue_digest(user: User, notifications: list[Notification]) -> None:
    """Mark the notifications as e-mailed and queue one message with all of them."""
    now = utcnow()
    items = [_item(n) for n in notifications]
    for notification in notifications:
        notification.emailed_at = now
    text, html = _render(
        "digest", user=user, items=items,
        preferences_link=_link_to("notifications.preferences"),
        inbox_link=_link_to("notifications.index"),
    )
    subject = (
        "Resumo diário: 1 notificação · Rede de Parcerias"
        if len(items) == 1
        else f"Resumo diário: {len(items)} notificações · Rede de Parcerias"
    )
    queue(build_message(user.email, subject, text, html))
