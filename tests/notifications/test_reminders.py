"""``portal reminders send``: deadlines, overdue, review SLA, digests, the C.4 report."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from portal.deliverables import reviews
from portal.deliverables import services as workspace
from portal.deliverables.models import Deliverable, Submission
from portal.extensions import db
from portal.notifications import reminders
from portal.notifications.models import Notification, ReminderLog
from portal.notifications.services import notify
from portal.plans import services as plans
from tests import factories
from tests.factories import deliverable_of


def run(app, day: date, *args):
    result = app.test_cli_runner().invoke(
        args=["reminders", "send", "--today", day.isoformat(), *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def notifications_about(deliverable, kind=None) -> list[Notification]:
    query = db.select(Notification).where(Notification.url == f"/entregas/{deliverable.id}")
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


@pytest.fixture
def banner(act, users):
    """MG's 3.4 of term year 1 (Ano 1, 01/10/2025 a 30/09/2026): a date of the plan, owed by
    the partner alone. (The name is historical: 3.1, the banner, is a continuous goal now,
    with SEGES's yearly follow-up instead of a date — see ``followup``.)"""
    deliverable = deliverable_of(act, "3.4", users["partner_manager"].institution_id)
    assert (deliverable.period_key, deliverable.due_on) == ("Y1", date(2026, 9, 30))
    return deliverable


@pytest.fixture
def followup(act, users):
    """MG's relato de acompanhamento of 2025 for the continuous goal 3.1 (A partir do início
    da vigência): 31/03/2026 − 30 days = Sunday 01/03/2026, moved to Monday 02/03/2026."""
    deliverable = deliverable_of(act, "3.1", users["partner_manager"].institution_id)
    assert (deliverable.period_key, deliverable.deadline_source, deliverable.due_on) == (
        "R2025", "followup", date(2026, 3, 2))
    return deliverable


def test_the_owing_institution_is_reminded_30_7_and_1_days_before_then_weekly_overdue(
    app, users, banner, outbox
):
    app.config["PUBLIC_URL"] = "https://rede.exemplo.gov.br/"
    due = banner.due_on
    sent = {}
    for offset in [-31, -30, -29, -7, -1, 0, 1, 2, 7, 8, 15]:
        before = len(notifications_about(banner))
        run(app, due + timedelta(days=offset))
        sent[offset] = notifications_about(banner)[before:]
    assert {offset for offset, new in sent.items() if new} == {-30, -7, -1, 1, 8, 15}
    for offset in (-30, -7, -1, 1, 8, 15):  # everyone at MG, nobody elsewhere
        assert {n.user_id for n in sent[offset]} == {
            users["partner_manager"].id, users["partner_member"].id}
    what = "meta 3.4 (Ano 1 (01/10/2025 a 30/09/2026))"
    assert sent[-30][0].message == f"Lembrete: a {what} vence em 30 dias, em 30/09/2026."
    assert sent[-7][0].message == f"Lembrete: a {what} vence em 7 dias, em 30/09/2026."
    assert sent[-1][0].message == f"Lembrete: a {what} vence amanhã, em 30/09/2026."
    assert sent[-1][0].kind == "deliverable.reminder"
    assert sent[1][0].kind == "deliverable.overdue"
    assert sent[1][0].message == (f"A {what} está atrasada: venceu ontem, em 30/09/2026. "
                                  "Envie assim que possível.")
    assert "venceu há 8 dias" in sent[8][0].message and "há 15 dias" in sent[15][0].message
    link = f"https://rede.exemplo.gov.br/entregas/{banner.id}\n"
    mails = [m for m in outbox if link in m.get_body(("plain",)).get_content()]
    assert len(mails) == 12  # 6 reminders × 2 people, immediately by default


def test_a_follow_up_is_recalled_in_its_own_words_never_as_late(app, users, followup):
    sent = {}
    for day in (date(2026, 1, 31), date(2026, 2, 23), date(2026, 3, 1), date(2026, 3, 2),
                date(2026, 3, 3), date(2026, 3, 10)):
        before = len(notifications_about(followup))
        output = run(app, day)
        sent[day] = (notifications_about(followup)[before:], output)
    assert {day for day, (new, _) in sent.items() if new} == {
        date(2026, 1, 31), date(2026, 2, 23), date(2026, 3, 1), date(2026, 3, 3),
        date(2026, 3, 10)}
    what = ("o relato de acompanhamento pedido pela SEGES da meta 3.1 (Relato de "
            "acompanhamento de 2025)")
    before_30, output = sent[date(2026, 1, 31)]
    assert {n.user_id for n in before_30} == {users["partner_manager"].id,
                                              users["partner_member"].id}
    assert before_30[0].message == f"Lembrete: {what} vence em 30 dias, em 02/03/2026."
    assert "Lembrete (30 d): meta 3.1 (Relato de acompanhamento de 2025)" in output
    assert sent[date(2026, 3, 1)][0][0].message == (
        f"Lembrete: {what} vence amanhã, em 02/03/2026.")
    for day in (date(2026, 3, 3), date(2026, 3, 10)):  # the day after, then weekly
        notice = sent[day][0][0]
        assert notice.kind == "followup.pending"  # its own kind: subject and preference
        assert notice.message == ("O relato de acompanhamento pedido pela SEGES da meta 3.1 "
                                  "(Relato de acompanhamento de 2025) está pendente desde "
                                  "02/03/2026. Envie assim que possível.")
        assert "atrasada" not in notice.message.lower()


def test_returned_and_draft_deliverables_are_still_reminded(app, users, banner):
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    workspace.save_draft(banner, by=member, report="Rascunho.", covers_from=None,
                         covers_to=None)
    run(app, banner.due_on - timedelta(days=7))
    assert len(notifications_about(banner, "deliverable.reminder")) == 2  # a draft is owed
    submission = workspace.submit(banner, by=member)
    reviews.decide(submission, by=reviewer, decision="returned", reason_code="other",
                   comment="Falta a lista de presença.")
    db.session.commit()
    assert banner.status == "returned"
    run(app, banner.due_on + timedelta(days=1))
    [overdue] = notifications_about(banner, "deliverable.overdue")[-1:]
    assert "foi devolvida pela SEGES e aguarda a sua correção (prazo: " in overdue.message
    assert "atrasada" not in overdue.message
    assert len(notifications_about(banner, "deliverable.overdue")) == 2  # MG's two users


def test_running_twice_on_the_same_day_sends_nothing_twice(app, users, banner, outbox):
    day = banner.due_on - timedelta(days=7)
    first = run(app, day)
    count, mails = len(notifications_about(banner)), len(outbox)
    assert count == 2 and "Lembrete (7 d): meta 3.4 (Ano 1" in first
    second = run(app, day)
    assert len(notifications_about(banner)) == count and len(outbox) == mails
    assert "meta 3.4" not in second and "Enviados em" in second


def test_dry_run_lists_what_would_be_sent_and_writes_nothing(app, users, banner, outbox):
    output = run(app, banner.due_on - timedelta(days=7), "--dry-run")
    assert "[simulação] Lembrete (7 d): meta 3.4 (Ano 1" in output and "Seriam enviados" in output
    assert notifications_about(banner) == [] and outbox == []
    assert db.session.scalar(db.select(ReminderLog.id)) is None


def test_sent_or_finished_deliverables_are_not_reminded(app, users, banner):
    workspace.save_draft(banner, by=users["partner_member"], report="Feito.",
                         covers_from=None, covers_to=None)
    workspace.submit(banner, by=users["partner_member"])
    run(app, banner.due_on - timedelta(days=7))
    run(app, banner.due_on + timedelta(days=1))
    assert notifications_about(banner) == []


def test_a_reminder_another_run_already_claimed_is_not_sent(app, users, banner, outbox,
                                                             monkeypatch):
    day = banner.due_on - timedelta(days=7)
    db.session.add(ReminderLog(key=f"prazo:{banner.id}:7", run_on=day))
    db.session.commit()
    run(app, day)
    assert notifications_about(banner) == []
    # Two runs at once: both saw no key; the one whose insert loses sends nothing.
    mails = len(outbox)  # 2.1 and 3.2 (MG's and SEGES's) are due the same day: reminded
    monkeypatch.setattr(reminders, "_already_sent", lambda keys: False)
    with app.test_request_context():
        report = reminders.send(day)
    assert report.lines == [] and notifications_about(banner) == [] and len(outbox) == mails


def test_the_sent_log_key_is_unique_in_the_database(app):
    db.session.add_all([ReminderLog(key="prazo:1:7", run_on=date(2026, 1, 1)),
                        ReminderLog(key="prazo:1:7", run_on=date(2026, 1, 1))])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_seges_is_told_of_submissions_waiting_longer_than_the_sla(app, users, act):
    painel = deliverable_of(act, "1.2", users["partner_manager"].institution_id)
    workspace.save_draft(painel, by=users["partner_member"], report="Indicamos Ana.",
                         covers_from=None, covers_to=None)
    submission = workspace.submit(painel, by=users["partner_member"])
    submission.submitted_at = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)  # 12:00 in Brasília
    db.session.commit()

    def waiting_notices():
        return list(db.session.scalars(
            db.select(Notification).where(Notification.kind == "review.waiting")
            .order_by(Notification.id)))

    seen = {}
    for day in [14, 15, 16, 21, 22, 23, 29]:
        before = len(waiting_notices())
        run(app, date(2026, 5, day))
        seen[day] = waiting_notices()[before:]
    assert {day for day, new in seen.items() if new} == {15, 22, 29}  # 11, 18, 25 days
    assert {n.user_id for n in seen[15]} == {users["seges_admin"].id, users["seges_reviewer"].id}
    assert seen[15][0].message == ("O envio da meta 1.2 (Prazo único) de SCC/MG aguarda "
                                   "análise há 11 dias (prazo: 10 dias).")
    assert seen[15][0].url == f"/analise/{painel.id}"
    app.config["REVIEW_SLA_DAYS"] = 20
    run(app, date(2026, 5, 25))
    assert len(waiting_notices()) == 8  # 21 days > 20: told again under the new SLA
    assert "há 21 dias (prazo: 20 dias)" in waiting_notices()[-1].message


def test_the_daily_digest_gathers_each_users_pending_copies_once(app, users, outbox):
    member, manager = users["partner_member"], users["partner_manager"]
    for text in ("Primeira resposta.", "Segunda resposta."):
        notify(member, "forum.post", text, "/forum/t/1")
    notify(manager, "submission_approved", "Aprovada.", "/entregas/1")
    db.session.commit()
    assert outbox == []  # both kinds go to the digest by default
    app.config["PUBLIC_URL"] = "https://rede.exemplo.gov.br"
    output = run(app, date(2026, 5, 4))
    assert "Resumo diário: membro@mg.test (2 notificação(ões))" in output
    assert sorted(m["To"] for m in outbox) == ["gestor@mg.test", "membro@mg.test"]
    to_member = next(m for m in outbox if m["To"] == "membro@mg.test")
    assert to_member["Subject"] == "Resumo diário: 2 notificações · Rede de Parcerias"
    text = to_member.get_body(("plain",)).get_content()
    assert "Primeira resposta." in text and "Segunda resposta." in text
    assert "https://rede.exemplo.gov.br/forum/t/1" in text
    assert "https://rede.exemplo.gov.br/conta/notificacoes" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .where(Notification.emailed_at.is_(None))) == 0
    run(app, date(2026, 5, 4))
    run(app, date(2026, 5, 5))
    assert len(outbox) == 2


# The monthly adhesion report (C.4) ----------------------------------------------------


def _adhere(act, users, name, signed_on, acronym=None):
    return plans.register_adhesion(
        act, by=users["seges_admin"], name=name, cnpj=factories.valid_cnpj(),
        sphere="municipal", uf="MG", signed_on=signed_on, acronym=acronym)


def _c4(act, users, month: str) -> Deliverable:
    return db.session.scalar(db.select(Deliverable).where(
        Deliverable.period_key == f"Eadesoes-{month}",
        Deliverable.institution_id == users["partner_manager"].institution_id))


def test_the_c4_report_is_prefilled_on_the_1st_and_sent_with_one_click(
    app, client, users, login, act, outbox
):
    _adhere(act, users, "Prefeitura de Betim", date(2026, 3, 16), "PMB")
    _adhere(act, users, "Prefeitura de Contagem", date(2026, 3, 3))
    _adhere(act, users, "Prefeitura de Uberaba", date(2026, 4, 2))
    march = _c4(act, users, "2026-03")
    run(app, date(2026, 3, 31))
    assert march.status == "pending" and workspace.latest_version(march) is None

    output = run(app, date(2026, 4, 1))
    assert "Relação de adesões pré-preenchida: meta C.4 (Adesões de 03/2026)" in output
    draft = workspace.latest_version(march)
    assert march.status == "draft" and draft.is_draft and draft.author_id is None
    assert (draft.covers_from, draft.covers_to) == (date(2026, 3, 1), date(2026, 3, 31))
    lines = draft.report.splitlines()
    assert lines[0] == ("Instituições que celebraram Acordo de Adesão ao ACT nº 160/2025 em "
                        "03/2026: 2.")
    assert lines[2].startswith("1. **Prefeitura de Contagem** — CNPJ ")
    assert lines[2].endswith("assinado em 03/03/2026 — Termo de Adesão")
    assert lines[3].startswith("2. **Prefeitura de Betim (PMB)** — CNPJ ")
    assert "Uberaba" not in draft.report  # April's report waits for May
    assert _c4(act, users, "2026-04").status == "pending"
    ready = notifications_about(march, "adhesion.report_ready")
    assert {n.user_id for n in ready} == {users["partner_manager"].id, users["partner_member"].id}
    assert any("A relação de adesões de 03/2026" in m.get_body(("plain",)).get_content()
               for m in outbox)

    login(users["partner_manager"])
    page = client.get(f"/entregas/{march.id}").get_data(as_text=True)
    assert "Enviar para análise" in factories.buttons(page) and "Prefeitura de Betim" in page
    confirm = client.get(f"/entregas/{march.id}/enviar").get_data(as_text=True)
    # The relação is the report itself: one click, on the button that says it has no files.
    assert "Enviar sem evidências" in factories.buttons(confirm)
    assert "<strong>Prefeitura de Contagem</strong>" in confirm
    assert client.post(f"/entregas/{march.id}/enviar", data={"sem_evidencias": "1"}
                       ).status_code == 302
    db.session.refresh(march)
    assert march.status == "submitted"
    assert workspace.latest_version(march).submitted_by_id == users["partner_manager"].id


def test_the_c4_prefill_is_idempotent_and_never_touches_a_started_draft(app, users, act):
    _adhere(act, users, "Prefeitura de Betim", date(2026, 3, 16))
    _adhere(act, users, "Prefeitura de Uberaba", date(2026, 4, 2))
    march, april = _c4(act, users, "2026-03"), _c4(act, users, "2026-04")
    workspace.save_draft(april, by=users["partner_member"], report="Já escrevemos o nosso.",
                         covers_from=None, covers_to=None)
    run(app, date(2026, 5, 2))  # a late run catches up March too
    run(app, date(2026, 5, 3))
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)
                             .where(Submission.deliverable_id == march.id)) == 1
    assert workspace.latest_version(april).report == "Já escrevemos o nosso."
    assert notifications_about(april, "adhesion.report_ready") == []
    assert len(notifications_about(march, "adhesion.report_ready")) == 2
