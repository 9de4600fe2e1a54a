"""E-mail copies of notifications: sent after the commit, per the user's preference."""

import logging

from portal.deliverables import reviews, services
from portal.extensions import db
from portal.notifications import kinds
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.services import notify, save_preferences
from tests.factories import deliverable_of


def test_a_returned_submission_reaches_the_partner_in_the_portal_and_by_smtp(
    app, users, act, smtp
):
    member, manager = users["partner_member"], users["partner_manager"]
    painel = deliverable_of(act, "1.2", member.institution_id)
    services.save_draft(painel, by=member, report="Indicamos Ana.", covers_from=None,
                        covers_to=None)
    submission = services.submit(painel, by=member)
    with app.test_request_context():
        reviews.decide(submission, by=users["seges_reviewer"], decision="returned",
                       reason_code="insufficient_evidence", comment="Falta o ofício assinado.")
        db.session.commit()  # the request's commit decides and sends the e-mail copies
    in_app = db.session.scalars(
        db.select(Notification).where(Notification.kind == "submission_returned")).all()
    assert {n.user_id for n in in_app} == {member.id, manager.id}
    assert all(n.delivery == "immediate" and n.emailed_at is not None for n in in_app)
    assert sorted(m["To"] for m in smtp.messages) == ["gestor@mg.test", "membro@mg.test"]
    message = smtp.to("membro@mg.test")[0]
    assert message["Subject"] == "Entrega devolvida pela SEGES · Rede de Parcerias"
    text = smtp.text(message)
    assert "Olá, Membro." in text and "Falta o ofício assinado." in text
    assert f"http://localhost/entregas/{painel.id}" in text
    assert "http://localhost/conta/notificacoes" in text
    html = smtp.html(message)
    assert f'href="http://localhost/entregas/{painel.id}"' in html and "<p>Olá, Membro.</p>" in html


def test_nothing_is_sent_before_the_commit_nor_for_a_rolled_back_transaction(users, outbox):
    member = users["partner_member"]
    notify(member, "submission_returned", "Devolvida.")
    db.session.flush()
    assert outbox == []
    db.session.rollback()
    assert outbox == [] and db.session.scalar(db.select(Notification.id)) is None
    notify(member, "submission_returned", "Devolvida de novo.")
    db.session.commit()
    assert len(outbox) == 1 and "Devolvida de novo." in outbox[0].get_body(("plain",)).get_content()


def test_each_user_chooses_immediately_digest_or_off_per_kind(users, outbox):
    member, manager = users["partner_member"], users["partner_manager"]
    save_preferences(member, {"submission_returned": "off", "forum.post": "immediate"})
    save_preferences(manager, {"submission_returned": "digest"})
    for user in (member, manager):
        notify(user, "submission_returned", "Devolvida.")
        notify(user, "forum.post", "Resposta nova.")
    db.session.commit()
    # member: returned off, forum immediate; manager: returned digest, forum digest (default)
    assert [m["To"] for m in outbox] == ["membro@mg.test"]
    assert "Resposta nova." in outbox[0].get_body(("plain",)).get_content()
    deliveries = {
        (n.user_id, n.kind): (n.delivery, n.emailed_at is not None)
        for n in db.session.scalars(db.select(Notification))
    }
    assert deliveries == {
        (member.id, "submission_returned"): ("off", False),
        (member.id, "forum.post"): ("immediate", True),
        (manager.id, "submission_returned"): ("digest", False),
        (manager.id, "forum.post"): ("digest", False),
    }


def test_defaults_are_not_stored_and_unknown_choices_are_ignored(users):
    member = users["partner_member"]
    changed = save_preferences(member, {"submission_returned": "immediate",
                                        "review.waiting": "off",  # not a partner's kind
                                        "forum.mention": "sometimes"})
    assert changed == 0
    assert db.session.scalar(db.select(NotificationPreference.kind)) is None
    assert kinds.kind("submission_returned").default == "immediate"


def test_an_smtp_failure_is_logged_and_never_breaks_the_request(
    app, client, users, login, caplog
):
    # Nobody listens on port 9.
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)
    member = users["partner_member"]
    with caplog.at_level(logging.ERROR, logger="portal.mail"):
        notify(member, "submission_returned", "Devolvida.")
        db.session.commit()
    assert "Falha ao enviar 1 e-mail(s)" in caplog.text
    assert db.session.scalar(db.select(Notification.message)) == "Devolvida."
    login(member)
    assert client.get("/notificacoes").status_code == 200


def test_without_a_mail_server_the_copy_is_written_to_the_log(app, users, caplog):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER=None)
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        notify(users["partner_member"], "submission_returned", "Devolvida no log.")
        db.session.commit()
    assert "servidor SMTP não configurado" in caplog.text and "Devolvida no log." in caplog.text


def test_inactive_users_get_no_e_mail(users, outbox):
    member = users["partner_member"]
    member.active = False
    db.session.commit()
    notify(member, "submission_returned", "Devolvida.")
    db.session.commit()
    assert outbox == []
    assert db.session.scalar(db.select(Notification.delivery)) == "off"


def test_the_html_copy_escapes_what_users_wrote(users, outbox):
    notify(users["partner_member"], "forum.mention", "<script>alert(1)</script> em “<b>T</b>”.")
    db.session.commit()
    html = outbox[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
