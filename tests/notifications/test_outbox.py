"""Issue 20, point 10: e-mail goes through an outbox. The message is written in the
transaction of the change that causes it, the worker (``portal worker``) sends it with
retries and backoff and records the outcome; no web request talks to the mail server, an
SMTP outage loses nothing, and two workers never send a message twice."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.core import mail
from portal.core.models import OutboxMessage, utcnow
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import notify
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued(app):
    """Mail through the outbox, as in production."""
    app.config["MAIL_DELIVERY"] = "outbox"


def _rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def _worker(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def hanging_server():
    """A port that accepts connections and never says a word: a mail server that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def _invite(client, users, email="pessoa.nova@mg.test"):
    mg = users["partner_manager"].institution_id
    return client.post(f"/instituicoes/{mg}/usuarios/convidar",
                       data={"name": "Pessoa Nova", "email": email, "role": "partner_member"})


def test_a_request_only_queues_its_mail_and_the_worker_sends_it(
    app, client, users, login, queued, outbox
):
    login(users["partner_manager"])
    assert _invite(client, users).status_code == 302
    [row] = _rows()
    assert (row.recipient, row.status, row.attempts) == ("pessoa.nova@mg.test", "queued", 0)
    assert outbox == []  # nothing handed to the mail backend by the request

    assert "1 enviado," in _worker(app)
    [sent] = outbox
    assert sent["To"] == "pessoa.nova@mg.test" and "/ativar/" in sent.get_body(
        ("plain",)).get_content()
    [row] = _rows()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert "0 enviados" in _worker(app)  # never twice
    assert len(outbox) == 1


def test_an_immediate_notification_copy_is_queued_with_it_and_a_rollback_drops_both(
    app, users, queued, outbox
):
    member = users["partner_member"]
    notify(member, "forum.mention", "Ana mencionou você.", "/forum/t/1")
    db.session.rollback()
    notify(member, "submission_returned", "Entrega 1.2 devolvida.", "/entregas/1")
    db.session.commit()
    [row] = _rows()
    assert row.recipient == "membro@mg.test" and outbox == []
    assert "1 enviado," in _worker(app)
    [sent] = outbox
    assert "Entrega 1.2 devolvida." in sent.get_body(("plain",)).get_content()


def test_a_rolled_back_change_leaves_no_mail(app, users, queued):
    member = users["partner_member"]
    assert member.institution  # loaded before rendering, as the inviting service has it
    with app.test_request_context():
        mail.send_mail("alguem@mg.test", "Assunto", "auth/email/activate",
                       user=member, link="https://exemplo/ativar/x")
        db.session.rollback()
    assert _rows() == []


def test_an_smtp_outage_loses_nothing_and_the_message_goes_once_when_it_is_back(
    app, client, users, login, queued, smtp
):
    down_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nothing listens there: connection refused
    login(users["partner_manager"])
    assert _invite(client, users).status_code == 302  # the request never waits on SMTP

    assert "1 a tentar de novo" in _worker(app)
    [row] = _rows()
    assert row.status == "queued" and row.attempts == 1 and "refused" in row.last_error.lower()
    retry_at = row.next_attempt_at  # SQLite gives back a naive UTC datetime
    wait = (retry_at if retry_at.tzinfo else retry_at.replace(tzinfo=UTC)) - utcnow()
    assert timedelta(seconds=30) < wait <= timedelta(minutes=1)
    assert "0 enviados" in _worker(app)  # not due yet

    app.config["MAIL_PORT"] = down_port  # the server is back
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert "1 enviado," in _worker(app)
        assert "0 enviados" in _worker(app)
    assert [m["To"] for m in smtp.messages] == ["pessoa.nova@mg.test"]
    [row] = _rows()
    assert row.status == "sent" and row.attempts == 2


def test_after_the_last_attempt_it_is_failed_listed_and_can_be_resent(
    app, client, users, login, queued, outbox
):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1,
                      MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_MINUTES=(1, 5))
    login(users["seges_admin"])
    assert _invite(client, users, email="sem-servidor@mg.test").status_code == 302
    now = utcnow()
    for minutes in (0, 2, 8):  # the attempts, each after the backoff of the one before
        with time_machine.travel(now + timedelta(minutes=minutes)):
            _worker(app)
    [row] = _rows()
    assert (row.status, row.attempts) == ("failed", 3)

    page = client.get("/administracao/emails").get_data(as_text=True)
    listed = factories.table_row(page, "sem-servidor@mg.test")
    assert listed["Situação"] == "Falha definitiva" and listed["Tentativas"] == "3"
    assert "ConnectionRefusedError" in listed["Última falha"]
    assert 'hx-confirm="Reenviar o e-mail “' in page and ' para sem-servidor@mg.test?"' in page

    app.config.update(MAIL_BACKEND="memory")
    response = client.post(f"/administracao/emails/{row.id}/reenviar")
    assert response.status_code == 302
    assert "1 enviado," in _worker(app)
    assert [m["To"] for m in outbox] == ["sem-servidor@mg.test"]
    assert _rows()[0].status == "sent"


def test_two_workers_never_send_the_same_message(app, users, queued, outbox):
    with app.test_request_context():
        for number in range(20):
            mail.queue(mail.build_message(f"pessoa{number}@mg.test", "Aviso", "Texto."))
        db.session.commit()
    start = threading.Barrier(2)
    errors = []

    def work() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                mail.deliver_due()
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    recipients = sorted(m["To"] for m in outbox)
    assert recipients == sorted(f"pessoa{n}@mg.test" for n in range(20))  # each exactly once
    assert {row.status for row in _rows()} == {"sent"}


def test_only_seges_admins_see_the_queue(client, users, login):
    for role, status in [("seges_reviewer", 403), ("partner_manager", 403), ("seges_admin", 200)]:
        login(users[role])
        assert client.get("/administracao/emails").status_code == status
        audit_page = client.get("/auditoria").get_data(as_text=True)  # linked there, for them
        assert ('href="/administracao/emails"' in audit_page) == (status == 200)
        client.post("/logout")


def test_migration_0015_adds_and_removes_the_outbox(app_config, tmp_path):
    """On SQLite, and on PostgreSQL with PORTAL_TEST_DATABASE_URI."""
    with factories.scratch_database_uri(tmp_path) as uri:
        other = create_app(app_config(uri, tmp_path))
        with other.app_context():
            try:
                upgrade(revision="0014")
                assert "outbox_messages" not in sa.inspect(db.engine).get_table_names()
                upgrade(revision="0015")
                indexes = sa.inspect(db.engine).get_indexes("outbox_messages")
                assert [i["name"] for i in indexes] == ["ix_outbox_messages_due"]
                db.session.add(OutboxMessage(recipient="a@b.test", subject="S", raw="x"))
                db.session.commit()
                assert db.session.scalar(db.select(OutboxMessage.status)) == "queued"
                db.session.remove()
                downgrade(revision="0014")
                assert "outbox_messages" not in sa.inspect(db.engine).get_table_names()
                upgrade()
            finally:
                db.session.remove()
                db.engine.dispose()


def test_a_request_never_waits_on_a_mail_server_that_hangs(
    app, client, users, login, queued, hanging_server
):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=hanging_server,
                      MAIL_TIMEOUT=1)
    login(users["partner_manager"])
    started = time.monotonic()
    assert _invite(client, users).status_code == 302
    assert time.monotonic() - started < 1  # answered without waiting for the server

    started = time.monotonic()
    assert "1 a tentar de novo" in _worker(app)
    assert time.monotonic() - started >= 1  # the worker did wait: the server really hangs
    [row] = _rows()
    assert (row.status, row.attempts) == ("queued", 1) and "timed out" in row.last_error


def test_a_digest_is_kept_while_the_mail_server_is_down_and_sent_once_after(
    app, users, queued, smtp
):
    """The digest is marked sent in the transaction that queues it: the outage only delays it."""
    notify(users["partner_member"], "forum.post", "Uma resposta no fórum.", "/forum/t/1")
    db.session.commit()
    up = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # the mail server is down
    run = app.test_cli_runner().invoke(args=["reminders", "send", "--today", "2026-05-04"])
    assert run.exit_code == 0 and "Resumo diário: membro@mg.test" in run.output
    assert "1 a tentar de novo" in _worker(app)
    [row] = _rows()
    assert (row.recipient, row.status) == ("membro@mg.test", "queued")
    db.session.expire_all()
    assert db.session.scalar(db.select(Notification.emailed_at)) is not None

    app.config["MAIL_PORT"] = up
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert "1 enviado," in _worker(app)
        rerun = app.test_cli_runner().invoke(
            args=["reminders", "send", "--today", date(2026, 5, 4).isoformat()])
        assert rerun.exit_code == 0
        assert "0 enviados" in _worker(app)
    [digest] = smtp.messages
    assert digest["To"] == "membro@mg.test" and "Resumo diário" in digest["Subject"]
    assert "Uma resposta no fórum." in smtp.text(digest)


def test_the_worker_process_sends_and_stops_at_once_on_sigterm(
    app, database_uri, queued, smtp, tmp_path
):
    with app.test_request_context():
        mail.queue(mail.build_message("pessoa@mg.test", "Aviso", "Texto."))
        db.session.commit()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(
        PORTAL_SQLALCHEMY_DATABASE_URI=database_uri,
        PORTAL_SECRET_KEY="chave-do-teste-do-worker-" + "x" * 16,
        PORTAL_PUBLIC_URL="https://rede.exemplo.gov.br",
        PORTAL_UPLOAD_FOLDER=str(tmp_path / "uploads"),
        PORTAL_MAIL_SERVER="127.0.0.1",
        PORTAL_MAIL_PORT=str(app.config["MAIL_PORT"]),
    )
    process = subprocess.Popen(  # the command systemd runs, with a long pause between rounds
        [str(Path(sys.executable).parent / "portal"), "worker", "--interval", "60"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not smtp.messages and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [m["To"] for m in smtp.messages] == ["pessoa@mg.test"]
        time.sleep(0.5)  # now in its pause
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert time.monotonic() - stopped_at < 5  # not the 60 s of the pause
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "1 enviado," in output and "Envio de e-mails encerrado." in output
    assert [row.status for row in _rows()] == ["sent"]
