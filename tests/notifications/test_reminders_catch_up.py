"""Issue 20, point 12: catch-up reminders. ``portal reminders send`` records each successful
run (``reminder_runs``, migration 0014) and the next run covers every day since: when the
job misses days, one run sends what fell due on them — once, worded as of the day it runs —
and stays idempotent."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
import time_machine
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.notifications.models import Notification, ReminderLog, ReminderRun
from tests.factories import deliverable_of, scratch_database_uri


def run_now(app) -> str:
    """The daily job as the systemd timer runs it: no --today, the clock's day."""
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def noon_in_brasilia(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


def notices(deliverable) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.url == f"/entregas/{deliverable.id}")
        .order_by(Notification.id)))


def logged(prefix: str) -> set[str]:
    return set(db.session.scalars(
        db.select(ReminderLog.key).where(ReminderLog.key.startswith(prefix))))


def test_a_run_after_three_missed_days_sends_what_fell_due_on_them_once(app, act, users):
    mg = users["partner_manager"].institution_id
    banner = deliverable_of(act, "3.4", mg)  # due 30/09/2026: the 7-day mark is 23/09
    painel = deliverable_of(act, "1.2", mg)  # due 16/10/2025: overdue steps …, 25/09/2026
    assert (banner.due_on, painel.due_on) == (date(2026, 9, 30), date(2025, 10, 16))
    assert (date(2026, 9, 25) - painel.due_on).days % 7 == 1

    with time_machine.travel(noon_in_brasilia(date(2026, 9, 21)), tick=False):
        run_now(app)
    before = {d.id: len(notices(d)) for d in (banner, painel)}

    # 22, 23, 24 and 25/09 pass without a run (the server was down); the next one is on 26/09.
    with time_machine.travel(noon_in_brasilia(date(2026, 9, 26)), tick=False):
        output = run_now(app)
    assert "Recuperando os dias sem execução: de 22/09/2026 a 26/09/2026." in output
    reminders = notices(banner)[before[banner.id]:]
    assert len(reminders) == 2  # MG's two users, once each
    for reminder in reminders:
        assert reminder.kind == "deliverable.reminder"
        assert "vence em 4 dias, em 30/09/2026" in reminder.message  # as of the day it is sent
    assert logged(f"prazo:{banner.id}:") == {f"prazo:{banner.id}:7"}
    overdue = [n for n in notices(painel)[before[painel.id]:] if n.kind == "deliverable.overdue"]
    assert len(overdue) == 2  # MG's two users, once each
    assert "venceu há 345 dias" in overdue[0].message
    assert f"atraso:{painel.id}:2026-09-25" in logged(f"atraso:{painel.id}:")

    runs = list(db.session.scalars(db.select(ReminderRun).order_by(ReminderRun.id)))
    assert [(r.run_on, r.covered_from) for r in runs] == [
        (date(2026, 9, 21), date(2026, 9, 21)), (date(2026, 9, 26), date(2026, 9, 22))]

    # Idempotent: running again (that day or the next) repeats nothing.
    total = db.session.scalar(db.select(sa.func.count()).select_from(Notification))
    with time_machine.travel(noon_in_brasilia(date(2026, 9, 26)), tick=False):
        run_now(app)
    assert db.session.scalar(db.select(sa.func.count()).select_from(Notification)) == total
    with time_machine.travel(noon_in_brasilia(date(2026, 9, 27)), tick=False):
        run_now(app)
    assert len(notices(banner)) == before[banner.id] + 2


def test_a_dry_run_lists_the_missed_days_but_records_nothing(app, act, users):
    with time_machine.travel(noon_in_brasilia(date(2026, 9, 21)), tick=False):
        run_now(app)
    with time_machine.travel(noon_in_brasilia(date(2026, 9, 26)), tick=False):
        result = app.test_cli_runner().invoke(args=["reminders", "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[simulação] Recuperando os dias sem execução: de 22/09/2026" in result.output
    assert "[simulação] Lembrete (4 d): meta 3.4" in result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(sa.func.count()).select_from(ReminderRun)) == 1


def test_migration_0014_adds_and_removes_the_runs_table(app_config, tmp_path):
    """On SQLite, and on PostgreSQL with PORTAL_TEST_DATABASE_URI."""
    with scratch_database_uri(tmp_path) as uri:
        other = create_app(app_config(uri, tmp_path))
        with other.app_context():
            try:
                upgrade(revision="0013")
                assert "reminder_runs" not in sa.inspect(db.engine).get_table_names()
                upgrade(revision="0014")
                inspector = sa.inspect(db.engine)
                assert {c["name"] for c in inspector.get_columns("reminder_runs")} == {
                    "id", "run_on", "covered_from", "sent", "finished_at"}
                assert [i["name"] for i in inspector.get_indexes("reminder_runs")] == [
                    "ix_reminder_runs_run_on"]
                with db.engine.begin() as connection:
                    connection.execute(sa.text(
                        "INSERT INTO reminder_runs (run_on, covered_from, sent, finished_at) "
                        "VALUES ('2026-09-21', '2026-09-21', 3, '2026-09-21 09:00:00+00:00')"))
                day = date(2026, 9, 22)
                db.session.add(ReminderRun(run_on=day, covered_from=day))
                db.session.commit()
                assert db.session.scalar(db.select(sa.func.max(ReminderRun.run_on))) == \
                    date(2026, 9, 22)
                db.session.remove()
                downgrade(revision="0013")
                assert "reminder_runs" not in sa.inspect(db.engine).get_table_names()
                upgrade()
            finally:
                db.session.remove()
                db.engine.dispose()
