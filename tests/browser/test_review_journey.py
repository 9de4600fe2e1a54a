"""Journey 2 (DESIGN section 2): SEGES returns a submission, the partner fixes it, SEGES
approves it and the panel shows the change."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories

pytestmark = pytest.mark.browser


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(page.url.split("/login")[0].rsplit("/", 1)[0] + "/login")


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_return_fix_and_approve(live_server, page, page_log, submitted, log_in):
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    page.get_by_role("link", name="Fila de análise").click()
    page.get_by_role("link", name="Analisar meta 1.2 de SCC/MG").click()
    expect(page.locator(".portal-report")).to_contain_text("Indicamos a servidora Ana.")
    page.get_by_text("Devolver ao parceiro", exact=True).click()  # the DS styles the label
    page.get_by_label("Motivo da devolução").select_option(label="Evidência insuficiente")
    page.get_by_label("Comentário para o parceiro").fill("Anexe o ofício de indicação assinado.")
    page.get_by_role("button", name="Registrar decisão").click()
    expect(page.locator("#mensagens")).to_contain_text("devolvida")
    page.get_by_role("button", name="Sair").click()

    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.get_by_role("link", name="Notificações: 1 não lida").click()
    expect(page.locator("body")).to_contain_text("A SEGES devolveu a meta 1.2")
    page.goto(f"/entregas/{submitted.id}")
    expect(page.locator("#entrega")).to_contain_text("Evidência insuficiente")
    expect(page.locator("#entrega")).to_contain_text("Anexe o ofício de indicação assinado.")
    page.get_by_label("Relato do que foi feito").fill(
        "Indicamos a servidora Ana Souza; o ofício assinado segue como link."
    )
    page.get_by_role("button", name="Salvar rascunho").click()
    expect(page.locator("#mensagens")).to_contain_text("Rascunho salvo.")
    page.get_by_label("Endereço (URL)").fill("https://sei.mg.gov.br/oficio-123")
    page.get_by_role("button", name="Adicionar link").click()
    expect(page.locator("#evidencias")).to_contain_text("oficio-123")
    page.get_by_role("link", name="Enviar para análise").click()
    page.get_by_role("button", name="Confirmar envio").click()
    expect(page.locator(".portal-heading .br-tag")).to_contain_text("Enviada")
    page.get_by_role("button", name="Sair").click()

    log_in(page, "revisor@seges.test", factories.PASSWORD)
    page.goto(f"/analise/{submitted.id}")
    changes = page.locator(".portal-changes")
    expect(changes).to_contain_text("O que mudou desde a devolução")
    expect(changes.locator("ins").first).to_be_visible()
    expect(changes).to_contain_text("Link acrescentado: https://sei.mg.gov.br/oficio-123")
    page.get_by_text("Aprovar", exact=True).click()
    page.get_by_role("button", name="Registrar decisão").click()
    expect(page.locator("#mensagens")).to_contain_text("aprovada")

    page.get_by_role("link", name="Painel da Rede").click()
    row = page.locator("tr", has_text="Governo de Minas Gerais")
    expect(row).to_contain_text("1 de")
    page_log.assert_clean()
