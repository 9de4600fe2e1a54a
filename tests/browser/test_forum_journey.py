"""Journey 3 (DESIGN section 2): a question about goal 2.2 is answered, accepted and found."""

import pytest
from playwright.sync_api import expect

from portal.forum.services import ensure_default_categories
from tests import factories

pytestmark = pytest.mark.browser

XSS = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    "[clique](javascript:alert('link'))",
    "<svg onload=alert('svg')></svg>",
    "<iframe src=javascript:alert('iframe')></iframe>",
    "<a href=\"jav&#x09;ascript:alert('enc')\">x</a>",
    "<<script>alert('broken')//<</script>",
]


@pytest.fixture
def forum(app):
    network = factories.seed_network()
    seges, mg, es = network["seges"], network["mg"], network["es"]
    factories.user("membro@mg.test", "partner_member", mg, name="Marcos Membro")
    factories.user("gestor@es.test", "partner_manager", es, name="Helena Gestora")
    factories.user("revisor@seges.test", "seges_reviewer", seges, name="Rafael Revisor")
    ensure_default_categories()


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_question_answered_accepted_and_found_without_accents(
    live_server, page, page_log, forum, log_in
):
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Fórum").click()
    page.get_by_role("link", name="Dúvidas gerais").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dúvidas gerais")
    page.get_by_role("link", name="Nova pergunta").click()
    page.get_by_label("Título").fill("Como comprovar as horas de capacitação da meta 2.2?")
    page.get_by_label("Pergunta ou mensagem").fill(
        "Precisamos comprovar 60 horas de capacitação por ano. Vale lista de presença?"
    )
    page.get_by_label("Meta relacionada (opcional)").select_option(
        label="2.2 — Realizar cursos na sua área de abrangência e atuação."
    )
    page.get_by_role("button", name="Publicar pergunta").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Como comprovar as horas")
    topic_url = page.url
    page.get_by_role("button", name="Sair").click()

    log_in(page, "gestor@es.test", factories.PASSWORD)
    page.goto(topic_url)
    page.get_by_label("Mensagem").fill("Sim: lista de presença assinada e o certificado.")
    page.get_by_role("button", name="Publicar resposta").click()
    expect(page.locator("body")).to_contain_text("lista de presença assinada")
    page.get_by_role("button", name="Sair").click()

    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto(topic_url)
    page.once("dialog", lambda dialog: dialog.accept())  # hx-confirm (without JS: none)
    page.get_by_role("button", name="Marcar como resposta aceita").click()
    expect(page.locator(".forum-accepted")).to_contain_text("lista de presença assinada")
    page.get_by_role("button", name="Sair").click()

    log_in(page, "revisor@seges.test", factories.PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Fórum").click()
    page.get_by_label("Buscar no fórum").first.fill("capacitacao")
    page.get_by_role("button", name="Buscar").first.click()
    expect(page.locator("#conteudo")).to_contain_text("Como comprovar as horas de capacitação")
    page_log.assert_clean()


def test_xss_corpus_renders_inert(live_server, page, forum, log_in):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Fórum").click()
    page.get_by_role("link", name="Dúvidas gerais").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dúvidas gerais")
    page.get_by_role("link", name="Nova pergunta").click()
    page.get_by_label("Título").fill("Teste <script>alert('titulo')</script>")
    page.get_by_label("Pergunta ou mensagem").fill("\n\n".join(XSS))
    page.get_by_role("button", name="Publicar pergunta").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>")
    for link in page.locator(".forum-post a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().replace("\t", "").startswith("javascript"), href
    assert page.locator(".forum-post script, .forum-post iframe, .forum-post svg").count() == 0
    page.reload()
    page.wait_for_timeout(300)
    assert dialogs == []
