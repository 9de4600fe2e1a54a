"""Issue 20, point 10: e-mail goes through an outbox. The message is written in the
transaction of the change that causes it, the worker (``portal worker``) sends it with
retries and backoff and records the outcome; no web request talks to the mail server, an
SMTP outage loses nothing, and two workers never send a message twice."""

import threading
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.core import mail
from portal.core.models import OutboxMessage, utcnow
from portal.extensions import db
from tests import factories


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

    assert "1 enviado(s)" in _worker(app)
    [sent] = outbox
    assert sent["To"] == "pessoa.nova@mg.test" and "/ativar/" in sent.get_body(
        ("plain",)).get_content()
    [row] = _rows()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert "0 enviado(s)" in _worker(app)  # never twice
    assert len(outbox) == 1


def test_a_rolled_back_change_leaves_no_mail(app, users, queued):
    with app.test_request_context():
        mail.send_mail("alguem@mg.test", "Assunto", "auth/email/activate",
                       user=users["partner_member"], link="https://exemplo/ativar/x")
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
    assert "0 enviado(s)" in _worker(app)  # not due yet

    app.config["MAIL_PORT"] = down_port  # the server is back
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert "1 enviado(s)" in _worker(app)
        assert "0 enviado(s)" in _worker(app)
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

    app.config.update(MAIL_BACKEND="memory")
    response = client.post(f"/administracao/emails/{row.id}/reenviar")
    assert response.status_code == 302
    assert "1 enviado(s)" in _worker(app)
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
