"""Counters right after every change (one service: ``services.recount``), subscriptions on
replying and being mentioned, and the per-user read mark."""

from datetime import timedelta

from portal.extensions import db
from portal.forum import services
from portal.forum.models import Category, Topic
from tests.factories import forum_category, topic


def _fresh(model, id_):
    """The row as stored (not the session's copy)."""
    db.session.expire_all()
    return db.session.get(model, id_)


def _counts(t: Topic) -> tuple[int, int, int, int]:
    """(topic's replies, topic's visible posts, category's topics, category's posts)."""
    topic_row = _fresh(Topic, t.id)
    category = db.session.get(Category, topic_row.category_id)
    return topic_row.reply_count, topic_row.post_count, category.topic_count, category.post_count


def test_counts_after_creating_a_topic(users):
    t = topic(users["partner_member"])
    assert _counts(t) == (0, 1, 1, 1)
    topic(users["partner_manager"], title="Outro tópico na categoria")
    assert _counts(t) == (0, 1, 2, 2)


def test_counts_after_a_reply_are_right_without_reloading(users):
    t = topic(users["partner_member"])
    services.reply(t, by=users["partner_manager"], body="Resposta")
    assert t.reply_count == 1 and t.category.post_count == 2  # the session's copies too
    assert _counts(t) == (1, 2, 1, 2)


def test_counts_after_an_edit_stay_right(users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Resposta")
    services.edit_post(answer, by=users["partner_manager"], body="Resposta corrigida")
    assert _counts(t) == (1, 2, 1, 2)


def test_counts_after_hiding_and_unhiding_a_reply(users):
    t = topic(users["partner_member"])
    answer = services.reply(t, by=users["partner_manager"], body="Propaganda")
    services.hide_post(answer, by=users["seges_reviewer"])
    assert _counts(t) == (0, 1, 1, 1)
    services.unhide_post(_fresh(type(answer), answer.id), by=users["seges_reviewer"])
    assert _counts(t) == (1, 2, 1, 2)


def test_counts_after_deleting_a_reply_and_numbers_never_reused(users):
    t = topic(users["partner_member"])
    first = services.reply(t, by=users["partner_manager"], body="Primeira")
    second = services.reply(t, by=users["partner_manager"], body="Segunda")
    services.delete_post(second, by=users["seges_reviewer"])
    assert _counts(t) == (1, 2, 1, 2)
    third = services.reply(_fresh(Topic, t.id), by=users["partner_manager"], body="Terceira")
    assert (first.number, third.number) == (2, 3)  # 3 again: the deleted one's number
    assert _counts(t) == (2, 3, 1, 3)


def test_counts_after_moving_a_topic_follow_it(users):
    t = topic(users["partner_member"])
    services.reply(t, by=users["partner_manager"], body="Resposta")
    source, target = forum_category(), forum_category("capacitacao")
    services.move_topic(t, target, by=users["seges_reviewer"])
    assert _counts(t) == (1, 2, 1, 2)
    db.session.expire_all()
    source = db.session.get(Category, source.id)
    assert (source.topic_count, source.post_count) == (0, 0)


def test_a_wrong_counter_is_repaired_by_the_next_change(users):
    t = topic(users["partner_member"])
    db.session.execute(db.update(Topic).values(post_count=40))
    db.session.execute(db.update(Category).values(post_count=99, topic_count=7))
    services.reply(_fresh(Topic, t.id), by=users["partner_manager"], body="Resposta")
    assert _counts(t) == (1, 2, 1, 2)


def test_replying_subscribes_and_unsubscribing_sticks_until_the_next_reply(users):
    t = topic(users["partner_member"])
    manager = users["partner_manager"]
    assert not services.is_watching(manager, topic=t)
    services.reply(t, by=manager, body="Resposta")
    assert services.is_watching(manager, topic=t)
    assert services.toggle_watch(manager, topic=t) is False
    assert not services.is_watching(manager, topic=t)


def test_being_mentioned_subscribes(users):
    other = users["other_manager"]
    t = topic(users["partner_member"], body=f"Pergunta para @[{other.name}](user:{other.id})")
    assert services.is_watching(other, topic=t)


def test_new_replies_since_the_last_visit_start_after_the_read_mark(users):
    t = topic(users["partner_member"])
    reader = users["partner_manager"]
    old = services.reply(t, by=users["seges_reviewer"], body="Antiga")
    mine = services.reply(t, by=reader, body="Minha")  # my own replies are never "new"
    new = services.reply(t, by=users["seges_admin"], body="Nova")
    posts = services.posts_page(t, 1, 30).items
    start = posts[0].created_at
    for minutes, post in enumerate(posts):
        post.created_at = start + timedelta(minutes=minutes)
    read_at = old.created_at + timedelta(seconds=30)  # the visit came after "Antiga"
    assert mine.created_at > read_at
    assert services.first_unread_id(posts, read_at, reader) == new.id
    assert services.first_unread_id(posts, None, reader) is None  # first visit: no divider
    assert services.first_unread_id(posts, new.created_at, reader) is None


def test_unread_marker_per_topic_follows_the_read_mark(users):
    t = topic(users["partner_member"])
    reader = users["partner_manager"]
    assert services.unread_ids(reader, [t]) == {t.id}
    services.mark_read(t, reader)
    assert services.unread_ids(reader, [t]) == set()
    services.reply(t, by=users["seges_reviewer"], body="Nova")
    t.last_post_at = t.last_post_at + timedelta(seconds=1)
    assert services.unread_ids(reader, [t]) == {t.id}


def test_a_hidden_question_still_counts_as_the_topic_and_replies_stay_right(users):
    t = topic(users["partner_member"])
    services.reply(t, by=users["partner_manager"], body="Resposta")
    question = services.posts_page(t, 1, 30).items[0]
    services.hide_post(question, by=users["seges_reviewer"])
    assert _counts(t) == (1, 2, 1, 2)
