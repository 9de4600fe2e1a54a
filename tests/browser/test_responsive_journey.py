"""On a phone and on a desktop (issue 17, point 5).

On a phone (390 × 844, touch): no page of any role scrolls sideways, the header and the main
menu leave most of the screen to the page (the menu collapses under a "Menu" button that opens
and closes by keyboard), and lists are stacked cards, status first. On a 1280 px desktop the
navigation is one row, its groups ("Rede", "Administração") open and close by keyboard. Without
JavaScript the navigation is listed and every group opens. No console error or CSP violation
anywhere (a CSP violation is a console error in Chromium).

The demo data (``factories.demo_states``) is served once for the module; each role logs in once.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import axe_violations, format_violations

pytestmark = pytest.mark.browser

ACTIVE = re.compile(r"(^|\s)active(\s|$)")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def site(serve_site, tmp_path_factory):
    folder = tmp_path_factory.mktemp("responsive")
    with serve_site(folder, factories.demo_states, "responsive-live-server") as site:
        yield site


@pytest.fixture
def open_page(site, page_log, screenshots_if_failed, lent_pages):
    """Factory: ``open_page(role, **context_options)``, a page signed in as ``role`` (lent)."""
    pages = []

    def make(role: str | None, **options) -> Page:
        page = site.lend_page(lent_pages, role, **options)
        page_log.watch(page)
        pages.append(page)
        return page

    yield make
    screenshots_if_failed(pages)


@pytest.fixture(scope="module")
def phone_pages(browser, site):
    """One phone page, signed in as each role in turn and reused by the page-by-page checks
    (each still its own test)."""
    kept = site.kept_page(browser, **PHONE)
    yield kept.as_role
    kept.close()


# No page scrolls sideways on a phone -----------------------------------------------------

PHONE_PAGES = {
    None: ["/login", "/senha/esqueci"],
    "partner_member": [
        "/",
        "/?grupo=depois",
        "/?grupo=concluidas",
        "/entregas/{draft}",
        "/entregas/{resent}",
        "/entregas/{draft}/enviar",
        "/acordos/{agreement}",
        "/instituicoes/{mg}",
        "/servidores",
        "/capacitacoes",
        "/forum/",
        "/forum/categorias/{category}",
        "/forum/topicos/{topic}",
        "/forum/categorias/{category}/novo-topico",
        "/forum/busca?q=painel",
        "/notificacoes",
        "/eventos",
        "/eventos/{event}",
        "/cursos",
        "/cursos/catalogo",
        "/conta",
        "/conta/senha",
    ],
    "partner_manager": [
        "/",
        "/usuarios",
        "/auditoria",
        "/instituicoes/{mg}/servidores",
        "/instituicoes/{mg}/servidores/novo",
        "/capacitacoes/nova",
    ],
    "seges_reviewer": [
        "/",
        "/analise",
        "/analise/{sent}",
        "/analise/{resent}",
        "/painel",
        "/painel?visao=matriz",
        "/acordos",
        "/acordos/{agreement}",
        "/instituicoes",
        "/servidores/painel",
        "/forum/denuncias",
        "/solicitacoes",
        "/solicitacoes/{info_request}",
        "/configuracoes/prazos",
    ],
    "seges_admin": [
        "/",
        "/usuarios",
        "/usuarios/{member_user}/editar",
        "/auditoria",
        "/instituicoes/nova",
        "/acordos/{agreement}/editar",
        "/eventos",
        "/eventos/novo",
        "/cursos/catalogo",
        "/forum/categorias",
        "/administracao/emails",
    ],
}

OVERFLOW = """() => {
    const root = document.documentElement, width = root.clientWidth;
    const scrolls = el => {
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') return true;
        }
        return false;
    };
    const wide = [...document.querySelectorAll('body *')].filter(
        el => el.getBoundingClientRect().right > width + 0.5 && !scrolls(el));
    return {
        scrollWidth: root.scrollWidth,
        culprits: wide.filter(el => !wide.includes(el.parentElement)).slice(0, 5).map(
            el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`
                + ` (right edge ${Math.round(el.getBoundingClientRect().right)} px)`),
    };
}"""


def assert_no_sideways_scroll(page: Page, width: int = 390) -> None:
    page.evaluate("document.fonts.ready")
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= width, (
        f"{page.url} is {found['scrollWidth']} px wide on a {width} px screen: {found['culprits']}"
    )


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param(role, path, id=f"{role or 'anonymous'}-{path}")
        for role, paths in PHONE_PAGES.items()
        for path in paths
    ],
)
def test_no_page_scrolls_sideways_on_a_phone(phone_pages, site, page_log, role, path):
    page = phone_pages(role)
    with page_log.watching(page):
        response = page.goto(path.format(**site.ids))
        assert response.status == 200, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        assert_no_sideways_scroll(page)
    page_log.assert_clean()


def test_long_words_and_addresses_break_instead_of_widening_the_page(open_page, site, page_log):
    page = open_page("partner_member", **PHONE)
    page.goto(f"/forum/topicos/{site.ids['topic']}")
    page.evaluate(
        """() => {
            const main = document.getElementById('conteudo');
            const long = 'https://sei.mg.gov.br/sei/controlador.php?acao=documento_visualizar&'
                + 'id_documento=' + '1234567890'.repeat(12);
            for (const tag of ['p', 'h2', 'li', 'dd']) {
                const el = document.createElement(tag);
                el.textContent = 'Ver ' + long + ' e Anticonstitucionalissimamente'.repeat(3);
                main.appendChild(el);
            }
            const code = document.createElement('pre');
            code.textContent = long;
            main.appendChild(code);
        }"""
    )
    assert_no_sideways_scroll(page)
    page_log.assert_clean()


# The menu on a phone -----------------------------------------------------------------------


def _focused_text(page: Page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_on_a_phone_the_menu_is_collapsed_and_opens_and_closes_by_keyboard(open_page, page_log):
    page = open_page("seges_admin", **PHONE)
    page.goto("/instituicoes")
    nav = page.get_by_role("navigation", name="Menu principal")
    button = nav.get_by_role("button", name="Menu")
    items = page.locator("#menu-principal-itens")

    # Header and collapsed menu leave the screen to the page (it was 650 of 844 px).
    top = page.evaluate("document.getElementById('conteudo').getBoundingClientRect().top")
    assert top <= 844 * 0.2, f"header and menu take {top} px of 844"
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "menu-principal-itens")
    expect(items).to_be_hidden()

    # Tab reaches the button, Enter opens it, the next Tab is its first item.
    page.locator("body").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('portal-menu-toggle')"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(items).to_be_visible()
    page.keyboard.press("Tab")
    assert _focused_text(page) == "Minhas entregas"

    # A group opens with Enter; Escape closes it and then the menu, each time back on its opener.
    group = page.locator("#menu-rede")
    summary = group.locator("summary")
    page.keyboard.press("Tab")  # Fila de análise
    page.keyboard.press("Tab")
    expect(summary).to_be_focused()
    expect(summary).to_have_class(ACTIVE)  # Instituições, the page shown, is in it
    page.keyboard.press("Enter")
    expect(group.get_by_role("link", name="Instituições")).to_be_visible()
    expect(group.get_by_role("link", name="Instituições")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")
    assert _focused_text(page) == "Painel da Rede"
    page.keyboard.press("Escape")
    expect(group.get_by_role("link", name="Painel da Rede")).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(items).to_be_hidden()

    # Space opens it too; a tap on an item goes there, and the next page starts collapsed.
    page.keyboard.press("Space")
    expect(items).to_be_visible()
    assert_no_sideways_scroll(page)
    nav.get_by_role("link", name="Fórum").tap()
    expect(page).to_have_url(re.compile(r"/forum/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#menu-principal-itens")).to_be_hidden()
    expect(nav.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    page_log.assert_clean()


def test_the_skip_link_to_the_menu_opens_it_on_a_phone(open_page, page_log):
    page = open_page("partner_member", **PHONE)
    page.goto("/")
    page.locator("body").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert _focused_text(page).startswith("Ir para o menu")
    page.keyboard.press("Enter")
    expect(page.locator("#menu-principal-itens")).to_be_visible()
    assert _focused_text(page) == "Minhas entregas"
    page_log.assert_clean()


# The navigation on a desktop ---------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["partner_member", "partner_manager", "seges_reviewer", "seges_admin"]
)
def test_on_a_desktop_the_navigation_is_one_row(open_page, page_log, role):
    page = open_page(role, **DESKTOP)
    page.goto("/")
    page.evaluate("document.fonts.ready")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    tops = page.evaluate(
        "[...document.querySelectorAll('#menu-principal-itens > li')].map(li => li.offsetTop)"
    )
    assert len(tops) >= 7
    assert len(set(tops)) == 1, f"the navigation wraps: item tops {tops}"
    assert_no_sideways_scroll(page, 1280)
    page_log.assert_clean()


def test_on_a_desktop_the_groups_open_and_close_by_keyboard(open_page, page_log):
    page = open_page("seges_admin", **DESKTOP)
    page.goto("/usuarios")
    network, admin = page.locator("#menu-rede"), page.locator("#menu-administracao")
    expect(admin.locator("summary")).to_have_class(ACTIVE)
    expect(network.locator("summary")).not_to_have_class(ACTIVE)

    network.locator("summary").focus()
    page.keyboard.press("Enter")
    panel = network.get_by_role("link", name="Painel da Rede")
    expect(panel).to_be_visible()
    # The drop-down lies over the page: the page does not move.
    assert page.evaluate("document.getElementById('conteudo').getBoundingClientRect().top") < 140
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(network.locator("summary")).to_be_focused()

    # Space opens; tabbing out of the group closes it; opening another closes the first.
    page.keyboard.press("Space")
    expect(panel).to_be_visible()
    for _ in range(5):  # Painel, Relatório anual, Instituições, Acordos, then Administração
        page.keyboard.press("Tab")
    expect(admin.locator("summary")).to_be_focused()
    expect(panel).to_be_hidden()
    page.keyboard.press("Enter")
    expect(admin.get_by_role("link", name="Usuários")).to_have_attribute("aria-current", "page")
    network.locator("summary").click()
    expect(panel).to_be_visible()
    expect(admin.get_by_role("link", name="Usuários")).to_be_hidden()
    # A click elsewhere closes it; a click on an item goes there.
    page.get_by_role("heading", level=1).click()
    expect(panel).to_be_hidden()
    network.locator("summary").click()
    panel.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Painel da Rede")
    expect(page.locator("#menu-rede summary")).to_have_class(ACTIVE)
    page_log.assert_clean()


def test_a_group_with_one_item_for_the_role_is_that_item(open_page, page_log):
    """The reviewer may see only "Prazos padrão" of the administration items; a partner member
    only "Relatório anual" of the network's."""
    page = open_page("seges_reviewer", **DESKTOP)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(page.locator("#menu-administracao")).to_have_count(0)
    expect(nav.get_by_role("link", name="Prazos padrão")).to_be_visible()
    member = open_page("partner_member", **DESKTOP)
    member.goto("/")
    expect(member.locator("#menu-rede")).to_have_count(0)
    expect(
        member.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Relatório anual"
        )
    ).to_be_visible()
    page_log.assert_clean()


# Without JavaScript -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_without_javascript_the_navigation_is_listed_and_its_groups_open(open_page, page_log, size):
    page = open_page("seges_admin", java_script_enabled=False, **size)
    page.goto("/")
    nav = page.get_by_role("navigation", name="Menu principal")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Minhas entregas")).to_be_visible()
    expect(nav.get_by_role("link", name="Fórum")).to_be_visible()
    nav.locator("#menu-rede summary").click()
    nav.get_by_role("link", name="Acordos").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acordos")
    assert_no_sideways_scroll(page, size["viewport"]["width"])
    page_log.assert_clean()


# Lists as cards -----------------------------------------------------------------------------

CELLS = """table => [...table.querySelectorAll('tbody tr')][0].querySelectorAll('td').length
    && [...[...table.querySelectorAll('tbody tr')][0].querySelectorAll('td')].map(td => ({
        label: td.dataset.label || '',
        before: getComputedStyle(td, '::before').content,
        top: td.getBoundingClientRect().top,
        left: td.getBoundingClientRect().left,
    }))"""


def test_lists_are_stacked_cards_on_a_phone_with_the_status_first(open_page, page_log):
    page = open_page("seges_admin", **PHONE)
    page.goto("/acordos")
    table = page.locator("#tabela-acordos table")
    assert (
        page.evaluate(
            "t => t.querySelector('thead').getBoundingClientRect().height", table.element_handle()
        )
        <= 1
    )
    cells = table.evaluate(CELLS)
    by_label = {cell["label"]: cell for cell in cells}
    assert by_label["Situação"]["before"] == '"Situação"'
    assert by_label["Partícipe"]["before"] == '"Partícipe"'
    assert min(cells, key=lambda cell: cell["top"])["label"] == "Situação"
    assert by_label["Instrumento"]["top"] < by_label["Partícipe"]["top"] < by_label["UF"]["top"]
    assert_no_sideways_scroll(page)

    desktop = open_page("seges_admin", **DESKTOP)
    desktop.goto("/acordos")
    expect(desktop.locator("#tabela-acordos thead")).to_be_visible()
    cells = desktop.locator("#tabela-acordos table").evaluate(CELLS)
    assert len({round(cell["top"]) for cell in cells}) == 1, "a row on a desktop is one line"
    assert all(cell["before"] in ("none", "normal") for cell in cells)
    page_log.assert_clean()


# Wide things scroll in their own box, by keyboard too ---------------------------------------


def test_the_panel_matrix_scrolls_in_its_own_box_by_keyboard_on_a_phone(open_page, page_log):
    page = open_page("seges_reviewer", **PHONE)
    page.goto("/painel?visao=matriz")
    page.wait_for_load_state("load")
    assert_no_sideways_scroll(page)
    box = page.get_by_role("region", name=re.compile("Situação de cada meta por parceiro"))
    expect(box).to_have_attribute("tabindex", "0")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    box.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    for _ in range(20):  # the browser may scroll smoothly
        if box.evaluate("el => el.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert box.evaluate("el => el.scrollLeft") > 0, "the arrow keys did not scroll the matrix"
    page_log.assert_clean()


def test_a_table_that_fits_is_no_tab_stop(open_page, page_log):
    page = open_page("seges_admin", **DESKTOP)
    page.goto("/acordos")
    page.wait_for_load_state("load")
    table_box = page.locator("#tabela-acordos .br-table")
    assert table_box.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(table_box).not_to_have_attribute("tabindex", re.compile(".*"))
    page_log.assert_clean()


# axe on a phone: the collapsible menu, its open groups and the cards ---------------------------

@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("seges_admin", "/acordos"),
        ("seges_admin", "/usuarios"),
        ("seges_reviewer", "/painel?visao=matriz"),
        ("partner_member", "/eventos"),
        ("partner_manager", "/capacitacoes"),
    ],
)
def test_a_phone_page_with_its_menu_open_has_no_wcag_violations(open_page, role, path):
    page = open_page(role, bypass_csp=True, **PHONE)  # bypass_csp: only to inject axe
    page.goto(path)
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Menu").click()
    for group in page.locator("#menu-principal details").all():
        group.locator("summary").click()  # one open at a time: each is checked open once
        violations = axe_violations(page)
        assert not violations, format_violations(f"{path} on a phone", violations)
