"""SEGES review: the queue, decisions (first wins), the diff after a return, waivers."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from portal.core.exceptions import DomainError
from portal.core.models import AuditEvent
from portal.deliverables import reviews, services
from portal.deliverables.models import Deliverable, Review, Submission
from portal.extensions import db
from portal.notifications.models import Notification
from tests import factories
from tests.factories import PDF, PNG, deliverable_of


@pytest.fixture
def submitted(users, painel):
    """MG's 1.2 sent by its member, with a report, a PDF and a link."""
    return factories.submitted(
        painel, users["partner_member"], "Indicamos a servidora Ana para o Painel.",
        files=[("oficio.pdf", PDF)], links=[("https://www.gov.br/a", "Notícia")],
    )


def _queued_goals(body: str) -> list[str]:
    """The goal codes of the queue's rows, in the order shown (the \"Meta\" column)."""
    return [row["Meta"].split(" — ")[0] for row in factories.table_rows(body) if "Meta" in row]


def _waiting_cells(body: str) -> list[str]:
    """The queue's \"Esperando\" column, row by row."""
    return [row["Esperando"] for row in factories.table_rows(body) if "Esperando" in row]


def test_queue_lists_submissions_oldest_first_with_filters(client, users, login, act, submitted):
    other = deliverable_of(act, "3.1", users["partner_manager"].institution_id)
    factories.submitted(other, users["partner_member"], "Banner publicado.")
    login(users["seges_reviewer"])
    body = client.get("/analise").get_data(as_text=True)
    assert "2 entregas aguardando" in factories.page_text(body)
    assert _queued_goals(body) == ["1.2", "3.1"]  # oldest first
    fragment = client.htmx("/analise?eixo=3").get_data(as_text=True)
    assert _queued_goals(fragment) == ["3.1"]
    assert "<html" not in fragment
    assert _queued_goals(client.htmx("/analise?uf=ES").get_data(as_text=True)) == []
    assert _queued_goals(client.htmx(
        "/analise?codigo=1.2&elo=Estados&parceiro=mg"
    ).get_data(as_text=True)) == ["1.2"]
    empty = client.htmx("/analise?espera=30").get_data(as_text=True)
    assert _queued_goals(empty) == [] and "Nenhuma entrega" in factories.page_text(empty)


def test_reviewer_approves_and_the_partner_is_notified(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    page = client.get(f"/analise/{painel.id}").get_data(as_text=True)
    assert "Indicamos a servidora Ana" in page and "oficio.pdf" in page and "Notícia" in page
    response = client.post(
        f"/analise/{painel.id}/decisao",
        data={"submission_id": submitted.id, "decision": "approved", "comment": ""},
    )
    assert response.status_code == 302
    assert db.session.get(Deliverable, painel.id).status == "approved"
    notes = db.session.scalars(db.select(Notification.message)).all()
    assert notes and all("aprovou a meta 1.2" in n for n in notes)
    assert (
        db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "deliverable.approved")
        ).actor_id
        == users["seges_reviewer"].id
    )


def test_returning_requires_reason_and_comment(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    response = client.post(
        f"/analise/{painel.id}/decisao",
        data={
            "submission_id": submitted.id,
            "decision": "returned",
            "reason_code": "",
            "comment": "",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Escolha o motivo da devolução." in body  # both at once, not one per try
    assert "o comentário é obrigatório" in body
    response = client.post(
        f"/analise/{painel.id}/decisao",
        data={
            "submission_id": submitted.id,
            "decision": "returned",
            "reason_code": "insufficient_evidence",
            "comment": "",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "o comentário é obrigatório" in body and "Escolha o motivo" not in body
    assert db.session.get(Deliverable, painel.id).status == "submitted"


def test_return_resubmit_diff_and_approve(client, users, login, painel, submitted):
    reviewer, member = users["seges_reviewer"], users["partner_member"]
    reviews.decide(
        submitted,
        by=reviewer,
        decision="returned",
        reason_code="insufficient_evidence",
        comment="Falta o ofício assinado.",
    )
    login(member)
    page = client.get(f"/entregas/{painel.id}").get_data(as_text=True)
    assert "Evidência insuficiente" in page and "Falta o ofício assinado." in page
    assert "Nova versão (versão 2)" in page
    services.save_draft(
        painel,
        by=member,
        report="Indicamos a servidora Ana Souza para o Painel.",
        covers_from=None,
        covers_to=None,
    )
    services.add_files(painel, [factories.file_storage("oficio-assinado.png", PNG)], by=member)
    second = services.submit(painel, by=member)
    assert second.version == 2
    client.post("/logout")
    login(reviewer)
    page = client.get(f"/analise/{painel.id}").get_data(as_text=True)
    assert "O que mudou desde a devolução" in page
    assert re.search(r"<ins>\s*Souza\s*</ins>", page)
    assert "Arquivo acrescentado: oficio-assinado.png" in page
    assert "Falta o ofício assinado." in page
    client.post(
        f"/analise/{painel.id}/decisao", data={"submission_id": second.id, "decision": "approved"}
    )
    assert db.session.get(Deliverable, painel.id).status == "approved"
    assert db.session.get(Submission, submitted.id).status == "returned"  # history kept


def test_two_reviewers_at_once_first_wins_and_second_sees_who(app, users, painel, submitted):
    first, second = app.test_client(), app.test_client()
    other = factories.user(
        "revisora2@seges.test",
        "seges_reviewer",
        users["seges_reviewer"].institution,
        name="Rita Revisora",
    )
    for client, user in ((first, users["seges_reviewer"]), (second, other)):
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert client.get(f"/analise/{painel.id}").status_code == 200  # both see the form
    approve = {"submission_id": submitted.id, "decision": "approved"}
    assert first.post(f"/analise/{painel.id}/decisao", data=approve).status_code == 302
    response = second.post(
        f"/analise/{painel.id}/decisao",
        data={
            "submission_id": submitted.id,
            "decision": "returned",
            "reason_code": "other",
            "comment": "Devolvendo",
        },
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert users["seges_reviewer"].name in body and "aprovada" in body
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 1
    assert db.session.get(Deliverable, painel.id).status == "approved"


def test_decide_service_refuses_a_second_decision(users, painel, submitted):
    reviews.decide(submitted, by=users["seges_reviewer"], decision="approved")
    with pytest.raises(reviews.AlreadyDecided, match="já analisou"):
        reviews.decide(
            db.session.get(Submission, submitted.id),
            by=users["seges_admin"],
            decision="returned",
            reason_code="other",
            comment="x",
        )


def test_admin_waives_and_undoes(client, users, login, painel):
    login(users["seges_admin"])
    response = client.post(f"/entregas/{painel.id}/dispensar", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(
        f"/entregas/{painel.id}/dispensar", data={"reason": "Acordo suspenso por decisão judicial."}
    )
    assert response.status_code == 302
    deliverable = db.session.get(Deliverable, painel.id)
    assert deliverable.status == "waived" and deliverable.waiver_reason.startswith("Acordo")
    client.post(f"/entregas/{painel.id}/desfazer-dispensa")
    assert db.session.get(Deliverable, painel.id).status == "pending"
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "deliverable.waived" in actions and "deliverable.unwaived" in actions


def test_reviewer_cannot_waive_and_partners_cannot_review(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    assert client.post(f"/entregas/{painel.id}/dispensar", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    for role in ("partner_manager", "partner_member", "other_manager"):
        login(users[role])
        assert client.get("/analise").status_code == 403
        assert client.get(f"/analise/{painel.id}").status_code == 403
        assert client.htmx(f"/analise/{painel.id}").status_code == 403
        assert (
            client.post(
                f"/analise/{painel.id}/decisao",
                data={"submission_id": submitted.id, "decision": "approved"},
            ).status_code
            == 403
        )
        client.post("/logout")
    assert db.session.get(Deliverable, painel.id).status == "submitted"


def test_preview_serves_pdf_inline_in_a_sandbox(client, users, login, painel, submitted):
    evidence = submitted.files[0]
    login(users["seges_reviewer"])
    response = client.get(f"/evidencias/{evidence.id}/visualizar")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_word_diff_marks_insertions_and_deletions():
    diff = reviews.word_diff("a servidora Ana", "a servidora Ana Souza")
    assert ("insert", " Souza") in diff or ("insert", "Souza") in diff
    assert reviews.word_diff("x y", "x z") == [("equal", "x "), ("delete", "y"), ("insert", "z")]


def test_a_returned_version_can_be_sent_again_without_changes(users, painel, submitted):
    reviews.decide(submitted, by=users["seges_reviewer"], decision="returned",
                   reason_code="other", comment="Confira o período.")
    again = services.submit(db.session.get(Deliverable, painel.id), by=users["partner_member"])
    assert again.version == 2 and again.author_id == submitted.author_id


def test_previews_are_audited(client, users, login, painel, submitted):
    login(users["seges_reviewer"])
    client.get(f"/evidencias/{submitted.files[0].id}/visualizar").close()
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "evidence.previewed")).actor_id == users["seges_reviewer"].id


@pytest.mark.parametrize("query", ["eixo=x", "espera=abc", "uf=ZZ", "elo=Nada"])
def test_bad_queue_filters_are_ignored_not_500(client, users, login, submitted, query):
    login(users["seges_reviewer"])
    assert client.get(f"/analise?{query}").status_code == 200


def test_nobody_reviews_what_they_sent(users, act):
    seges_id = users["seges_admin"].institution_id
    own = deliverable_of(act, "C.1", seges_id)
    admin = users["seges_admin"]
    services.save_draft(own, by=admin, report="Acesso cadastrado.", covers_from=None,
                        covers_to=None)
    submission = services.submit(own, by=admin)
    with pytest.raises(DomainError, match="Quem enviou a entrega não pode analisá-la"):
        reviews.decide(submission, by=admin, decision="approved")
    assert reviews.decide(submission, by=users["seges_reviewer"], decision="approved")


def test_queue_counts_the_wait_in_brasilia_days_never_negative(client, users, login, painel):
    member = users["partner_member"]
    # 21:01 in Brasília on 04/12 is already 00:01 UTC on 05/12.
    with time_machine.travel(datetime(2026, 12, 5, 0, 1, tzinfo=UTC)):
        services.save_draft(
            painel, by=member, report="Indicamos Ana.", covers_from=None, covers_to=None
        )
        services.submit(painel, by=member)
        login(users["seges_reviewer"])
        body = client.get("/analise").get_data(as_text=True)
        assert _waiting_cells(body) == ["enviada hoje"]
        assert not re.search(r"-\d+\s*dias?", body)
    # The next evening in Brasília (00:01 UTC on 06/12): one day, in the singular.
    with time_machine.travel(datetime(2026, 12, 6, 0, 1, tzinfo=UTC)):
        login(users["seges_reviewer"])
        assert _waiting_cells(client.get("/analise").get_data(as_text=True)) == ["1 dia"]
    with time_machine.travel(datetime(2026, 12, 8, 12, 0, tzinfo=UTC)):
        login(users["seges_reviewer"])
        assert _waiting_cells(client.get("/analise").get_data(as_text=True)) == ["4 dias"]


def test_waiting_days_uses_the_local_calendar_and_clamps_at_zero(app):
    late_evening = datetime(2026, 12, 5, 0, 1, tzinfo=UTC)  # 04/12 21:01 in Brasília
    assert reviews.waiting_days(late_evening, date(2026, 12, 4)) == 0
    assert reviews.waiting_days(late_evening, date(2026, 12, 5)) == 1
    assert reviews.waiting_days(late_evening.replace(tzinfo=None), date(2026, 12, 5)) == 1
    assert reviews.waiting_days(late_evening, date(2026, 12, 1)) == 0  # a clock skew: never < 0


# Kept pages of the queue ------------------------------------------------------------------


def test_the_kept_queue_follows_submissions_decisions_and_names(
    client, users, login, act, submitted, cache_on
):
    login(users["seges_reviewer"])
    assert _queued_goals(client.get("/analise").get_data(as_text=True)) == ["1.2"]
    other = deliverable_of(act, "3.1", users["partner_manager"].institution_id)
    factories.submitted(other, users["partner_member"], "Banner publicado.")
    db.session.commit()
    assert _queued_goals(client.get("/analise").get_data(as_text=True)) == ["1.2", "3.1"]

    act.number = "161/2025"
    db.session.commit()
    row = factories.table_row(client.get("/analise").get_data(as_text=True), "3.1")
    assert "nº 161/2025" in row["Instrumento"]
    users["partner_manager"].institution.acronym = "SEPLAG/MG"
    db.session.commit()
    row = factories.table_row(client.get("/analise").get_data(as_text=True), "3.1")
    assert row["Parceiro"] == "SEPLAG/MG"

    reviews.decide(services.latest_version(other), by=users["seges_reviewer"],
                   decision="approved", reason_code=None, comment="")
    db.session.commit()
    assert _queued_goals(client.get("/analise").get_data(as_text=True)) == ["1.2"]


def test_a_partners_draft_keeps_the_queue_and_a_new_day_counts_again(
    client, users, login, act, painel, cache_on
):
    member = users["partner_member"]
    with time_machine.travel(datetime(2026, 12, 5, 12, 0, tzinfo=UTC)):
        factories.submitted(painel, member, "Indicamos Ana.")
        db.session.commit()
        login(users["seges_reviewer"])
        assert _waiting_cells(client.get("/analise").get_data(as_text=True)) == ["enviada hoje"]
        drafting = deliverable_of(act, "3.1", member.institution_id)
        services.save_draft(drafting, by=member, report="Ainda escrevendo.", covers_from=None,
                            covers_to=None)  # its deliverable becomes a draft: counted again
        db.session.commit()
        client.get("/analise")
        services.save_draft(drafting, by=member, report="Ainda escrevendo, mais.",
                            covers_from=None, covers_to=None)  # as autosave does, every minute
        db.session.commit()
        kept = factories.statements(lambda: client.get("/analise"))
        assert not [s for s in kept if "FROM submissions" in s]  # the draft is not in it
    with time_machine.travel(datetime(2026, 12, 6, 12, 0, tzinfo=UTC)):
        login(users["seges_reviewer"])
        assert _waiting_cells(client.get("/analise").get_data(as_text=True)) == ["1 dia"]
