"""Search: accent-insensitive, ranked, highlighted, filtered, and in sync with the posts."""

from portal.extensions import db
from portal.forum import search, services
from portal.forum.models import Post
from tests.factories import forum_category, topic


def _ids(query: str, **filters) -> list[int]:
    page = search.search_topics(query, **filters)
    return [topic_id for topic_id, _score in page.items]


def test_search_ignores_accents_in_both_directions(app, users):
    t = topic(users["partner_member"], title="Horas de capacitação", body="Como contar?")
    assert _ids("capacitacao") == [t.id]
    assert _ids("CAPACITAÇÃO") == [t.id]
    other = topic(users["partner_member"], title="Relatório anual", body="Sobre a gestao do painel")
    assert _ids("gestão") == [other.id]


def test_title_matches_rank_above_body_matches(app, users):
    member = users["partner_member"]
    in_body = topic(
        member, title="Dúvida sobre prazos", body="Fala do painel gerencial de passagem"
    )
    in_title = topic(member, title="Painel gerencial fora do ar", body="Não abre desde ontem")
    assert _ids("painel") == [in_title.id, in_body.id]


def test_solved_topics_rank_above_equally_relevant_open_ones(app, users):
    member = users["partner_member"]
    first = topic(member, title="Acesso ao sistema de convênios", body="Sem acesso desde ontem")
    second = topic(member, title="Acesso ao sistema de convênios", body="Sem acesso desde ontem")
    answer = services.reply(first, by=users["seges_reviewer"], body="Resolvido aqui")
    services.accept_answer(answer, by=member)
    assert _ids("convenios")[0] == first.id
    assert set(_ids("convenios")) == {first.id, second.id}


def test_replies_are_searchable_and_each_topic_appears_once(app, users):
    t = topic(users["partner_member"], title="Eventos regionais", body="Quem vai?")
    services.reply(t, by=users["partner_manager"], body="Vamos ao seminário de multiplicadores")
    services.reply(t, by=users["seges_reviewer"], body="Os multiplicadores são bem-vindos")
    assert _ids("multiplicadores") == [t.id]


def test_filters_by_category_and_solved(app, users):
    member = users["partner_member"]
    a = topic(member, title="Ouvidoria integrada", slug="boas-praticas")
    b = topic(member, title="Ouvidoria e prazos", slug="duvidas-gerais")
    answer = services.reply(b, by=users["seges_reviewer"], body="Veja o manual")
    services.accept_answer(answer, by=member)
    assert _ids("ouvidoria", category_id=forum_category("boas-praticas").id) == [a.id]
    assert _ids("ouvidoria", solved=True) == [b.id]
    assert _ids("ouvidoria", solved=False) == [a.id]


def test_index_follows_edit_hide_unhide_and_delete(app, users):
    member = users["partner_member"]
    t = topic(member, title="Assunto qualquer", body="Texto sobre orçamento")
    question = db.session.scalar(db.select(Post).where(Post.topic_id == t.id))
    services.edit_post(question, by=member, body="Texto sobre transparência")
    assert _ids("orcamento") == [] and _ids("transparencia") == [t.id]
    services.hide_post(question, by=users["seges_reviewer"])
    assert _ids("transparencia") == []
    services.unhide_post(question, by=users["seges_reviewer"])
    assert _ids("transparencia") == [t.id]
    reply = services.reply(t, by=users["partner_manager"], body="Licitação sustentável")
    assert _ids("licitacao") == [t.id]
    services.delete_post(reply, by=users["seges_admin"])
    assert _ids("licitacao") == []


def test_snippets_and_titles_highlight_matches_and_escape_user_text(app, users):
    t = topic(
        users["partner_member"],
        title="Capacitação <b>urgente</b>",
        body="<script>alert(1)</script> precisamos da capacitação dos servidores",
    )
    snippet = str(search.snippets([t.id], "capacitacao")[t.id])
    assert "<mark>capacitação</mark>" in snippet
    assert "<script>" not in snippet
    assert str(search.marked("<b>\u27e6x\u27e7</b>")) == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"
    title = str(search.highlight(t.title, "capacitacao"))
    assert title.startswith("<mark>Capacitação</mark>") and "&lt;b&gt;" in title


def test_queries_with_operators_or_nothing_searchable_are_safe(app, users):
    topic(users["partner_member"], title="Assunto comum", body="texto")
    assert search.search_topics("   ") is None
    assert _ids('"* OR NEAR( -- ;') == []  # words only: never FTS or tsquery syntax
    assert _ids('assunto" OR "x') == []  # punctuation is dropped: "assunto" AND "or" AND "x"
    assert _ids("assunto*") != []


def test_only_the_newest_matching_posts_are_ranked_and_the_page_says_so(
    app, users, client, login, monkeypatch
):
    member = users["partner_member"]
    oldest = topic(member, title="Convênio antigo", body="Prestação de contas")
    middle = topic(member, title="Convênio do meio", body="Prestação de contas")
    newest = topic(member, title="Assunto recente", body="Sem relação")
    services.reply(newest, by=users["partner_manager"], body="Sobre o convênio também")
    assert search.search_topics("convenio").truncated is False
    monkeypatch.setattr(search, "CANDIDATES", 2)
    page = search.search_topics("convenio")
    assert page.truncated and page.total == 2  # the 2 newest matching posts: 2 topics
    assert {topic_id for topic_id, _score in page.items} == {middle.id, newest.id}
    assert oldest.id not in [topic_id for topic_id, _score in page.items]
    login(users["partner_manager"])
    html = client.get("/forum/busca?q=convenio").get_data(as_text=True)
    assert "Mais de 2 resultados" in html and "</mark> do meio" in html


def test_snippets_quote_the_best_post_given_for_each_topic(app, users):
    t = topic(users["partner_member"], title="Eventos", body="Seminário de ouvidoria em março")
    reply = services.reply(t, by=users["partner_manager"], body="A ouvidoria abre inscrições")
    page = search.search_topics("ouvidoria inscricoes")
    assert page.best_posts == {t.id: reply.id}
    snippet = str(search.snippets([t.id], "ouvidoria inscricoes", posts=page.best_posts)[t.id])
    assert "<mark>inscrições</mark>" in snippet and "março" not in snippet
    assert "<mark>ouvidoria</mark>" in str(search.snippets([t.id], "ouvidoria")[t.id])


def test_long_prefixes_find_every_word_they_start(app, users, monkeypatch):
    member = users["partner_member"]
    one = topic(member, title="Portal da transparência", body="Onde publicar?")
    other = topic(member, title="Duas transparências", body="Ativa e passiva")
    assert set(_ids("transparencia")) == {one.id, other.id}
    monkeypatch.setattr(search, "MAX_EXPANSION", 1)  # too many terms: FTS5's own prefix query
    search.clear()
    search.rebuild()
    assert set(_ids("TRANSPARÊNCIA")) == {one.id, other.id}


def test_snippets_are_plain_text_with_the_match_marked_and_escaped(app, users):
    t = topic(
        users["partner_member"],
        title="Envio do relatório",
        body="Envie o **relatório anual** pelo [portal](https://exemplo.gov.br) <b>já</b>",
    )
    snippet = str(search.snippets([t.id], "relatorio")[t.id])
    assert "**" not in snippet and "](" not in snippet and "https://" not in snippet
    assert "<mark>relatório</mark>" in snippet
    assert "<b>" not in snippet  # escaped (SQLite) or dropped by ts_headline (PostgreSQL)


def test_snippets_show_mentions_as_names(app, users):
    other = users["other_manager"]
    body = f"Pergunte a @[{other.name}](user:{other.id}) sobre o painel"
    t = topic(users["partner_member"], body=body)
    snippet = str(search.snippets([t.id], "painel")[t.id])
    assert f"@{other.name}" in snippet and "user:" not in snippet


def test_search_filters_by_goal_code_and_period(app, users, act):
    from datetime import timedelta

    from portal.core.models import utcnow
    from portal.forum.models import Topic
    from tests.factories import deliverable_of

    goal = deliverable_of(act, "1.1", users["partner_member"].institution_id).goal
    about = topic(users["partner_member"], title="Painel da meta", goal_id=goal.id)
    loose = topic(users["partner_member"], title="Painel sem meta")
    assert set(_ids("painel")) == {about.id, loose.id}
    assert _ids("painel", goal_code="1.1") == [about.id]
    assert _ids("painel", goal_code="9.9") == []
    db.session.execute(
        db.update(Topic)
        .where(Topic.id == loose.id)
        .values(last_post_at=utcnow() - timedelta(days=90))
    )
    since = services.period_start("30d")
    assert _ids("painel", since=since) == [about.id]
    assert set(_ids("painel", since=services.period_start("6m"))) == {about.id, loose.id}


def test_search_page_filters_by_goal_and_period(client, users, login, act):
    from tests.factories import deliverable_of, page_text

    goal = deliverable_of(act, "1.1", users["partner_member"].institution_id).goal
    topic(users["partner_member"], title="Painel da meta", goal_id=goal.id)
    topic(users["partner_member"], title="Painel sem meta")
    login(users["partner_manager"])
    html = client.get("/forum/busca?q=painel&meta=1.1&periodo=30d").get_data(as_text=True)
    text = page_text(html)
    assert "Painel da meta" in text and "Painel sem meta" not in text
    assert '<option selected value="1.1">' in html
    bad = client.get("/forum/busca?q=painel&periodo=sempre")
    assert bad.status_code == 200 and "Painel sem meta" not in page_text(bad.get_data(as_text=True))
