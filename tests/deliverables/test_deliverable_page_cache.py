"""A deliverable's page is kept rendered between requests (summaries.kept_page) and is never
stale: drafts, evidence, submissions, decisions, renamed people, forum questions, a new due
date and a new day show at once; a reader who may not edit never gets the draft form, and
each reader's forms carry their own CSRF token."""

import re
from datetime import timedelta

import time_machine

from portal.core.clock import local_today
from portal.deliverables import reviews
from portal.deliverables import services as work
from portal.extensions import db
from tests import factories

TOKEN = r'name="csrf_token" value="([^"]+)"'


def _signed_in(app, user):
    return factories.signed_in(app, user.email)


def _read(client, deliverable) -> str:
    response = client.get(f"/entregas/{deliverable.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _timeline(html: str) -> str:
    return factories.page_text(html.split('id="historico-titulo"')[1])


def test_work_on_the_deliverable_shows_at_once(app, users, painel, cache_on):
    manager, reviewer = users["partner_manager"], users["seges_reviewer"]
    as_manager = _signed_in(app, manager)
    assert "Nada aconteceu ainda com esta entrega." in _read(as_manager, painel)

    factories.draft(painel, manager, "Indicamos quem acessa o Painel.",
                    links=(("https://mg.gov.br/painel", "Portaria do Painel"),))
    db.session.commit()
    html = _read(as_manager, painel)
    assert "Indicamos quem acessa o Painel." in html and "Portaria do Painel" in html
    assert "Link adicionado" in _timeline(html)

    [link] = work.latest_version(painel).evidence
    work.remove_evidence(link, by=manager)
    db.session.commit()
    html = _read(as_manager, painel)
    assert "Portaria do Painel" not in html.split('id="historico-titulo"')[0]
    assert "Evidência removida" in _timeline(html)

    work.submit(painel, by=manager)
    db.session.commit()
    assert "Enviada para análise" in _timeline(_read(as_manager, painel))

    reviews.decide(work.latest_version(painel), by=reviewer, decision="returned",
                   reason_code="insufficient_evidence", comment="Falta a portaria.")
    db.session.commit()
    html = _read(as_manager, painel)
    assert "A SEGES devolveu esta entrega" in html and "Falta a portaria." in html

    reviewer.name = "Revisora Renomeada"
    db.session.commit()
    assert "por Revisora Renomeada" in _read(as_manager, painel)


def test_a_question_and_a_new_due_date_show_at_once(app, users, painel, cache_on):
    manager = users["partner_manager"]
    as_manager = _signed_in(app, manager)
    assert "Ninguém perguntou sobre a meta 1.2 ainda." in _read(as_manager, painel)

    factories.topic(manager, title="Quem precisa acessar o Painel?", goal_id=painel.goal_id)
    db.session.commit()
    assert "Quem precisa acessar o Painel?" in _read(as_manager, painel)

    painel.due_on = painel.due_on + timedelta(days=30)
    db.session.commit()
    due = factories.page_text(_read(as_manager, painel)).split("Vencimento")[1][:20]
    assert painel.due_on.strftime("%d/%m/%Y") in due


def test_the_due_text_is_told_from_the_current_day(app, users, act, cache_on):
    manager = users["partner_manager"]
    deliverable = factories.deliverable_of(act, "1.2", manager.institution_id)
    deliverable.due_on = local_today() + timedelta(days=10)
    db.session.commit()
    as_manager = _signed_in(app, manager)
    assert "faltam 10 dias" in _read(as_manager, deliverable)
    with time_machine.travel(timedelta(days=3)):
        as_manager = _signed_in(app, manager)
        assert "faltam 7 dias" in _read(as_manager, deliverable)


def test_only_readers_who_may_edit_get_the_draft_form(app, users, painel, cache_on):
    reviewer_html = _read(_signed_in(app, users["seges_reviewer"]), painel)
    manager_html = _read(_signed_in(app, users["partner_manager"]), painel)
    assert 'id="form-rascunho"' not in reviewer_html
    assert 'id="form-rascunho"' in manager_html


def test_a_page_kept_for_another_reader_carries_this_readers_csrf_token(app, users, painel,
                                                                        cache_on):
    as_manager, as_member = (_signed_in(app, users[role])
                             for role in ("partner_manager", "partner_member"))
    first, second = _read(as_manager, painel), _read(as_member, painel)  # one kept copy
    assert set(re.findall(TOKEN, first)).isdisjoint(re.findall(TOKEN, second))
    assert "csrf-stand-in" not in first + second

    token = re.search(TOKEN, second.split('id="form-rascunho"')[1]).group(1)
    response = as_member.post(f"/entregas/{painel.id}/rascunho", data={
        "csrf_token": token, "report": "Indicamos quem acessa o Painel.", "acao": "salvar"})
    assert response.status_code == 302
    assert "Indicamos quem acessa o Painel." in _read(as_manager, painel)
