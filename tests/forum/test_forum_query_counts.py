"""Pages must not issue more queries as the forum grows (no N+1)."""

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from portal.forum import services
from tests import factories
from tests.factories import forum_category, topic


@contextmanager
def count_statements():
    counter = {"n": 0}

    def _count(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def _grow(users, topics: int, replies: int) -> None:
    """Topics by authors of different institutions, each with replies by several people."""
    authors = [users["partner_member"], users["partner_manager"], users["seges_reviewer"]]
    for n in range(topics):
        other = factories.institution()
        author = factories.user(f"autor{n}-{other.id}@x.test", "partner_member", other)
        t = topic(author, title=f"Tópico de carga {n}", slug="duvidas-gerais")
        for r in range(replies):
            services.reply(t, by=authors[r % len(authors)], body=f"Resposta {r}")


def _queries(client, url: str) -> int:
    client.get(url)  # warm up (session, first-request work)
    with count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter["n"]


def test_topic_list_query_count_does_not_grow_with_topics(client, users, login):
    login(users["partner_manager"])
    cat = forum_category()
    _grow(users, 2, 1)
    small = (_queries(client, "/forum/"), _queries(client, f"/forum/categorias/{cat.id}"))
    _grow(users, 12, 3)
    large = (_queries(client, "/forum/"), _queries(client, f"/forum/categorias/{cat.id}"))
    assert large == small


def test_topic_page_query_count_does_not_grow_with_posts(client, users, login):
    login(users["partner_manager"])
    t = topic(users["partner_member"], title="Tópico grande")
    services.reply(t, by=users["seges_reviewer"], body="Primeira")
    small = _queries(client, f"/forum/topicos/{t.id}")
    others = [
        factories.user(f"p{n}@x.test", "partner_member", factories.institution()) for n in range(6)
    ]
    for n in range(20):
        services.reply(t, by=others[n % len(others)], body=f"Resposta {n}")
    answer = services.reply(t, by=users["seges_admin"], body="A certa")
    services.accept_answer(answer, by=users["partner_member"])
    large = _queries(client, f"/forum/topicos/{t.id}")
    assert large <= small + 1  # the accepted answer is one more query, once
