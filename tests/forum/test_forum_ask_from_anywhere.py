"""Asking from anywhere: the forum index, a category, a goal's page; similar topics while the
title is typed; the moderators' unanswered questions."""

from portal.extensions import db
from portal.forum import services
from portal.forum.models import Category, Topic
from tests.factories import deliverable_of, forum_category, page_text, topic


def test_forum_index_and_categories_offer_a_new_question(client, users, login):
    cat = forum_category()
    login(users["partner_member"])
    assert "/forum/nova-pergunta" in client.get("/forum/").get_data(as_text=True)
    html = client.get(f"/forum/categorias/{cat.id}").get_data(as_text=True)
    assert "Nova pergunta" in html and f"/forum/categorias/{cat.id}/novo-topico" in html


def test_ask_from_anywhere_chooses_the_category_in_the_form(client, users, login):
    cat = forum_category("capacitacao")
    login(users["partner_member"])
    page = client.get("/forum/nova-pergunta")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="category_id"' in html
    assert "Avisos da SEGES" not in html  # only SEGES opens topics there
    response = client.post(
        "/forum/nova-pergunta",
        data={"category_id": str(cat.id), "title": "Horas de capacitação", "body": "Como?"},
    )
    assert response.status_code == 302
    created = db.session.scalar(db.select(Topic))
    assert created.category_id == cat.id


def test_ask_without_a_category_or_with_seges_only_category_is_refused_with_422(
    client, users, login
):
    notices = forum_category("avisos-da-seges")
    login(users["partner_member"])
    missing = client.post("/forum/nova-pergunta", data={"title": "Sem categoria", "body": "x"})
    assert missing.status_code == 422 and "Escolha a categoria." in missing.get_data(as_text=True)
    seges = client.htmx(
        "/forum/nova-pergunta",
        method="POST",
        data={"category_id": str(notices.id), "title": "Aviso falso", "body": "x"},
    )
    assert seges.status_code == 422 and 'id="formulario-topico"' in seges.get_data(as_text=True)
    assert db.session.scalar(db.select(Topic)) is None


def test_ask_without_csrf_token_is_refused(client, users, login):
    cat = forum_category()
    login(users["partner_member"])
    response = client.post(
        "/forum/nova-pergunta",
        data={"category_id": str(cat.id), "title": "Sem token", "body": "x"},
        csrf=False,
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(Topic)) is None


def test_asking_from_a_goal_links_it_and_preselects_its_usual_category(
    client, users, login, act
):
    deliverable = deliverable_of(act, "1.1", users["partner_member"].institution_id)
    goal = deliverable.goal
    forum_category()  # the default categories
    login(users["partner_member"])
    deliverable_page = client.get(f"/entregas/{deliverable.id}").get_data(as_text=True)
    assert f"/forum/nova-pergunta?meta={goal.id}" in deliverable_page
    html = client.get(f"/forum/nova-pergunta?meta={goal.id}").get_data(as_text=True)
    usual = services.suggested_category(goal)
    assert usual.slug == "melhoria-da-gestao"  # eixo 1, no earlier question about 1.1
    assert f'<option selected value="{usual.id}">' in html
    assert f'<option selected value="{goal.id}">' in html
    # Once questions about 1.1 live elsewhere, that category is the usual one.
    elsewhere = forum_category("boas-praticas")
    topic(users["partner_manager"], title="Outra sobre 1.1", slug="boas-praticas",
          goal_id=goal.id)
    assert services.suggested_category(goal).id == elsewhere.id
    response = client.post(
        f"/forum/nova-pergunta?meta={goal.id}",
        data={"category_id": str(elsewhere.id), "title": "Pergunta pela meta",
              "body": "Texto", "goal_id": str(goal.id)},
    )
    assert response.status_code == 302
    asked = db.session.scalar(db.select(Topic).where(Topic.title == "Pergunta pela meta"))
    assert asked.goal_id == goal.id
    page = client.get(f"/entregas/{deliverable.id}").get_data(as_text=True)
    assert "Pergunta pela meta" in page_text(page)


def test_similar_topics_are_suggested_as_the_title_is_typed(client, users, login):
    solved = topic(users["partner_member"], title="Como enviar o relatório anual da meta 3.6")
    answer = services.reply(solved, by=users["seges_reviewer"], body="Pelo portal.")
    services.accept_answer(answer, by=users["partner_member"])
    topic(users["partner_member"], title="Horas de capacitação dos multiplicadores")
    login(users["partner_manager"])
    response = client.htmx("/forum/parecidos?title=relatorio%20anual")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Como enviar o relatório anual" in html and "Resolvido" in html
    assert "multiplicadores" not in html
    assert "Perguntas parecidas" not in client.htmx("/forum/parecidos?title=de").get_data(
        as_text=True
    )
    full = client.get("/forum/parecidos?title=relatorio").get_data(as_text=True)
    assert "<html" in full and "Como enviar o relatório anual" in full


def test_similar_topics_show_at_most_five(users):
    for n in range(7):
        topic(users["partner_member"], title=f"Prazo do relatório número {n}")
    assert len(services.search.similar_topics("prazo relatório")) == 5


def test_the_title_field_asks_for_similar_topics_while_typing(client, users, login):
    login(users["partner_member"])
    html = client.get("/forum/nova-pergunta").get_data(as_text=True)
    assert 'hx-get="/forum/parecidos"' in html
    assert 'hx-trigger="input changed delay:300ms"' in html
    assert 'id="topicos-parecidos"' in html


def test_unanswered_questions_for_moderators_only(client, users, login):
    waiting = topic(users["partner_member"], title="Ninguém respondeu ainda")
    answered = topic(users["partner_member"], title="Esta já tem resposta")
    services.reply(answered, by=users["partner_manager"], body="Resposta")
    hidden = topic(users["partner_member"], title="Resposta ocultada")
    spam = services.reply(hidden, by=users["partner_manager"], body="Propaganda")
    services.hide_post(spam, by=users["seges_reviewer"])
    login(users["seges_reviewer"])
    html = client.get("/forum/sem-resposta").get_data(as_text=True)
    assert waiting.title in html and hidden.title in html and answered.title not in html
    assert 'class="portal-stack"' in html and 'data-label="Pergunta"' in html
    fragment = client.htmx("/forum/sem-resposta").get_data(as_text=True)
    assert "<html" not in fragment and waiting.title in fragment
    client.post("/logout")
    login(users["partner_member"])
    assert client.get("/forum/sem-resposta").status_code == 403
    assert "Perguntas sem resposta" not in client.get("/forum/").get_data(as_text=True)


def test_category_counts_show_on_the_index(client, users, login):
    t = topic(users["partner_member"])
    services.reply(t, by=users["partner_manager"], body="Resposta")
    login(users["partner_member"])
    text = page_text(client.get("/forum/").get_data(as_text=True))
    assert "1 tópico · 2 mensagens" in text
    category = db.session.get(Category, t.category_id)
    assert category.post_count == 2
