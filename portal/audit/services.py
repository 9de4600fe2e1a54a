"""Reading the audit trail (Auditoria): labels, filters, the query and exports."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_
from sqlalchemy.orm import aliased

from portal.auth.models import User
from portal.core.clock import start_of_local_day
from portal.core.database import stream_rows
from portal.core.formatting import format_datetime
from portal.core.models import AuditEvent
from portal.events.models import UNKNOWN_EVENT_KIND, event_kind
from portal.extensions import db
from portal.institutions.models import Institution

ACTION_LABELS = {
    "auth.login": "Entrada no portal",
    "auth.login_failed": "Tentativa de entrada recusada",
    "auth.logout": "Saída do portal (neste navegador)",
    "auth.logout_everywhere": "Saída de todos os dispositivos",
    "auth.govbr_linked": "Conta vinculada ao gov.br",
    "auth.govbr_unlinked": "Vínculo com o gov.br desfeito",
    "auth.govbr_refused": "Entrada pelo gov.br recusada",
    "auth.govbr_failed": "Falha na entrada pelo gov.br",
    "auth.govbr_backchannel_logout": "Sessão encerrada pelo gov.br",
    "auth.govbr_backchannel_refused": "Aviso de saída do gov.br recusado",
    "govbr.levels_changed": "Níveis gov.br exigidos alterados",
    "calendar_feed.created": "Endereço de calendário criado",
    "calendar_feed.regenerated": "Endereço de calendário trocado",
    "calendar_feed.revoked": "Endereço de calendário revogado",
    "auth.password_changed": "Senha alterada",
    "auth.password_reset": "Senha redefinida",
    "auth.password_reset_requested": "Redefinição de senha solicitada",
    "notifications.preferences_saved": "Preferências de e-mail alteradas",
    "auth.account_activated": "Conta ativada",
    "user.created": "Usuário criado",
    "user.invited": "Usuário convidado",
    "user.invited_existing": "Convite a e-mail já cadastrado (pessoa avisada)",
    "outbox.resent": "E-mail reenviado",
    "user.updated": "Usuário alterado",
    "user.deactivated": "Usuário desativado",
    "user.reactivated": "Usuário reativado",
    "user.password_set": "Senha definida",
    "user.cpf_viewed": "CPF de usuário exibido",
    "user.personal_data_exported": "Dados pessoais exportados (LGPD)",
    "institution.created": "Instituição criada",
    "institution.updated": "Instituição alterada",
    "agreement.created": "Acordo criado",
    "agreement.updated": "Acordo alterado",
    "agreement.imported": "Plano de Trabalho importado",
    "agreement.reimported": "Plano de Trabalho reimportado",
    "adhesion.registered": "Adesão registrada",
    "agreement.document_downloaded": "Termo assinado baixado",
    "goal.updated": "Meta alterada",
    "goal.removed": "Meta removida",
    "deliverable.draft_started": "Entrega iniciada",
    "deliverable.draft_saved": "Rascunho salvo",
    "deliverable.submitted": "Entrega enviada",
    "deliverable.approved": "Entrega aprovada",
    "deliverable.returned": "Entrega devolvida",
    "deliverable.waived": "Entrega dispensada",
    "deadline_settings.updated": "Prazos padrão da SEGES alterados",
    "deliverable.unwaived": "Dispensa desfeita",
    "deliverable.completed_by_seges": "Concluída pela SEGES (ato registrado)",
    "evidence.uploaded": "Evidência anexada",
    "evidence.link_added": "Link de evidência adicionado",
    "evidence.removed": "Evidência removida",
    "evidence.downloaded": "Evidência baixada",
    "evidence.previewed": "Evidência visualizada",
    "focal_point.created": "Servidor indicado",
    "focal_point.updated": "Indicação alterada",
    "focal_point.ended": "Indicação encerrada",
    "focal_point.access_granted": "Acesso ao Painel Gerencial concedido",
    "focal_point.cpf_viewed": "CPF de servidor indicado exibido",
    "training.created": "Capacitação registrada",
    "training.deleted": "Capacitação excluída",
    "training.file_downloaded": "Lista de presença baixada",
    "event.convened": UNKNOWN_EVENT_KIND.convened,  # each row names its kind: see below
    "event.confirmed": "Presença confirmada",
    "event.attendance_recorded": "Presença registrada",
    "request.sent": "Solicitação enviada",
    "course.created": "Curso criado",
    "course_class.created": "Turma criada",
    "forum.topic_created": "Tópico criado no fórum",
    "forum.post_created": "Mensagem publicada no fórum",
    "forum.post_edited": "Mensagem do fórum editada",
    "forum.post_hidden": "Mensagem do fórum ocultada",
    "forum.post_unhidden": "Mensagem do fórum reexibida",
    "forum.post_deleted": "Mensagem do fórum excluída",
    "forum.post_reported": "Mensagem do fórum denunciada",
    "forum.report_resolved": "Denúncia resolvida",
    "forum.answer_accepted": "Resposta aceita",
    "forum.topic_locked": "Tópico trancado",
    "forum.topic_pinned": "Tópico fixado",
    "forum.topic_moved": "Tópico movido",
    "forum.post_voted": "Resposta marcada como útil",
    "forum.post_unvoted": "Marca de útil retirada",
    "forum.attachment_uploaded": "Anexo enviado ao fórum",
    "forum.attachment_downloaded": "Anexo do fórum baixado",
    "forum.category_created": "Categoria do fórum criada",
    "forum.category_updated": "Categoria do fórum alterada",
    "annual_report.introduction_updated": "Introdução do relatório anual alterada",
    "axis.renamed": "Eixo renomeado",
}

# Actions whose label depends on what was recorded with them (the event's details).
DETAILED_ACTION_LABELS = {
    "event.convened": lambda details: event_kind(details.get("kind")).convened,
}

OBJECT_TYPE_LABELS = {
    "User": "Usuário",
    "OutboxMessage": "E-mail",
    "Institution": "Instituição",
    "Agreement": "Acordo",
    "Goal": "Meta",
    "Deliverable": "Entrega",
    "DeadlineSettings": "Prazos padrão da SEGES",
    "Submission": "Envio",
    "Evidence": "Evidência",
    "Review": "Análise",
    "FocalPoint": "Servidor indicado",
    "TrainingRecord": "Capacitação",
    "Axis": "Eixo",
    "Event": "Evento",
    "InfoRequest": "Solicitação",
    "Course": "Curso",
    "CourseClass": "Turma",
    "Topic": "Tópico",
    "Post": "Mensagem",
    "Report": "Denúncia",
    "AnnualReport": "Relatório anual",
}


def action_label(action: str, details: dict | None = None) -> str:
    """The pt-BR label of an action, or its code when there is none; with the event's
    ``details``, as that event reads ("Fórum regional convocado", not "Evento convocado")."""
    if details and action in DETAILED_ACTION_LABELS:
        return DETAILED_ACTION_LABELS[action](details)
    return ACTION_LABELS.get(action, action)


def known_actions(limit: int = 300) -> list[str]:
    """Actions to offer in the filter: the labelled ones plus any others already recorded."""
    recorded = db.session.scalars(
        db.select(AuditEvent.action).distinct().order_by(AuditEvent.action).limit(limit)
    )
    return sorted({*ACTION_LABELS, *recorded}, key=lambda a: (action_label(a).lower(), a))


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None  # e-mail substring
    institution: str | None = None  # name, acronym or CNPJ substring
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    since: date | None = None  # local dates (America/Sao_Paulo), both inclusive
    until: date | None = None


def utc_bounds(since: date | None, until: date | None) -> tuple[datetime | None, ...]:
    """Local calendar days → [start, end) in UTC."""
    return (
        start_of_local_day(since) if since else None,
        start_of_local_day(until + timedelta(days=1)) if until else None,
    )


def events_query(filters: AuditFilters, *, institution_id: int | None = None):
    """Rows (event, institution name, acronym, IP shown), newest first.

    ``institution_id`` limits the trail to one institution (a partner manager's view); there
    the IP address is shown only for the institution's own staff, never for SEGES's or
    another party's (LGPD: no more personal data than the partner needs).
    """
    ip = AuditEvent.ip
    if institution_id is not None:
        actor = aliased(User)
        own_staff = db.select(actor.id).where(
            actor.id == AuditEvent.actor_id, actor.institution_id == institution_id
        )
        ip = case((own_staff.exists(), AuditEvent.ip), else_=None)
    query = (
        db.select(AuditEvent, Institution.name, Institution.acronym, ip.label("shown_ip"))
        .outerjoin(Institution, Institution.id == AuditEvent.institution_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if institution_id is not None:
        query = query.where(AuditEvent.institution_id == institution_id)
    if filters.actor:
        query = query.where(
            func.lower(AuditEvent.actor_email).contains(filters.actor.lower(), autoescape=True)
        )
    if filters.institution:
        term = filters.institution.lower()
        digits = "".join(ch for ch in term if ch.isdigit())
        conditions = [
            func.lower(Institution.name).contains(term, autoescape=True),
            func.lower(Institution.acronym).contains(term, autoescape=True),
        ]
        if digits:
            conditions.append(Institution.cnpj.contains(digits, autoescape=True))
        query = query.where(or_(*conditions))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    start, end = utc_bounds(filters.since, filters.until)
    if start is not None:
        query = query.where(AuditEvent.created_at >= start)
    if end is not None:
        query = query.where(AuditEvent.created_at < end)
    return query


def details_json(details: dict | None) -> str:
    """Compact, readable JSON of an event's details ("" when empty)."""
    if not details:
        return ""
    return json.dumps(
        details, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str
    )


EXPORT_COLUMNS = [
    "Data/hora",
    "Ação",
    "Usuário",
    "Instituição",
    "Objeto",
    "Id",
    "IP",
    "Detalhes (JSON)",
]


def export_rows(filters: AuditFilters, *, institution_id: int | None = None):
    """Every event the page lists with these filters (all its pages, in its order), as the
    export's cells (:data:`EXPORT_COLUMNS`)."""
    for event, name, acronym, ip in stream_rows(
        events_query(filters, institution_id=institution_id)
    ):
        yield [
            format_datetime(event.created_at),
            action_label(event.action, event.details),
            event.actor_email or "",
            (f"{name} ({acronym})" if acronym else name) if name is not None else "",
            OBJECT_TYPE_LABELS.get(event.object_type, event.object_type or ""),
            event.object_id if event.object_id is not None else "",
            ip or "",
            details_json(event.details),
        ]
