"""A partner's core task by keyboard only, and typed work that survives every other action
on the page (issue 17): attach, add a link, remove a file, a validation error, leaving by a
link, closing the tab, submitting."""

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.deliverables import services
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.institutions.models import Institution
from tests import factories
from tests.factories import PDF, PNG

pytestmark = pytest.mark.browser

REPORT = "Indicamos a servidora Ana para o Painel; o ofício segue anexo."


@pytest.fixture
def member(app):
    network = factories.seed_network()
    factories.user("membro@mg.test", "partner_member", network["mg"], name="Marcos Membro")
    return factories.deliverable_of(network["act"], "1.2", network["mg"].id)


@pytest.fixture
def files(tmp_path):
    pdf, png = tmp_path / "oficio-painel.pdf", tmp_path / "foto da reunião.png"
    pdf.write_bytes(PDF)
    png.write_bytes(PNG)
    return [str(pdf), str(png)]


def tab_to(page: Page, target, limit: int = 120) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user reaches it."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reachable by Tab")


def intercept_file_choosers(page: Page) -> None:
    """Have Playwright intercept file choosers from now on. ``expect_file_chooser`` alone turns
    the interception on while the key press that opens the chooser is already on its way, and
    under load the browser's own (invisible) dialog can win that race."""
    page.on("filechooser", lambda _chooser: None)


def no_mouse(page: Page) -> None:
    """Fail the test on any mouse event: everything must be done by keyboard."""
    page.add_init_script("""
        for (const type of ['mousedown', 'mouseup', 'pointerdown']) {
            document.addEventListener(type, event => {
                if (event.isTrusted && event.pointerType !== '') {
                    console.error('mouse used: ' + type);
                }
            }, true);
        }
    """)


@pytest.mark.own_context  # no_mouse's init script
def test_by_keyboard_only_a_member_reports_with_files_and_a_link(
    live_server, page, page_log, member, files
):
    no_mouse(page)
    intercept_file_choosers(page)
    page.goto("/login")
    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type("membro@mg.test")
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/")

    page.goto(f"/entregas/{member.id}")
    tab_to(page, page.get_by_label("Relato do que foi feito"))
    page.keyboard.type(REPORT)
    expect(page.locator("[data-autosave-status]")).to_contain_text("Rascunho salvo às")

    chooser = page.get_by_role("button", name="Escolher arquivos")
    tab_to(page, chooser)
    with page.expect_file_chooser() as opened:
        page.keyboard.press("Enter")
    assert opened.value.is_multiple()
    opened.value.set_files(files)
    evidence = page.locator("#evidencias .portal-evidence-list")
    expect(evidence).to_contain_text("oficio-painel.pdf")
    expect(evidence).to_contain_text("foto da reunião.png")
    expect(page.locator("[data-progress] li.portal-upload-ok")).to_have_count(2)

    tab_to(page, page.get_by_label("Endereço (URL)"))
    page.keyboard.type("https://www.gov.br/gestao/noticia")
    page.keyboard.press("Enter")
    expect(evidence).to_contain_text("https://www.gov.br/gestao/noticia")
    expect(page.get_by_label("Relato do que foi feito")).to_have_value(REPORT)

    tab_to(page, page.get_by_role("button", name="Enviar para análise"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enviar para análise")
    expect(page.locator(".portal-report")).to_contain_text("Indicamos a servidora Ana")
    tab_to(page, page.get_by_role("button", name="Confirmar envio"))
    page.keyboard.press("Enter")
    expect(page.locator(".portal-heading .br-tag")).to_contain_text("Enviada")
    page_log.assert_clean()
    assert db.session.get(Deliverable, member.id).status == "submitted"


def test_the_typed_report_survives_every_other_action_on_the_page(
    live_server, page, page_log, member, files, log_in
):
    intercept_file_choosers(page)
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto(f"/entregas/{member.id}")
    report = page.get_by_label("Relato do que foi feito")
    report.fill(REPORT)

    with page.expect_file_chooser() as opened:
        page.get_by_role("button", name="Escolher arquivos").click()
    opened.value.set_files(files)
    expect(page.locator("[data-progress] li.portal-upload-ok")).to_have_count(2)
    expect(report).to_have_value(REPORT)

    page.get_by_label("Endereço (URL)").fill("https://www.gov.br/gestao")
    page.get_by_role("button", name="Adicionar link").click()
    expect(page.locator("#evidencias")).to_contain_text("https://www.gov.br/gestao")
    expect(report).to_have_value(REPORT)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remover foto da reunião.png").click()
    expect(page.locator("#evidencias")).not_to_contain_text("foto da reunião.png")
    expect(report).to_have_value(REPORT)

    page.get_by_label("Período coberto pelas evidências: início").fill("2026-03-10")
    page.get_by_label("Período coberto pelas evidências: fim").fill("2026-01-01")
    page.get_by_role("button", name="Salvar rascunho").click()
    expect(page.locator("#conteudo [aria-invalid='true']").first).to_be_visible()
    expect(page.get_by_label("Relato do que foi feito")).to_have_value(REPORT)
    page_log.http_errors.remove((422, "xhr", f"{live_server}/entregas/{member.id}/rascunho"))
    page_log.assert_clean()


def test_the_draft_saves_itself_and_is_saved_before_leaving_by_a_link(
    live_server, page, page_log, member, log_in
):
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto(f"/entregas/{member.id}")
    page.get_by_label("Relato do que foi feito").fill("Primeira parte do relato.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Rascunho salvo às")
    page.reload()
    expect(page.get_by_label("Relato do que foi feito")).to_have_value("Primeira parte do relato.")

    # Typed and left at once, before the pause that saves: the link saves it first.
    page.get_by_label("Relato do que foi feito").fill("Relato completo, escrito às pressas.")
    breadcrumb = page.get_by_role("navigation", name="Trilha de navegação")
    breadcrumb.get_by_role("link", name="Minhas entregas").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minhas entregas")
    db.session.expire_all()
    assert services.latest_version(member).report == "Relato completo, escrito às pressas."
    page_log.assert_clean()


def test_closing_the_tab_with_unsaved_text_warns_and_still_saves(
    live_server, page, member, log_in
):
    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.goto(f"/entregas/{member.id}")
    page.get_by_label("Relato do que foi feito").fill("Texto que não pode se perder.")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert dialogs == ["beforeunload"]
    # The last save is a beacon on the way out: give the server a moment.
    for _ in range(50):
        db.session.expire_all()
        draft = services.latest_version(member)
        if draft and draft.report:
            break
        page.context.new_page().wait_for_timeout(100)
    assert services.latest_version(member).report == "Texto que não pode se perder."


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide on a 390 px phone"


def test_on_a_phone_a_member_reports_with_files_and_a_link(
    live_server, browser, page_log, member, files
):
    context = browser.new_context(
        base_url=live_server, locale="pt-BR", viewport={"width": 390, "height": 844},
        has_touch=True, is_mobile=True, device_scale_factor=2,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page_log.watch(page)
    intercept_file_choosers(page)
    try:
        page.goto("/login")
        fits_the_phone(page)
        page.get_by_label("E-mail").fill("membro@mg.test")
        page.get_by_label("Senha").fill(factories.PASSWORD)
        page.get_by_role("button", name="Entrar").tap()
        expect(page).to_have_url(f"{live_server}/")
        fits_the_phone(page)

        tab = page.get_by_role("link", name="Atrasadas")
        tab.tap()
        expect(tab).to_have_attribute("aria-current", "page")  # swapped in by htmx
        page.get_by_role("link", name="1.2 — Indicar responsável").tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Meta 1.2")
        fits_the_phone(page)
        page.get_by_label("Relato do que foi feito").fill(REPORT)
        with page.expect_file_chooser() as opened:
            page.get_by_role("button", name="Escolher arquivos").tap()
        opened.value.set_files(files)
        expect(page.locator("[data-progress] li.portal-upload-ok")).to_have_count(2)
        page.get_by_label("Endereço (URL)").fill("https://www.gov.br/gestao")
        page.get_by_role("button", name="Adicionar link").tap()
        expect(page.locator("#evidencias")).to_contain_text("https://www.gov.br/gestao")
        fits_the_phone(page)

        page.get_by_role("button", name="Enviar para análise").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Enviar para análise")
        fits_the_phone(page)
        page.get_by_role("button", name="Confirmar envio").tap()
        expect(page.locator(".portal-heading .br-tag")).to_contain_text("Enviada")
        fits_the_phone(page)
        page_log.assert_clean()
    finally:
        context.close()


def keyboard_login(page: Page, email: str) -> None:
    page.goto("/login")
    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sair")).to_be_attached()


def keyboard_decision(page: Page, deliverable_id: int, decision: str) -> None:
    """Tab into the radio group (its first option), then arrows to the decision."""
    page.goto(f"/analise/{deliverable_id}")
    tab_to(page, page.locator("input[name='decision']").first)
    page.keyboard.press("Space")
    choice = page.get_by_label(decision, exact=True)
    for _ in range(5):
        if choice.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(choice).to_be_checked()


@pytest.mark.own_context  # no_mouse's init script
def test_by_keyboard_only_the_reviewer_returns_then_approves(
    live_server, browser, page, page_log, member
):
    seges = db.session.scalar(db.select(Institution).where(Institution.acronym == "SEGES"))
    reviewer = factories.user("revisor@seges.test", "seges_reviewer", seges, name="Rafael Revisor")
    partner = db.session.scalar(db.select(User).where(User.email == "membro@mg.test"))
    factories.submitted(member, partner, "Indicamos a servidora Ana.")
    no_mouse(page)

    keyboard_login(page, reviewer.email)
    keyboard_decision(page, member.id, "Devolver ao parceiro")
    tab_to(page, page.get_by_label("Motivo da devolução"))
    page.keyboard.press("ArrowDown")  # the first reason, as a keyboard user picks it
    tab_to(page, page.get_by_label("Comentário para o parceiro"))
    page.keyboard.type("Anexe o ofício assinado.")
    tab_to(page, page.get_by_role("button", name="Registrar decisão"))
    page.keyboard.press("Enter")
    expect(page.locator("#mensagens")).to_contain_text("devolvida")

    services.save_draft(member, by=partner, report="Ofício anexado.", covers_from=None,
                        covers_to=None)
    services.add_link(member, by=partner, url="https://sei.mg.gov.br/oficio", title="")
    services.submit(member, by=partner)
    db.session.commit()

    keyboard_decision(page, member.id, "Aprovar")
    tab_to(page, page.get_by_role("button", name="Registrar decisão"))
    page.keyboard.press("Enter")
    expect(page.locator("#mensagens")).to_contain_text("aprovada")
    page_log.assert_clean()
    db.session.expire_all()
    assert db.session.get(Deliverable, member.id).status == "approved"
