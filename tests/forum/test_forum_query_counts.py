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


def test_new_fragments_and_pages_query_count_does_not_grow_with_data(client, users, login):
    """Similar topics, mention suggestions, unanswered questions, search and the question
    form: the same statements whatever the size of the forum."""
    login(users["seges_reviewer"])
    urls = [
        "/forum/parecidos?title=carga%20resposta",
        "/forum/pessoas?q=autor",
        "/forum/sem-resposta",
        "/forum/busca?q=carga&meta=1.1&periodo=12m",
        "/forum/nova-pergunta",
        f"/forum/pessoas/{users['partner_member'].id}",
    ]

    def measure():
        counts = []
        for url in urls:
            client.htmx(url)  # warm up
            with count_statements() as counter:
                response = client.htmx(url)
            assert response.status_code == 200, url
            counts.append(counter["n"])
        return counts

    _grow(users, 2, 1)
    topic(users["partner_member"], title="Tópico de carga sem resposta")
    small = measure()
    _grow(users, 12, 3)
    for n in range(6):
        topic(users["partner_member"], title=f"Tópico de carga sem resposta {n}")
    large = measure()
    assert large == small


def test_topic_with_attachments_votes_and_mentions_query_count_is_flat(client, users, login):
    import io

    from werkzeug.datastructures import FileStorage

    login(users["partner_manager"])
    t = topic(users["partner_member"], title="Tópico com anexos")
    services.reply(t, by=users["seges_reviewer"], body="Primeira")
    small = _queries(client, f"/forum/topicos/{t.id}")
    for n in range(8):
        voter = factories.user(f"v{n}@x.test", "partner_member", factories.institution())
        post = services.reply(
            t,
            by=voter,
            body=f"Resposta {n} para @[{voter.name}](user:{users['seges_admin'].id})",
            files=[FileStorage(io.BytesIO(b"%PDF-1.4\n%x\n"), f"doc{n}.pdf")],
        )
        services.toggle_useful(post, by=users["partner_manager"])
    large = _queries(client, f"/forum/topicos/{t.id}")
    # the best answers' pages once there are best answers, the reader's votes once they voted
    assert large <= small + 2
