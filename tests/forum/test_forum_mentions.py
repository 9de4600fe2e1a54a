"""Mentions by name: stored by id, shown as a link to a card without e-mail, told once per post;
the suggestion list; the person's card."""

import re

from portal.extensions import db
from portal.forum import services
from portal.forum.models import Mention
from portal.notifications.models import Notification
from tests.factories import page_text, topic


def _mention(user) -> str:
    return f"@[{user.name}](user:{user.id})"


def _mentions_of(user) -> list[str]:
    return list(
        db.session.scalars(
            db.select(Notification.message).where(
                Notification.user_id == user.id, Notification.kind == "forum.mention"
            )
        )
    )


def test_a_mention_is_stored_by_id_and_rendered_as_a_link_without_email(users):
    other = users["other_manager"]
    t = topic(users["partner_member"], body=f"Oi {_mention(other)}, pode ajudar?")
    post = services.posts_page(t, 1, 30).items[0]
    assert f"(user:{other.id})" in post.body
    assert f'href="/forum/pessoas/{other.id}"' in post.body_html
    assert f"@{other.name}" in post.body_html and other.email not in post.body_html


def test_an_email_mention_is_rewritten_by_id_so_the_address_is_not_kept(users):
    other = users["other_manager"]
    t = topic(users["partner_member"], body=f"Oi @{other.email}, pode ajudar?")
    post = services.posts_page(t, 1, 30).items[0]
    assert other.email not in post.body and other.email not in post.body_html
    assert _mention(other) in post.body
    assert db.session.get(Mention, (post.id, other.id)) is not None


def test_the_mentioned_person_is_told_once_per_post_even_after_edits(users):
    other, author = users["other_manager"], users["partner_member"]
    t = topic(author, body=f"Pergunta para {_mention(other)}")
    assert len(_mentions_of(other)) == 1
    question = services.posts_page(t, 1, 30).items[0]
    services.edit_post(question, by=author, body=f"Pergunta editada para {_mention(other)}")
    services.edit_post(question, by=author, body="Sem menção")
    services.edit_post(question, by=author, body=f"De novo {_mention(other)}")
    assert len(_mentions_of(other)) == 1


def test_an_edit_that_adds_a_mention_tells_that_person(users):
    author, reviewer = users["partner_member"], users["seges_reviewer"]
    t = topic(author)
    answer = services.reply(t, by=author, body="Complemento")
    services.edit_post(answer, by=author, body=f"Complemento, {_mention(reviewer)}")
    assert _mentions_of(reviewer) == [f"{author.name} mencionou você em “{t.title}”."]
    assert services.is_watching(reviewer, topic=t)


def test_mentioning_oneself_or_an_unknown_id_tells_no_one(users):
    author = users["partner_member"]
    topic(author, body=f"Eu {_mention(author)} e @[Fantasma](user:999999)")
    assert db.session.scalar(db.select(db.func.count()).select_from(Mention)) == 0
    assert _mentions_of(author) == []


def test_people_suggestions_match_name_words_and_institution_never_email(users):
    found = services.people_suggestions("gest")
    assert {u.id for u in found} == {users["partner_manager"].id, users["other_manager"].id}
    assert services.people_suggestions("mg.test") == []  # part of an e-mail address only
    by_institution = services.people_suggestions("seger")
    assert [u.id for u in by_institution] == [users["other_manager"].id]
    assert services.people_suggestions("") == []


def test_suggestion_list_is_a_listbox_of_options_with_names_and_no_email(client, users, login):
    login(users["partner_member"])
    response = client.htmx("/forum/pessoas?q=gest")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.count('role="option"') == 2
    assert 'data-name="Gestor"' in html and "SEGER/ES" in html
    assert not re.search(r"[\w.]+@[\w.]+\.test", html)
    full = client.get("/forum/pessoas?q=gest").get_data(as_text=True)
    assert "<html" in full and "Gestor" in page_text(full)


def test_profile_card_shows_name_institution_role_and_useful_votes_not_email(
    client, users, login
):
    other = users["other_manager"]
    login(users["partner_member"])
    html = client.get(f"/forum/pessoas/{other.id}").get_data(as_text=True)
    text = page_text(html)
    assert other.name in text and "Governo do Espírito Santo" in text and "Gestor" in text
    assert "votos de “útil” recebidos" in text or "voto de “útil” recebido" in text
    assert other.email not in html
    assert client.get("/forum/pessoas/999999").status_code == 404
    fragment = client.htmx(f"/forum/pessoas/{other.id}").get_data(as_text=True)
    assert "<html" not in fragment and 'id="cartao-pessoa"' in fragment


def test_no_email_address_in_forum_pages(client, users, login):
    other = users["other_manager"]
    t = topic(users["partner_member"], body=f"Oi @{other.email} e {_mention(other)}")
    services.reply(t, by=other, body="Respondo")
    login(users["partner_manager"])
    for url in ("/forum/", f"/forum/topicos/{t.id}", "/forum/busca?q=respondo",
                f"/forum/categorias/{t.category_id}"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"[\w.+-]+@[\w.-]+\.test", html), url  # every user's is .test


def test_people_suggestions_ignore_accents_on_postgresql(app, users):
    from tests import factories

    ines = factories.user(
        "ines@x.test", "partner_member", factories.institution(), name="Inês Araújo"
    )
    assert ines.id in {u.id for u in services.people_suggestions("Inês")}
    if db.engine.dialect.name == "postgresql":  # SQLite's lower() folds ASCII letters only
        assert ines.id in {u.id for u in services.people_suggestions("ines araujo")}
