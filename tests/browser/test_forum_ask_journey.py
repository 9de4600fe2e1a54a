"""Issue 18's journey: a partner asks from a goal's page, sees a similar question, posts anyway
with a document and a colleague of another institution mentioned (chosen by keyboard); the
colleague is told, reads the document, replies and follows the topic; the asker accepts the
answer. Counters, unread markers and search follow each step; no page shows an e-mail."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.agreements.models import Goal
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.forum import services
from portal.forum.services import ensure_default_categories
from tests import factories
from tests.browser.axe import axe_violations, format_violations

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n%jornada do forum\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*\.test")


@pytest.fixture
def network(app):
    network = factories.seed_network()
    member = factories.user("membro@mg.test", "partner_member", network["mg"],
                            name="Marcos Membro")
    colleague = factories.user("gestor@es.test", "partner_manager", network["es"],
                               name="Helena Gestora")
    ensure_default_categories()
    # An earlier, solved question that looks like the one about to be asked.
    old = services.create_topic(
        factories.forum_category("capacitacao"),
        by=colleague,
        title="Como comprovar as horas de capacitação?",
        body="Quais documentos valem?",
    )
    answer = services.reply(old, by=member, body="Lista de presença e certificado.")
    services.accept_answer(answer, by=colleague)
    deliverable = db.session.scalars(
        db.select(Deliverable)
        .join(Goal)
        .where(Goal.code == "2.2", Deliverable.institution_id == network["mg"].id)
        .order_by(Deliverable.due_on)
    ).first()
    db.session.commit()
    return {"deliverable": deliverable.id}


def _no_email(page) -> None:
    html = page.content()
    found = EMAIL.search(html)
    assert found is None, f"{page.url} shows {found.group(0)}"


def test_ask_from_a_goal_with_attachment_and_mention_then_answer_and_accept(
    live_server, page, page_log, network, log_in, tmp_path
):
    page.on("filechooser", lambda _: None)
    document = tmp_path / "plano-de-capacitacao.pdf"
    document.write_bytes(PDF)

    # The partner asks from the goal's page.
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto(f"/entregas/{network['deliverable']}")
    page.get_by_role("link", name="Nova pergunta sobre a meta 2.2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nova pergunta")
    expect(page.get_by_label("Categoria")).to_have_value(
        str(factories.forum_category("capacitacao").id)
    )
    goal = page.get_by_label("Meta relacionada (opcional)")
    expect(goal.locator("option:checked")).to_contain_text("2.2")
    _no_email(page)

    # A similar, solved question shows while the title is typed.
    page.get_by_label("Título").press_sequentially("Horas de capacitação da meta 2.2", delay=20)
    similar = page.locator("#topicos-parecidos")
    expect(similar).to_contain_text("Como comprovar as horas de capacitação?")
    expect(similar).to_contain_text("Resolvido")

    # The message, with a mention chosen from the list by keyboard.
    body = page.get_by_label("Pergunta ou mensagem")
    body.focus()
    page.keyboard.type("Quantas horas contam por ano? Pergunto a @Hel", delay=20)
    listbox = page.get_by_role("listbox", name="Pessoas para mencionar")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option").first
    expect(option).to_contain_text("Helena Gestora")
    expect(option).to_contain_text("SEGER/ES")
    expect(body).to_have_attribute("role", "combobox")
    expect(body).to_have_attribute("aria-expanded", "true")
    expect(body).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    violations = axe_violations(page, by_devtools=True)  # the combobox with its list open
    assert not violations, format_violations(page.url, violations)
    page.keyboard.press("ArrowDown")  # one option: wraps back to it
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(body).to_have_attribute("aria-expanded", "false")
    page.keyboard.type("que já fez isso.")
    expect(body).to_have_value(re.compile(r"@\[Helena Gestora\]\(user:\d+\) que já fez isso\.$"))

    page.get_by_label("Anexos (opcional)").set_input_files(str(document))
    page.get_by_role("button", name="Publicar pergunta").focus()
    page.keyboard.press("Enter")  # posting by keyboard
    expect(page.get_by_role("heading", level=1)).to_have_text("Horas de capacitação da meta 2.2")
    topic_url = page.url
    expect(page.locator("#contagem-topico")).to_have_text("0 respostas")
    mention = page.locator(".forum-body a", has_text="@Helena Gestora")
    expect(mention).to_have_attribute("href", re.compile(r"/forum/pessoas/\d+$"))
    expect(page.locator(".forum-attachments")).to_contain_text("plano-de-capacitacao.pdf")
    _no_email(page)
    page.goto("/forum/")
    expect(page.locator(".forum-categories")).to_contain_text("Capacitação 2 tópicos · 3 mensagens")
    _no_email(page)
    page.get_by_role("button", name="Sair").click()

    # The colleague of another institution is told, and the topic is new to her.
    log_in(page, "gestor@es.test", factories.PASSWORD)
    page.goto("/notificacoes")
    expect(page.locator("#conteudo")).to_contain_text(
        "Marcos Membro mencionou você em “Horas de capacitação da meta 2.2”."
    )
    page.goto("/forum/")
    row = page.locator(".forum-topic", has_text="Horas de capacitação da meta 2.2")
    expect(row).to_have_class(re.compile("forum-unread"))
    expect(row).to_contain_text("0 respostas")
    row.get_by_role("link", name="Horas de capacitação da meta 2.2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Horas de capacitação da meta 2.2")
    expect(page.get_by_role("button", name="Deixar de acompanhar")).to_be_visible()  # mentioned

    # She reads the document (an audited attachment download).
    with page.expect_download() as download:
        page.locator(".forum-attachments").get_by_role(
            "link", name="plano-de-capacitacao.pdf"
        ).click()
    assert download.value.suggested_filename == "plano-de-capacitacao.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    # She replies (htmx): the counter follows at once, and she still follows the topic.
    page.get_by_label("Mensagem").fill("São 60 horas por ano; valem cursos da Rede.")
    page.get_by_role("button", name="Publicar resposta").click()
    expect(page.locator("#mensagens-topico")).to_contain_text("São 60 horas por ano")
    expect(page.locator("#contagem-topico")).to_have_text("1 resposta")
    expect(page.get_by_role("button", name="Deixar de acompanhar")).to_be_visible()
    page.goto("/forum/")
    row = page.locator(".forum-topic", has_text="Horas de capacitação da meta 2.2")
    expect(row).not_to_have_class(re.compile("forum-unread"))
    expect(row).to_contain_text("1 resposta")
    expect(page.locator(".forum-categories")).to_contain_text("Capacitação 2 tópicos · 4 mensagens")
    page.get_by_role("button", name="Sair").click()

    # The asker sees the new reply marked, and accepts it.
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto("/forum/")
    row = page.locator(".forum-topic", has_text="Horas de capacitação da meta 2.2")
    expect(row).to_have_class(re.compile("forum-unread"))
    page.goto(topic_url)
    expect(page.locator("#novas-respostas")).to_have_text(
        "Novas respostas desde a sua última visita"
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Marcar como resposta aceita").click()
    expect(page.locator(".forum-best-answers")).to_contain_text("São 60 horas por ano")
    expect(page.locator(".forum-topic-meta").first).to_contain_text("Resolvido")
    _no_email(page)

    # Search finds it, solved, with a plain-text snippet.
    page.goto("/forum/busca?q=horas%20capacitacao&situacao=resolvidos&meta=2.2")
    results = page.locator("#resultados-busca")
    expect(results).to_contain_text("Horas de capacitação da meta 2.2")
    expect(results.locator(".forum-result").first).to_contain_text("Resolvido")
    assert "**" not in results.inner_text()
    _no_email(page)
    page_log.assert_clean()
