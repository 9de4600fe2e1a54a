"""A page of a topic list is kept rendered between requests (forum.views._topic_list) and is
never stale: a new topic or reply shows at once, each reader's unread marks are their own,
and each row's "last activity" is at most a minute old."""

from datetime import UTC, datetime, timedelta

import time_machine

from portal.extensions import db
from portal.forum import services
from tests import factories
from tests.factories import topic

NOW = datetime(2026, 12, 5, 14, 0, 20, tzinfo=UTC)


def _titles(html: str) -> list[str]:
    return [part.split("</a>")[0].split(">")[-1]
            for part in html.split('class="forum-topic-title"')[1:]]


def _page(client, login, user, url: str = "/forum/") -> str:
    login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _signed_in(app, user):
    return factories.signed_in(app, user.email)


def test_a_new_topic_or_reply_is_listed_at_once(client, login, users, cache_on):
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    older = topic(member, title="Prazo da meta 1.2")
    topic(member, title="Horas de capacitação")
    db.session.commit()
    assert _titles(_page(client, login, member)) == ["Horas de capacitação", "Prazo da meta 1.2"]

    services.reply(older, by=reviewer, body="O prazo é 16/10/2025.")
    db.session.commit()
    html = _page(client, login, member)
    assert _titles(html) == ["Prazo da meta 1.2", "Horas de capacitação"]
    assert "1 resposta" in html

    category = older.category
    topic(member, title="Ouvidoria integrada")
    db.session.commit()
    assert _titles(_page(client, login, member))[0] == "Ouvidoria integrada"
    assert _titles(_page(client, login, member, f"/forum/categorias/{category.id}"))[0] == (
        "Ouvidoria integrada")


def test_each_reader_sees_their_own_unread_marks_on_the_same_kept_page(app, users, cache_on):
    member, manager = users["partner_member"], users["partner_manager"]
    asked = topic(member, title="Prazo da meta 1.2")
    services.mark_read(asked, member)
    db.session.commit()
    as_manager, as_member = _signed_in(app, manager), _signed_in(app, member)

    assert "forum-badge-unread" in as_manager.get("/forum/").get_data(as_text=True)  # unseen
    assert "forum-badge-unread" not in as_member.get("/forum/").get_data(as_text=True)  # read
    html = as_manager.get("/forum/").get_data(as_text=True)
    assert "forum-badge-unread" in html and "forum-unread" in html


def test_last_activity_is_told_from_the_current_minute(client, login, users, cache_on):
    member = users["partner_member"]
    with time_machine.travel(NOW, tick=False):
        topic(member, title="Prazo da meta 1.2")
        db.session.commit()
        assert "agora mesmo" in _page(client, login, member)
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        html = _page(client, login, member)
    assert "agora mesmo" not in html
    assert "há 3 minutos" in html


def test_a_kept_page_issues_no_topic_query(client, login, users, cache_on):
    member = users["partner_member"]
    for number in range(3):
        topic(member, title=f"Pergunta {number}")
    db.session.commit()
    login(member)
    client.get("/forum/")  # kept
    statements = factories.statements(lambda: client.get("/forum/"))
    assert not [s for s in statements if "FROM forum_topics" in s and "forum_topic_reads" not in s]
    assert [s for s in statements if "forum_topic_reads" in s]  # the reader's marks, per request
