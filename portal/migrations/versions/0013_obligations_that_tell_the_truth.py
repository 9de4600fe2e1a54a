"""obligations that tell the truth: deadline sources, goal roles, SEGES's deadline settings

Schema:

- ``deliverables.deadline_source`` (``plan`` | ``default`` | ``followup``) and
  ``deliverables.deadline_rule`` (the SEGES rule in words, when not the plan's);
- ``goals.roles`` (JSON list: meetings, forums, focal_points, training_hours,
  annual_report), read from each goal as the importer does at this revision;
- ``deadline_settings``: one row with SEGES's defaults (15 business days after a meeting or
  forum, 30 after a course change, the yearly follow-up 30 days before 31/03).

Data, without losing anything recorded:

- continuous goals (``at_start``, ``during_term``, ``per_regulation``) had one deliverable
  per term year (or a day-0 one): those someone worked on (any status but pending, or with
  a submission) stay, with every submission, evidence, review and audit event, now as
  SEGES follow-ups; the untouched ones are deleted and the partner's yearly follow-up
  (``R<year>``) is created per report year of the term;
- the annual report goal: one network deliverable of SEGES per report year (``A<year>``),
  under the first agreement's goal that covers the year;
- deliverables of meetings, forums and course changes were due N calendar days after the
  event by the portal's rule: their date is kept and labelled as SEGES's default;
- goals with an hours target ("60 horas ao ano") count hours per calendar year (the annual
  report's year): their untouched term-year deliverables are replaced by one per calendar
  year of the term (``C<year>``); touched ones stay as they are.

The rules are written here as they are at this revision (a migration must not change with
the application code).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

"""
import json
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import holidays
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CONTINUOUS = ("at_start", "during_term", "per_regulation")
SEGES_DEFAULT = "prazo padrão definido pela SEGES"
FOLLOWUP_RULE = ("Relato anual: 30 dias antes do fechamento do Relatório Anual (31/03) — "
                 "relato de acompanhamento pedido pela SEGES, não é prazo do Plano de Trabalho")
KEPT_RULE = ("Relato registrado antes de 04/12/2026, quando o portal pedia um por ano de "
             "vigência — relato de acompanhamento, não é prazo do Plano de Trabalho")


def _fold(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text or "")
                   if not unicodedata.combining(c)).lower()


def _roles(description, schedule, responsible):
    text = _fold(" ".join((description or "").split()))
    roles = []
    if schedule.get("kind") == "on_call" and schedule.get("trigger") == "meeting":
        roles.append("meetings")
    if re.search(r"\bparticipar\b.*\bforu(?:m|ns)\b", text) and responsible != "seges":
        roles.append("forums")
    if re.search(r"\bindicar\s+servidor(?:es)?\b.*\bacompanh", text) and responsible != "seges":
        roles.append("focal_points")
    if schedule.get("min_hours"):
        roles.append("training_hours")
    if re.search(r"\brelatorio\s+anual\b", text) and responsible == "seges":
        roles.append("annual_report")
    return roles


def _business_day(day):
    while day.weekday() >= 5 or day in holidays.country_holidays(
            "BR", years=day.year, categories=(holidays.PUBLIC,)):
        day += timedelta(days=1)
    return day


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _json(value):
    return value if isinstance(value, (dict, list)) else json.loads(value or "null")


def _insert_missing(bind, insert, row):
    """Insert a deliverable unless (goal, institution, period key) already exists (an
    upgrade after a downgrade keeps the rows someone worked on)."""
    if bind.execute(sa.text(
            "SELECT 1 FROM deliverables WHERE goal_id = :goal_id AND "
            "institution_id = :institution_id AND period_key = :period_key"), row).first() is None:
        bind.execute(insert, row)


def _calendar_training_years(bind, insert, goal_id, touched, start, end, now):
    owners = [row[0] for row in bind.execute(sa.text(
        "SELECT DISTINCT institution_id FROM deliverables WHERE goal_id = :goal "
        "AND period_key LIKE 'Y%'"), {"goal": goal_id})]
    bind.execute(sa.text(
        f"DELETE FROM deliverables WHERE goal_id = :goal AND period_key LIKE 'Y%' "
        f"AND NOT {touched}"), {"goal": goal_id})
    if start is None or end is None:
        return
    start, end = _as_date(start), _as_date(end)
    for institution_id in owners:
        for year in range(start.year, end.year + 1):
            first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
            _insert_missing(bind, insert, {
                "goal_id": goal_id, "institution_id": institution_id, "period_key": f"C{year}",
                "period_label": f"Ano de capacitação de {year} ({first:%d/%m/%Y} a "
                                f"{last:%d/%m/%Y})",
                "opens_on": first, "due_on": last, "source": "plan", "rule": None, "now": now})


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_source', sa.String(length=10), nullable=False,
                                      server_default='plan'))
        batch_op.add_column(sa.Column('deadline_rule', sa.String(length=300), nullable=True))
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))
    op.create_table(
        'deadline_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_days', sa.Integer(), nullable=False),
        sa.Column('forum_days', sa.Integer(), nullable=False),
        sa.Column('course_change_days', sa.Integer(), nullable=False),
        sa.Column('business_days', sa.Boolean(), nullable=False),
        sa.Column('followup_days_before_closing', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_deadline_settings_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_settings')),
    )
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    bind.execute(sa.text(
        "INSERT INTO deadline_settings (meeting_days, forum_days, course_change_days, "
        "business_days, followup_days_before_closing, updated_at) "
        "VALUES (15, 15, 30, :yes, 30, :now)"), {"yes": True, "now": now})

    goals = bind.execute(sa.text(
        "SELECT g.id, g.description, g.schedule, g.responsible, a.partner_id, a.term_start, "
        "a.term_end FROM goals g JOIN agreements a ON a.id = g.agreement_id ORDER BY g.id"
    )).all()
    secretariat = bind.execute(sa.text(
        "SELECT id FROM institutions WHERE is_secretariat = :yes ORDER BY id LIMIT 1"),
        {"yes": True}).scalar()
    deliverable_columns = ("goal_id, institution_id, period_key, period_label, opens_on, "
                           "due_on, status, deadline_source, deadline_rule, created_at, "
                           "updated_at")
    insert = sa.text(
        f"INSERT INTO deliverables ({deliverable_columns}) VALUES (:goal_id, :institution_id, "
        ":period_key, :period_label, :opens_on, :due_on, 'pending', :source, :rule, :now, :now)")
    network_reports = {}
    for goal_id, description, schedule, responsible, partner_id, start, end in goals:
        schedule = _json(schedule) or {}
        roles = _roles(description, schedule, responsible)
        bind.execute(sa.text("UPDATE goals SET roles = :roles WHERE id = :id"),
                     {"roles": json.dumps(roles), "id": goal_id})
        touched = ("(status <> 'pending' OR id IN (SELECT deliverable_id FROM submissions))")
        if schedule.get("kind") == "annual" and schedule.get("min_hours"):
            _calendar_training_years(bind, insert, goal_id, touched, start, end, now)
            continue
        if schedule.get("kind") not in CONTINUOUS and "annual_report" not in roles:
            continue
        bind.execute(sa.text(
            f"UPDATE deliverables SET deadline_source = 'followup', deadline_rule = :rule "
            f"WHERE goal_id = :goal AND deadline_source = 'plan' AND {touched}"),
            {"rule": KEPT_RULE, "goal": goal_id})
        bind.execute(sa.text(
            "DELETE FROM deliverables WHERE goal_id = :goal AND deadline_source = 'plan'"),
            {"goal": goal_id})
        if start is None or end is None:
            continue
        start, end = _as_date(start), _as_date(end)
        for year in range(start.year, end.year + 1):
            if "annual_report" in roles:
                network_reports.setdefault(year, goal_id)
                continue
            if responsible == "seges":
                continue
            opens = max(start, date(year, 1, 1))
            due = max(opens, _business_day(date(year + 1, 3, 31) - timedelta(days=30)))
            _insert_missing(bind, insert, {
                "goal_id": goal_id, "institution_id": partner_id, "period_key": f"R{year}",
                "period_label": f"Relato de acompanhamento de {year}", "opens_on": opens,
                "due_on": due, "source": "followup", "rule": FOLLOWUP_RULE, "now": now})
    for year, goal_id in sorted(network_reports.items()):
        if secretariat is None:
            break
        closing = date(year + 1, 3, 31)
        due = _business_day(closing)
        moved = "" if due == closing else f", no dia útil seguinte ({due:%d/%m/%Y})"
        _insert_missing(bind, insert, {
            "goal_id": goal_id, "institution_id": secretariat, "period_key": f"A{year}",
            "period_label": f"Relatório Anual da Rede de {year}", "opens_on": date(year, 1, 1),
            "due_on": due, "source": "default",
            "rule": f"Fechamento do Relatório Anual de {year} em {closing:%d/%m/%Y}{moved} — "
                    f"{SEGES_DEFAULT}", "now": now})

    # Event deliverables dated by the portal's own rule (N calendar days after the event).
    bind.execute(sa.text(
        "UPDATE deliverables SET deadline_source = 'default', deadline_rule = :rule "
        "WHERE period_key LIKE 'Eevento-%'"),
        {"rule": f"15 dias após o evento — {SEGES_DEFAULT}"})
    bind.execute(sa.text(
        "UPDATE deliverables SET deadline_source = 'default', deadline_rule = :rule "
        "WHERE period_key LIKE 'Ecursos-%'"),
        {"rule": f"30 dias após a alteração no cronograma de cursos — {SEGES_DEFAULT}"})


def downgrade():
    op.drop_table('deadline_settings')
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_column('roles')
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_column('deadline_rule')
        batch_op.drop_column('deadline_source')
