"""A page of a topic is kept rendered between requests (forum.views._topic_html) and is never
stale: a reply, an edit, a vote, a renamed author show at once; readers see only their own
buttons, votes and CSRF token; "há 3 minutos" is told from the current minute."""

import re
from datetime import UTC, datetime, timedelta

import time_machine

from portal.extensions import db
from portal.forum import services
from tests import factories
from tests.factories import topic

NOW = datetime(2026, 12, 5, 14, 0, 20, tzinfo=UTC)


def _signed_in(app, user):
    return factories.signed_in(app, user.email)


def _read(client, asked) -> str:
    response = client.get(f"/forum/topicos/{asked.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _article(html: str, post) -> str:
    return html.split(f'id="mensagem-{post.id}"')[1].split("</article>")[0]


def test_replies_edits_votes_and_renames_show_at_once(app, users, cache_on):
    member, manager, reviewer = (users["partner_member"], users["partner_manager"],
                                 users["seges_reviewer"])
    asked = topic(member, title="Prazo da meta 1.2", body="Qual é o prazo?")
    db.session.commit()
    as_manager = _signed_in(app, manager)
    assert "Qual é o prazo?" in _read(as_manager, asked)

    answer = services.reply(asked, by=reviewer, body="O prazo é 16/10/2025.")
    db.session.commit()
    assert "O prazo é 16/10/2025." in _read(as_manager, asked)

    services.edit_post(answer, by=reviewer, body="O prazo é 31/10/2025.")
    db.session.commit()
    html = _read(as_manager, asked)
    assert "O prazo é 31/10/2025." in html and "editada 1 vez" in html

    services.toggle_useful(answer, by=member)
    db.session.commit()
    assert "1 pessoa achou útil" in _read(as_manager, asked)  # under the question

    reviewer.name = "Revisora Renomeada"
    db.session.commit()
    assert "Revisora Renomeada" in _article(_read(as_manager, asked), answer)


def test_each_reader_sees_their_own_buttons_and_votes_on_a_kept_page(app, users, cache_on):
    member, manager, other, reviewer = (users["partner_member"], users["partner_manager"],
                                        users["other_manager"], users["seges_reviewer"])
    asked = topic(reviewer, title="Prazo da meta 1.2")
    answer = services.reply(asked, by=manager, body="O prazo é 16/10/2025.")
    services.toggle_useful(answer, by=member)
    db.session.commit()

    # member and other may do the same things; only member found the answer useful
    as_member = _article(_read(_signed_in(app, member), asked), answer)
    as_other = _article(_read(_signed_in(app, other), asked), answer)
    assert 'aria-pressed="true"' in as_member
    assert 'aria-pressed="false"' in as_other
    for html in (as_member, as_other):
        assert "Editar" not in html and "Ocultar" not in html
        assert "Marcar como resposta aceita" not in html

    as_author = _article(_read(_signed_in(app, manager), asked), answer)
    assert "Editar" in as_author  # their own reply
    assert "aria-pressed" not in as_author  # nobody votes for their own reply

    as_moderator = _article(_read(_signed_in(app, reviewer), asked), answer)
    assert "Ocultar" in as_moderator and "Marcar como resposta aceita" in as_moderator


def test_a_page_kept_for_another_reader_carries_this_readers_csrf_token(app, users, cache_on):
    member, manager, other = (users["partner_member"], users["partner_manager"],
                              users["other_manager"])
    asked = topic(member, title="Prazo da meta 1.2")
    answer = services.reply(asked, by=manager, body="O prazo é 16/10/2025.")
    db.session.commit()
    as_member, as_other = _signed_in(app, member), _signed_in(app, other)

    first, second = _read(as_member, asked), _read(as_other, asked)  # the same rights: one copy
    pattern = r'name="csrf_token" value="([^"]+)"'
    assert len(set(re.findall(pattern, first))) == 1
    assert set(re.findall(pattern, first)).isdisjoint(re.findall(pattern, second))
    assert "csrf-stand-in" not in first + second

    token = re.search(pattern, _article(second, answer)).group(1)
    response = as_other.post(f"/forum/mensagens/{answer.id}/util", data={"csrf_token": token})
    assert response.status_code == 302  # the token in the kept page is the reader's own
    assert answer.useful_count == 1


def test_the_time_of_a_post_is_told_from_the_current_minute(app, users, cache_on):
    member = users["partner_member"]
    with time_machine.travel(NOW, tick=False):
        asked = topic(member, title="Prazo da meta 1.2")
        db.session.commit()
        as_member = _signed_in(app, member)
        assert "agora mesmo" in _read(as_member, asked)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        html = _read(as_member, asked)
    assert "agora mesmo" not in html and "há 3 minutos" in html


def test_new_replies_line_follows_the_readers_last_visit(app, users, cache_on):
    member, manager = users["partner_member"], users["partner_manager"]
    with time_machine.travel(NOW, tick=False):
        asked = topic(member, title="Prazo da meta 1.2")
        db.session.commit()
        as_member = _signed_in(app, member)
        _read(as_member, asked)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        answer = services.reply(asked, by=manager, body="O prazo é 16/10/2025.")
        db.session.commit()
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        html = _read(as_member, asked)
        assert "Novas respostas desde a sua última visita" in html
        assert html.index('id="novas-respostas"') < html.index(f'id="mensagem-{answer.id}"')
        assert "Novas respostas desde a sua última visita" not in _read(as_member, asked)


def test_a_visit_with_nothing_new_writes_nothing(app, users, cache_on):
    member, manager = users["partner_member"], users["partner_manager"]
    asked = topic(member, title="Prazo da meta 1.2")
    services.reply(asked, by=manager, body="O prazo é 16/10/2025.")
    db.session.commit()
    as_member = _signed_in(app, member)
    assert "Novas respostas desde a sua última visita" in _read(as_member, asked)
    _read(as_member, asked)  # kept for a reader who has seen it all
    statements = factories.statements(lambda: _read(as_member, asked))
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE"))]
    assert not [s for s in statements if "FROM forum_posts" in s]  # kept: marks and page
    # the read mark, watch and votes in one statement, and the mark not read again to check it
    assert len([s for s in statements if "forum_topic_reads" in s]) == 1
