"""A search's ranking and snippets are kept between requests (``portal.core.cache``) and are
never stale: each write that could change an answer is seen by the next search after it
commits."""

from portal.deliverables.services import questions_about
from portal.extensions import db
from portal.forum import search, services
from portal.forum.models import Post
from tests import factories
from tests.factories import forum_category, topic


def _ids(query: str, **filters) -> list[int]:
    return [topic_id for topic_id, _score in search.search_topics(query, **filters).items]


def _statements(action) -> int:
    return len(factories.statements(action))


def _search_page(query: str) -> None:
    page = search.search_topics(query)
    search.snippets([i for i, _ in page.items], query, posts=page.best_posts)


def test_the_same_search_is_answered_without_statements_until_the_forum_changes(
    users, cache_on
):
    member = users["partner_member"]
    first = topic(member, title="Ouvidoria integrada", body="Como integrar a ouvidoria?")
    db.session.commit()
    assert _statements(lambda: _search_page("ouvidoria")) > 0
    db.session.commit()  # a new request: the versions are read again
    # One statement: the versions. No ranking, no snippet.
    assert _statements(lambda: _search_page("ouvidoria")) == 1
    assert _ids("ouvidoria") == [first.id]

    second = topic(member, title="Ouvidoria e prazos", body="Prazo da ouvidoria?")
    db.session.commit()
    assert set(_ids("ouvidoria")) == {first.id, second.id}


def test_edits_hiding_replies_answers_and_moves_are_seen_after_their_commit(users, cache_on):
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    t = topic(member, title="Assunto qualquer", body="Texto sobre orçamento")
    other = topic(member, title="Assunto parecido", body="Texto sobre orçamento")
    db.session.commit()
    assert set(_ids("orcamento")) == {t.id, other.id}
    snippet = search.snippets([t.id], "orcamento")[t.id]
    assert "orçamento" in snippet

    question = db.session.scalar(db.select(Post).where(Post.topic_id == t.id))
    services.edit_post(question, by=member, body="Texto sobre transparência")
    db.session.commit()
    assert _ids("orcamento") == [other.id]
    assert "transparência" in search.snippets([t.id], "transparencia")[t.id]

    services.hide_post(question, by=reviewer)
    db.session.commit()
    assert _ids("transparencia") == []

    answer = services.reply(other, by=reviewer, body="Veja o orçamento anual")
    db.session.commit()
    assert _ids("orcamento", solved=True) == []
    services.accept_answer(answer, by=member)  # the topic becomes solved
    db.session.commit()
    assert _ids("orcamento", solved=True) == [other.id]

    services.move_topic(other, forum_category("boas-praticas"), by=users["seges_admin"])
    db.session.commit()
    assert _ids("orcamento", category_id=forum_category("boas-praticas").id) == [other.id]
    assert _ids("orcamento", category_id=forum_category("duvidas-gerais").id) == []


def test_the_goal_filter_is_kept_and_follows_the_plans(act, cache_on):
    codes = services.goal_codes()
    assert "1.2" in codes and "9.9" not in codes
    assert _statements(services.goal_codes) == 0  # kept (versions read once per transaction)
    goal = next(g for g in act.goals if g.code == "1.2")
    goal.code = "9.9"
    db.session.commit()
    assert "9.9" in services.goal_codes()


def test_questions_about_a_goal_are_kept_per_code_and_follow_the_forum(
    users, act, painel, cache_on
):
    member, reviewer = users["partner_member"], users["seges_reviewer"]
    goal = painel.goal
    older = topic(member, title="Quem acessa o Painel?", body="Sobre a 1.2", goal_id=goal.id)
    db.session.commit()
    assert [t.id for t in questions_about(goal)] == [older.id]
    db.session.commit()
    assert goal.code == "1.2"  # (loaded again after the commit, before counting)
    # Kept: the versions and the topics by id, no ranking of every topic about the code.
    assert _statements(lambda: questions_about(goal)) == 2

    newer = topic(member, title="Prazo do Painel", body="Sobre a 1.2 também", goal_id=goal.id)
    db.session.commit()
    assert [t.id for t in questions_about(goal)] == [newer.id, older.id]
    answer = services.reply(older, by=reviewer, body="A SEGES libera o acesso.")
    services.accept_answer(answer, by=member)  # solved first
    db.session.commit()
    assert [t.id for t in questions_about(goal)] == [older.id, newer.id]


def test_a_period_search_is_the_same_search_for_a_whole_minute(users, cache_on):
    recent = topic(users["partner_member"], title="Ouvidoria recente", body="Prazo?")
    db.session.commit()
    since = services.period_start("30d")
    assert (since.second, since.microsecond) == (0, 0)
    assert _ids("ouvidoria", since=since) == [recent.id]
    db.session.commit()
    again = services.period_start("30d")
    assert _statements(lambda: search.search_topics("ouvidoria", since=again).items) == 1
