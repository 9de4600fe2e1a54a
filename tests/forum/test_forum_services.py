"""Forum rules, exercised through the services."""

from datetime import date

import pytest

from portal.core.exceptions import Conflict, DomainError
from portal.core.models import AuditEvent
from portal.dev.forum_demo import PRACTICE_TITLE, QUESTION_TITLE, load_forum_demo
from portal.extensions import db
from portal.forum import services
from portal.forum.models import Category, Post, PostRevision, Report, Topic, Watch
from portal.notifications.models import Notification
from tests import factories
from tests.factories import forum_category, topic


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)))


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action)))


def test_default_categories_are_seeded_once_with_seges_notices_restricted(app):
    services.ensure_default_categories()
    services.ensure_default_categories()
    names = [c.name for c in services.categories()]
    assert names == [
        "Melhoria da Gestão",
        "Capacitação",
        "Comunicação e Transparência",
        "Dúvidas gerais",
        "Boas práticas",
        "Resultados de fiscalizações",
        "Avisos da SEGES",
    ]
    assert [c.slug for c in services.categories() if c.seges_only] == ["avisos-da-seges"]


def test_new_topic_counts_indexes_and_is_followed_by_its_author(app, users):
    member = users["partner_member"]
    t = topic(member)
    assert t.post_count == 1 and t.reply_count == 0 and t.last_poster_id == member.id
    assert forum_category().topic_count == 1
    assert services.is_watching(member, topic=t)
    assert "forum.topic_created" in _actions()


def test_partner_cannot_open_a_topic_in_seges_notices(app, users):
    with pytest.raises(DomainError):
        topic(users["partner_manager"], slug="avisos-da-seges")
    assert topic(users["seges_reviewer"], slug="avisos-da-seges").category.seges_only


def test_titles_and_bodies_are_validated(app, users):
    member = users["partner_member"]
    for title, body in [
        ("ok?", "texto"),
        ("x" * 300, "texto"),
        ("Título válido", "   "),
        ("Título válido", "x" * 100_000),
    ]:
        with pytest.raises(DomainError):
            topic(member, title=title, body=body)


def test_reply_numbers_posts_and_updates_the_topic_aggregates(app, users):
    t = topic(users["partner_member"])
    first = services.reply(t, by=users["seges_reviewer"], body="Primeira resposta")
    second = services.reply(t, by=users["partner_manager"], body="Segunda resposta")
    assert (first.number, second.number) == (2, 3)
    db.session.refresh(t)
    assert t.reply_count == 2 and t.last_poster_id == users["partner_manager"].id


def test_locked_topic_refuses_replies(app, users):
    t = topic(users["partner_member"])
    services.set_locked(t, True, by=users["seges_reviewer"])
    with pytest.raises(Conflict):
        services.reply(t, by=users["partner_manager"], body="Ainda posso?")
    assert "forum.topic_locked" in _actions()


def test_edit_keeps_the_previous_text_in_the_history(app, users):
    member = users["partner_member"]
    t = topic(member, body="Texto original")
    question = db.session.scalar(db.select(Post).where(Post.topic_id == t.id))
    services.edit_post(question, by=member, body="Texto **corrigido**")
    assert question.edit_count == 1 and "<strong>corrigido</strong>" in question.body_html
    assert [r.body for r in db.session.scalars(db.select(PostRevision))] == ["Texto original"]
    with pytest.raises(DomainError):
        services.edit_post(question, by=users["partner_manager"], body="Não é meu")


def test_only_the_topic_author_or_seges_accept_an_answer(app, users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Resposta")
    with pytest.raises(DomainError):
        services.accept_answer(answer, by=users["other_manager"])
    services.accept_answer(answer, by=users["seges_reviewer"])
    assert t.solved and answer.accepted
    other = services.reply(t, by=users["seges_admin"], body="Outra resposta melhor")
    services.accept_answer(other, by=users["partner_member"])
    assert services.accepted_answer(t).id == other.id
    assert any(n.kind == "forum.accepted" for n in _notifications(users["seges_admin"]))


def test_accepting_the_accepted_answer_again_tells_nobody_twice(app, users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Resposta")
    services.accept_answer(answer, by=users["partner_member"])
    told = len(_notifications(users["partner_manager"]))
    services.accept_answer(answer, by=users["seges_reviewer"])  # a second moderator, too late
    assert answer.accepted and len(_notifications(users["partner_manager"])) == told


def test_mentions_notify_known_users_and_ignore_unknown_ones(app, users):
    t = topic(users["partner_member"])
    services.reply(
        t,
        by=users["seges_reviewer"],
        body="Veja com @gestor@mg.test e @ninguem@nada.test, por favor.",
    )
    kinds = [n.kind for n in _notifications(users["partner_manager"])]
    assert kinds == ["forum.mention"]


def test_followers_of_topic_and_category_are_notified_but_not_the_poster(app, users):
    member, manager = users["partner_member"], users["partner_manager"]
    services.toggle_watch(users["other_manager"], category=forum_category())
    t = topic(member)
    assert [n.kind for n in _notifications(users["other_manager"])] == ["forum.post"]
    services.reply(t, by=manager, body="Respondendo")
    assert len(_notifications(member)) == 1  # the author follows their own topic
    assert _notifications(manager) == []
    assert len(_notifications(users["other_manager"])) == 2


def test_toggle_watch_follows_and_unfollows(app, users):
    t = topic(users["partner_member"])
    manager = users["partner_manager"]
    assert services.toggle_watch(manager, topic=t) is True
    assert services.toggle_watch(manager, topic=t) is False
    assert db.session.scalar(db.select(Watch).where(Watch.user_id == manager.id)) is None


def test_hide_and_unhide_are_audited_and_clear_an_accepted_answer(app, users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Resposta")
    services.accept_answer(answer, by=users["partner_member"])
    services.hide_post(answer, by=users["seges_reviewer"])
    assert answer.hidden and not answer.accepted and not t.solved
    services.unhide_post(answer, by=users["seges_reviewer"])
    assert not answer.hidden
    assert {"forum.post_hidden", "forum.post_unhidden"} <= set(_actions())


def test_pinned_topics_come_first_then_latest_activity(app, users):
    member = users["partner_member"]
    old = topic(member, title="Tópico antigo")
    new = topic(member, title="Tópico novo")
    assert [t.id for t in db.session.scalars(services.topics_query())] == [new.id, old.id]
    services.set_pinned(old, True, by=users["seges_admin"])
    assert [t.id for t in db.session.scalars(services.topics_query())] == [old.id, new.id]


def test_move_changes_category_and_counts(app, users):
    t = topic(users["partner_member"])
    target = forum_category("capacitacao")
    services.move_topic(t, target, by=users["seges_reviewer"])
    assert t.category_id == target.id
    counts = dict(db.session.execute(db.select(Category.slug, Category.topic_count)).all())
    assert counts["duvidas-gerais"] == 0 and counts["capacitacao"] == 1
    with pytest.raises(DomainError):
        services.move_topic(t, target, by=users["seges_reviewer"])


def test_reports_are_listed_until_resolved(app, users):
    t = topic(users["partner_member"])
    reply = services.reply(t, by=users["partner_manager"], body="Algo ofensivo")
    with pytest.raises(DomainError):
        services.report_post(reply, by=users["partner_member"], reason=" ")
    report = services.report_post(reply, by=users["partner_member"], reason="Linguagem ofensiva")
    assert list(db.session.scalars(services.open_reports_query())) == [report]
    services.resolve_report(report, by=users["seges_reviewer"])
    assert list(db.session.scalars(services.open_reports_query())) == []
    assert db.session.get(Report, report.id).resolved_by_id == users["seges_reviewer"].id


def test_delete_removes_a_reply_but_never_the_question(app, users):
    t = topic(users["partner_member"])
    reply = services.reply(t, by=users["partner_manager"], body="Apagar")
    services.delete_post(reply, by=users["seges_admin"])
    assert db.session.get(Post, reply.id) is None
    question = db.session.scalar(db.select(Post).where(Post.topic_id == t.id))
    with pytest.raises(DomainError):
        services.delete_post(question, by=users["seges_admin"])


def test_unread_marker_follows_new_activity(app, users):
    member, manager = users["partner_member"], users["partner_manager"]
    t = topic(member)
    assert services.unread_ids(member, [t]) == set()
    assert services.unread_ids(manager, [t]) == {t.id}
    services.mark_read(t, manager)
    assert services.unread_ids(manager, [t]) == set()
    services.reply(t, by=member, body="Novidade")
    assert services.unread_ids(manager, [t]) == {t.id}


def test_topics_for_goal_lists_linked_topics_solved_first(app, users):
    mg = users["partner_member"].institution
    agreement = factories.agreement("1/2025", mg, date(2025, 1, 1), date(2029, 12, 31))
    goal = factories.goal(agreement, "1.2", [1], 1, {})
    db.session.commit()
    open_topic = topic(users["partner_member"], title="Acesso ao painel", goal_id=goal.id)
    solved = topic(users["partner_manager"], title="Painel resolvido", goal_id=goal.id)
    answer = services.reply(solved, by=users["seges_reviewer"], body="Assim")
    services.accept_answer(answer, by=users["partner_manager"])
    topic(users["partner_member"], title="Sem meta")
    assert [t.id for t in services.topics_for_goal(goal.id, 5)] == [solved.id, open_topic.id]
    assert services.topics_for_goal(goal.id, 1)[0].id == solved.id
    assert goal in services.goal_choices(users["partner_member"])


def test_forum_demo_is_idempotent(app, users):
    demo_users = {
        "membro@mg.exemplo.gov.br": users["partner_member"],
        "revisor@seges.exemplo.gov.br": users["seges_reviewer"],
        "gestor@mg.exemplo.gov.br": users["partner_manager"],
    }
    load_forum_demo(demo_users)
    load_forum_demo(demo_users)
    titles = list(db.session.scalars(db.select(Topic.title).order_by(Topic.id)))
    assert titles == [QUESTION_TITLE, PRACTICE_TITLE]
    question = db.session.scalar(db.select(Topic).where(Topic.title == QUESTION_TITLE))
    assert question.solved and question.goal_id is None


def test_links_to_a_post_find_its_page_after_deletions(users):
    author = users["partner_member"]
    t = topic(author, title="Paginação depois de exclusões", slug="duvidas-gerais")
    posts = [services.reply(t, by=author, body=f"Resposta {n}") for n in range(4)]
    services.delete_post(posts[0], by=users["seges_reviewer"])
    # Numbers 3..5 remain after the question (1); with 2 per page, number 5 is on page 2.
    assert services.page_of(posts[-1], per_page=2) == 2
