"""Every kind the issue lists is produced somewhere, and each has a preference row."""

from datetime import date

import pytest

from portal.extensions import db
from portal.forum import services as forum
from portal.notifications import kinds, services
from portal.notifications.models import Notification
from portal.plans import services as plans
from tests import factories


def _of_kind(kind: str) -> list[Notification]:
    return list(db.session.scalars(
        db.select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def test_seges_admins_hear_of_a_new_adhesion_by_e_mail(app, users, act, outbox):
    with app.test_request_context():
        adhesion = plans.register_adhesion(
            act, by=users["partner_manager"], name="Prefeitura de Betim",
            cnpj=factories.valid_cnpj(), sphere="municipal", uf="MG", signed_on=date(2026, 3, 16))
        db.session.commit()  # the request's commit sends the e-mail copies
    [notice] = _of_kind("adhesion.registered")
    assert notice.user_id == users["seges_admin"].id  # admins only, not reviewers
    assert notice.message == ("Gestor (SCC/MG) registrou a adesão de Prefeitura de Betim ao ACT nº "
                              "160/2025, assinada em 16/03/2026.")
    assert notice.url == f"/acordos/{adhesion.id}"
    assert [m["To"] for m in outbox] == ["admin@seges.test"]


def test_an_accepted_answer_reaches_its_author_and_the_topics_watchers(app, users):
    member, manager, reviewer = (users["partner_member"], users["partner_manager"],
                                 users["seges_reviewer"])
    with app.test_request_context():
        topic = factories.topic(member)
        answer = forum.reply(topic, by=manager, body="Conte as horas por turma.")
        forum.toggle_watch(reviewer, topic=topic)
        forum.accept_answer(answer, by=member)
    accepted = {n.user_id: n.message for n in _of_kind("forum.accepted")}
    title = topic.title
    assert accepted == {
        manager.id: f"Sua resposta em “{title}” foi marcada como aceita.",
        reviewer.id: f"Uma resposta foi aceita em “{title}”.",
    }


def test_notify_refuses_a_kind_without_a_row_in_kinds(app, users):
    with pytest.raises(ValueError):
        services.notify(users["partner_member"], "forum.replyy", "Erro de digitação")
    assert all(k.default in kinds.DELIVERIES for k in kinds.KINDS.values())


def test_preferences_list_only_the_kinds_a_role_receives(app, users):
    listed = {role: {k.code for k in kinds.kinds_for(users[role])}
              for role in ("seges_admin", "seges_reviewer", "partner_manager", "partner_member")}
    assert "adhesion.registered" in listed["seges_admin"]
    assert "adhesion.registered" not in listed["seges_reviewer"]
    assert "focal_point.access_granted" in listed["partner_manager"]
    assert "focal_point.access_granted" not in listed["partner_member"]
    assert "review.waiting" in listed["seges_reviewer"] - listed["partner_manager"]
