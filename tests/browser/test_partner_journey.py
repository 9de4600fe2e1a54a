"""Journey 1 (DESIGN section 2): a partner reports an overdue deliverable with evidence."""

import pytest
from playwright.sync_api import Page, expect

from portal.deliverables.models import Deliverable, Evidence
from portal.extensions import db
from tests import factories
from tests.factories import PDF, PNG

pytestmark = pytest.mark.browser


@pytest.fixture
def mg(app):
    network = factories.seed_network()
    return {
        "member": factories.user(
            "membro@mg.test", "partner_member", network["mg"], name="Marcos Membro"
        ),
        "es": factories.user("gestor@es.test", "partner_manager", network["es"], name="Helena ES"),
        "seges": network["seges"],
    }


@pytest.fixture
def evidence_files(tmp_path):
    pdf, png = tmp_path / "oficio-painel.pdf", tmp_path / "foto da reunião.png"
    pdf.write_bytes(PDF)
    png.write_bytes(PNG)
    return [str(pdf), str(png)]


def _open_overdue_painel(page: Page) -> None:
    page.goto("/")
    tab = page.get_by_role("link", name="Atrasadas")
    tab.click()
    # The tab swaps the list in by htmx: a click before the swap would land on the old list.
    expect(tab).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="1.2 — Indicar responsável").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meta 1.2")
    expect(page.locator(".br-tag").first).to_contain_text("Atrasada")


def test_member_reports_an_overdue_deliverable_with_files_and_a_link(
    live_server, page, page_log, mg, evidence_files, log_in
):
    log_in(page, "membro@mg.test", factories.PASSWORD)
    _open_overdue_painel(page)

    page.get_by_label("Relato do que foi feito").fill(
        "Indicamos a servidora **Ana** para o Painel."
    )
    page.get_by_role("button", name="Salvar rascunho").click()
    expect(page.locator("#mensagens")).to_contain_text("Rascunho salvo.")

    page.set_input_files("#arquivos-evidencia", evidence_files)
    progress = page.locator("[data-progress] li")
    expect(progress).to_have_count(2)
    expect(progress.nth(0).locator("progress")).to_have_attribute("value", "100")
    expect(progress.nth(1)).to_contain_text("concluído")
    evidence = page.locator("#evidencias .portal-evidence-list")
    expect(evidence).to_contain_text("oficio-painel.pdf")
    expect(evidence).to_contain_text("foto da reunião.png")

    page.get_by_label("Endereço (URL)").fill("https://www.gov.br/gestao/noticia")
    page.get_by_label("Título do link").fill("Notícia no portal")
    page.get_by_role("button", name="Adicionar link").click()
    expect(evidence).to_contain_text("Notícia no portal")

    page.get_by_role("button", name="Enviar para análise").click()
    expect(page.locator(".portal-evidence-list li")).to_have_count(3)
    page.get_by_role("button", name="Confirmar envio").click()
    expect(page.locator("#mensagens")).to_contain_text("Entrega enviada para análise")
    expect(page.locator(".portal-heading .br-tag")).to_contain_text("Enviada")
    expect(page.locator("#form-rascunho")).to_have_count(0)
    expect(page.locator(".portal-report strong")).to_have_text("Ana")
    page_log.assert_clean()

    deliverable = db.session.scalar(db.select(Deliverable).where(Deliverable.status == "submitted"))
    assert deliverable.goal.code == "1.2"
    assert db.session.scalar(db.select(db.func.count(Evidence.id))) == 3


def test_without_javascript_the_same_journey_works(
    live_server, page_nojs, page_log, mg, evidence_files, log_in
):
    page = page_nojs
    log_in(page, "membro@mg.test", factories.PASSWORD)
    _open_overdue_painel(page)
    page.get_by_label("Relato do que foi feito").fill("Relato sem JavaScript.")
    page.get_by_label("Arquivos de evidência").set_input_files(evidence_files)
    page.get_by_role("button", name="Salvar rascunho").click()
    expect(page.locator("#evidencias")).to_contain_text("oficio-painel.pdf")
    page.get_by_label("Endereço (URL)").fill("https://www.gov.br/gestao")
    page.get_by_role("button", name="Adicionar link").click()
    expect(page.locator("#evidencias")).to_contain_text("https://www.gov.br/gestao")
    page.get_by_role("button", name="Enviar para análise").click()
    page.get_by_role("button", name="Confirmar envio").click()
    expect(page.locator(".portal-heading .br-tag")).to_contain_text("Enviada")
    page_log.assert_clean()


def test_another_state_cannot_open_or_download_it(live_server, page, mg, app, log_in):
    deliverable = db.session.scalar(
        db.select(Deliverable)
        .join(Deliverable.goal)
        .where(
            Deliverable.goal.has(code="1.2"),
            Deliverable.institution_id == mg["member"].institution_id,
        )
    )
    factories.draft(deliverable, mg["member"], "Sigiloso")
    evidence = factories.evidence(deliverable, mg["member"], "a.pdf", PDF)
    log_in(page, "gestor@es.test", factories.PASSWORD)
    for url in (f"/entregas/{deliverable.id}", f"/evidencias/{evidence.id}/arquivo"):
        response = page.request.get(url)
        assert response.status == 403, url
    page.goto(f"/entregas/{deliverable.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acesso negado")
    expect(page.locator("body")).not_to_contain_text("Sigiloso")
