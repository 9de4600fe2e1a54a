"""LGPD: what the portal holds about a person, for them to download (art. 18, II)."""

from datetime import UTC, datetime

from portal.audit.services import action_label
from portal.auth.roles import ROLE_LABELS
from portal.core import audit
from portal.core.models import AuditEvent
from portal.core.validators import format_cpf
from portal.extensions import db
from portal.focal_points.models import FocalPoint
from portal.forum.models import Post, Topic
from portal.notifications.models import Notification

AUDIT_EVENTS_LIMIT = 1000


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _cpf(value: str | None) -> str | None:
    try:
        return format_cpf(value) if value else None
    except ValueError:
        return value


def export_personal_data(user) -> dict:
    """Everything about ``user`` (CPF in full: it is their own); records the export."""
    institution = user.institution
    conditions = [db.func.lower(FocalPoint.email) == user.email.lower()]
    if user.cpf:
        conditions.append(FocalPoint.cpf == user.cpf)
    focal_points = db.session.scalars(
        db.select(FocalPoint).where(db.or_(*conditions)).order_by(FocalPoint.created_at)
    ).all()
    posts = db.session.execute(
        db.select(Post.id, Post.number, Post.created_at, Topic.id, Topic.title)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == user.id)
        .order_by(Post.created_at, Post.id)
    ).all()
    notifications = db.session.scalars(
        db.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    ).all()
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_EVENTS_LIMIT)
    ).all()
    data = {
        "gerado_em": _iso(datetime.now(UTC)),
        "usuario": {
            "id": user.id,
            "nome": user.name,
            "email": user.email,
            "cpf": _cpf(user.cpf),
            "telefone": user.phone,
            "perfil": user.role,
            "perfil_descricao": ROLE_LABELS.get(user.role, user.role),
            "ativo": user.active,
            "criado_em": _iso(user.created_at),
            "ativado_em": _iso(user.activated_at),
            "ultimo_acesso_em": _iso(user.last_login_at),
        },
        "instituicao": {
            "id": institution.id,
            "nome": institution.name,
            "sigla": institution.acronym,
            "cnpj": institution.cnpj,
            "uf": institution.uf,
        },
        "indicacoes_como_servidor": [
            {
                "id": fp.id,
                "instituicao_id": fp.institution_id,
                "finalidade": fp.purpose,
                "nome": fp.name,
                "cpf": _cpf(fp.cpf),
                "telefone": fp.phone,
                "email": fp.email,
                "acesso_concedido_em": _iso(fp.access_granted_at),
                "criada_em": _iso(fp.created_at),
                "encerrada_em": _iso(fp.ended_at),
            }
            for fp in focal_points
        ],
        "forum": {
            "total_de_mensagens": len(posts),
            "mensagens": [
                {
                    "id": post_id,
                    "numero": number,
                    "criada_em": _iso(created_at),
                    "topico_id": topic_id,
                    "topico": title,
                }
                for post_id, number, created_at, topic_id, title in posts
            ],
        },
        "notificacoes": [
            {
                "id": n.id,
                "tipo": n.kind,
                "mensagem": n.message,
                "url": n.url,
                "criada_em": _iso(n.created_at),
                "lida_em": _iso(n.read_at),
            }
            for n in notifications
        ],
        "registros_de_auditoria": {
            "limite": AUDIT_EVENTS_LIMIT,
            "itens": [
                {
                    "id": e.id,
                    "data_hora": _iso(e.created_at),
                    "acao": e.action,
                    "acao_descricao": action_label(e.action, e.details),
                    "objeto": e.object_type,
                    "objeto_id": e.object_id,
                    "ip": e.ip,
                    "detalhes": e.details or {},
                }
                for e in events
            ],
        },
    }
    audit.record(
        "user.personal_data_exported",
        user,
        actor=user,
        institution_id=user.institution_id,
        focal_points=len(focal_points),
        posts=len(posts),
        notifications=len(notifications),
        audit_events=len(events),
    )
    db.session.flush()
    return data
