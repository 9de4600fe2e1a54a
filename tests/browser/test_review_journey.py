"""Journey 2 (DESIGN section 2): SEGES returns a submission, the partner fixes it, SEGES
approves it and the panel shows the change. The reviewer reads the submission first, the
evidence PDF drawn in the page by PDF.js, then decides (issue 17, points 3 and 6)."""

import pytest
from playwright.sync_api import Page, expect
from weasyprint import HTML

from tests import factories

pytestmark = pytest.mark.browser

# The preview must run under the real CSP: any violation, in the page or in the PDF.js
# worker, fails the journey (besides the console errors page_log sees).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""

# How much of the canvas is painted (not white or transparent), as a fraction.
PAINTED = """canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) painted++;
  }
  return painted / (data.length / 4);
}"""


def two_page_pdf() -> bytes:
    """A real PDF (embedded fonts, a filled box) of two pages, as partners' offices send."""
    return HTML(string="""
        <style>@page { size: A4; margin: 2cm } .box { height: 6cm; background: #1351b4 }
               .next { page-break-before: always }</style>
        <h1>Ofício nº 123/2025</h1><p>Indicamos a servidora Ana para o Painel.</p>
        <div class="box"></div>
        <h1 class="next">Anexo</h1><p>Segunda página.</p>
    """).write_pdf()


@pytest.fixture
def submitted_with_pdf(app):
    """MG's 1.2 (Painel access), sent by its member with the signed letter as a PDF."""
    network = factories.seed_network()
    seges, mg = network["seges"], network["mg"]
    factories.user("revisor@seges.test", "seges_reviewer", seges, name="Rafael Revisor")
    member = factories.user("membro@mg.test", "partner_member", mg, name="Marcos Membro")
    deliverable = factories.deliverable_of(network["act"], "1.2", mg.id)
    factories.submitted(deliverable, member, "Indicamos a servidora Ana.",
                        files=[("oficio.pdf", two_page_pdf())])
    return deliverable


def _reviewer_sees_the_pdf(page: Page) -> None:
    """The preview opens in the page, page 1 of 2 painted on a canvas; the page buttons and
    the keyboard turn the pages."""
    page.get_by_text("Visualizar", exact=False).filter(has_text="oficio.pdf").click()
    viewer = page.locator("[data-pdf-viewer]")
    counter = viewer.locator("[data-pdf-counter]")
    expect(counter).to_have_text("Página 1 de 2")
    canvas = viewer.locator("canvas")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > c.width")  # an A4 page, portrait
    assert canvas.evaluate(PAINTED) > 0.01
    expect(canvas).to_have_attribute("aria-label", "Página 1 de 2 de oficio.pdf")
    previous = viewer.get_by_role("button", name="Página anterior")
    expect(previous).to_have_attribute("aria-disabled", "true")

    viewer.get_by_role("button", name="Próxima página").click()
    expect(counter).to_have_text("Página 2 de 2")
    expect(viewer).to_have_attribute("data-pdf-rendered", "2")
    # By keyboard: the focused button keeps the focus on the last page, arrows turn pages.
    next_button = viewer.get_by_role("button", name="Próxima página")
    expect(next_button).to_have_attribute("aria-disabled", "true")
    next_button.focus()
    page.keyboard.press("Enter")
    expect(counter).to_have_text("Página 2 de 2")
    expect(next_button).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(counter).to_have_text("Página 1 de 2")
    previous.focus()
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text("Página 2 de 2")
    assert page.evaluate("window.__cspViolations") == []


@pytest.mark.own_context  # the CSP watch's init script
@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_return_fix_and_approve(request, live_server, page, page_log, submitted_with_pdf, log_in):
    submitted = submitted_with_pdf
    scripts_on = request.node.callspec.params["page"]
    page.add_init_script(CSP_WATCH)
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    # SEGES's home leads with the queue: how many wait, and the oldest, named by agreement.
    expect(page.locator("#conteudo")).to_contain_text("1 entrega aguardando análise")
    expect(page.locator("#conteudo table").first).to_contain_text("ACT nº 160/2025")
    page.get_by_role("link", name="Analisar meta 1.2 de SCC/MG").click()
    expect(page.locator(".portal-report").first).to_contain_text("Indicamos a servidora Ana.")
    # The submission comes before the decision.
    report_top = page.locator(".portal-report").first.bounding_box()["y"]
    assert report_top < page.get_by_role("heading", name="Decisão").bounding_box()["y"]
    # Nothing is marked wrong before the first try.
    expect(page.locator("#analise [aria-invalid='true']")).to_have_count(0)

    if scripts_on:
        _reviewer_sees_the_pdf(page)
    else:  # without JavaScript: the preview says so and offers the download
        page.locator("summary", has_text="Visualizar").click()
        fallback = page.locator("[data-pdf-status]")
        expect(fallback).to_contain_text("A visualização do PDF precisa de JavaScript")
        expect(fallback.get_by_role("link", name="baixe oficio.pdf")).to_be_visible()

    # Every error at once: "Devolver" with neither reason nor comment.
    page.get_by_text("Devolver ao parceiro", exact=True).click()  # the DS styles the label
    page.get_by_role("button", name="Registrar decisão").click()
    form = page.locator("#analise form").first
    expect(form).to_contain_text("Escolha o motivo da devolução.")
    expect(form).to_contain_text("o comentário é obrigatório ao devolver")
    # That answer was the form's 422 (an XHR with JavaScript, the page without): expected.
    decided = f"{live_server}/analise/{submitted.id}/decisao"
    page_log.http_errors.remove((422, "xhr" if scripts_on else "document", decided))
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
    page.get_by_role("button", name="Enviar para análise").click()
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

    page.goto("/painel")  # (the navigation groups SEGES pages under menus)
    row = page.locator("tr", has_text="Governo de Minas Gerais")
    expect(row).to_contain_text("1 de")
    page_log.assert_clean()
    if scripts_on:
        assert page.evaluate("window.__cspViolations") == []
