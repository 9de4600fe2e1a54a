"""Accessibility (issue 8): axe-core on every page type, for every role, plus keyboard basics.

Every page is checked against the WCAG 2.0 A/AA and 2.1 A/AA rules of the vendored axe-core
with zero violations allowed: no rule or element is excluded.

Speed: the demo data (``portal demo``'s, built through the real services, plus a draft with
evidence, a submitted entrega, a returned-and-resubmitted one and a forum report) is loaded
once for this module into its own live server, and each role logs in once; every page is
still its own test. The axe contexts use Playwright's ``bypass_csp`` only so that axe's own
script can be injected; the keyboard tests run under the real CSP.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import AXE, assert_no_violations, axe_violations, format_violations

pytestmark = pytest.mark.browser



# Data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(serve_site, tmp_path_factory):
    """The app with the demo data (and one deliverable in each state), served once for the
    whole module."""
    folder = tmp_path_factory.mktemp("a11y")
    with serve_site(folder, factories.demo_states, "a11y-live-server") as site:
        yield site


@pytest.fixture
def open_page(site, page_log, screenshots_if_failed, lent_pages):
    """Factory: ``open_page(role, bypass_csp=...)`` gives a page logged in as ``role``
    (``None``: anonymous)."""
    pages = []

    def make(role: str | None, *, bypass_csp: bool = True) -> Page:
        page = site.lend_page(lent_pages, role, bypass_csp=bypass_csp)
        page_log.watch(page)
        pages.append(page)
        return page

    yield make
    screenshots_if_failed(pages)


@pytest.fixture(scope="module")
def role_pages(browser, site):
    """One page for the axe tests (``bypass_csp``: only to inject axe), signed in as each
    role in turn and reused from test to test so that the ~200 pages stay fast."""
    kept = site.kept_page(browser, bypass_csp=True)
    kept.page.context.add_init_script(path=str(AXE))
    yield kept.as_role
    kept.close()


# axe ------------------------------------------------------------------------------------


# Pages ----------------------------------------------------------------------------------

PAGES = factories.PAGE_TYPES  # every page type, for every role


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        pytest.param(role, path, status, id=f"{role or 'anonymous'}-{name}")
        for role, name, path, status in PAGES
    ],
)
def test_page_has_no_wcag_violations(role_pages, site, page_log, role, path, status):
    page = role_pages(role)
    with page_log.watching(page):
        response = page.goto(path.format(**site.ids))
        assert response.status == status, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("load")
        assert_no_violations(page)
    page_log.assert_clean(allowed_document_statuses=(403, 404))


ERROR_STATES = [
    # role, name, page, fields to fill (selector, value) before sending the form empty-ish
    (None, "login", "/login", []),
    (None, "forgot-password", "/senha/esqueci", []),
    (
        "partner_member",
        "draft-invalid-period",
        "/entregas/{draft}",
        [("#covers_from", "2026-03-10"), ("#covers_to", "2026-01-01")],
    ),
    ("partner_member", "change-password", "/conta/senha", []),
    ("partner_member", "forum-new-topic", "/forum/categorias/{category}/novo-topico", []),
    ("partner_manager", "new-focal-point", "/instituicoes/{mg}/servidores/novo", []),
    ("partner_manager", "new-training", "/capacitacoes/nova", []),
    ("seges_admin", "new-institution", "/instituicoes/nova", []),
    ("seges_admin", "new-event", "/eventos/novo", []),
    ("seges_admin", "new-course", "/cursos/novo", []),
]


@pytest.mark.parametrize(
    ("role", "path", "fills"),
    [
        pytest.param(role, path, fills, id=f"{role or 'anonymous'}-{name}")
        for role, name, path, fills in ERROR_STATES
    ],
)
def test_form_with_errors_has_no_wcag_violations(role_pages, site, role, path, fills):
    """The 422 re-rendering (errors next to the fields) is a page state of its own."""
    page = role_pages(role)
    page.goto(path.format(**site.ids))
    for selector, value in fills:
        page.locator(selector).fill(value)
    form = page.locator("#conteudo form.portal-form").first
    form.locator("button[type=submit]:not([formaction])").first.click()
    expect(page.locator("#conteudo [aria-invalid='true']").first).to_be_attached()
    page.wait_for_load_state("load")
    assert_no_violations(page)


def test_the_axe_helper_reports_violations_readably(open_page):
    """The harness itself: a field without a label must be caught and described."""
    page = open_page(None)
    page.goto("/login")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'sem-rotulo';"
        " document.getElementById('conteudo').appendChild(i); }"
    )
    message = format_violations(page.url, axe_violations(page))
    assert "- label (critical)" in message, message
    assert "#sem-rotulo" in message, message


# Keyboard -------------------------------------------------------------------------------


def _focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, id: el.id, text: (el.textContent || '').trim(),
                inMain: !!el.closest('#conteudo'),
                outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth,
                boxShadow: style.boxShadow,
                describedby: el.getAttribute('aria-describedby'),
                invalid: el.getAttribute('aria-invalid'),
            };
        }"""
    )


def _focus_is_visible(focused: dict) -> bool:
    outlined = focused["outlineStyle"] != "none" and focused["outlineWidth"] not in ("0px", "")
    return outlined or focused["boxShadow"] not in ("none", "")


def test_skip_link_comes_first_and_moves_focus_to_the_content(open_page, page_log):
    page = open_page("partner_member", bypass_csp=False)
    page.goto("/")
    page.wait_for_load_state("load")
    page.locator("body").focus()

    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["text"].startswith("Ir para o conteúdo"), focused
    assert _focus_is_visible(focused), f"the skip link has no visible focus: {focused}"

    page.keyboard.press("Enter")
    expect(page.locator("#conteudo")).to_be_focused()
    page.keyboard.press("Tab")
    assert _focused(page)["inMain"], "Tab after the skip link should stay in the content"
    page_log.assert_clean()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        pytest.param("partner_member", "/", id="member-home"),
        pytest.param("partner_member", "/entregas/{draft}", id="member-deliverable-draft"),
        pytest.param("partner_member", "/forum/topicos/{topic}", id="member-forum-topic"),
        pytest.param("seges_reviewer", "/analise/{resent}", id="reviewer-analysis"),
        pytest.param(None, "/login", id="anonymous-login"),
    ],
)
def test_every_tab_stop_shows_focus(open_page, site, page_log, role, path):
    page = open_page(role, bypass_csp=False)
    page.goto(path.format(**site.ids))
    page.wait_for_load_state("load")
    page.locator("body").focus()
    invisible, seen = [], 0
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BODY":
            break
        seen += 1
        if not _focus_is_visible(focused):
            invisible.append(f"{focused['tag']}#{focused['id']} {focused['text'][:40]!r}")
    assert seen > 3
    assert not invisible, "no visible focus on:\n" + "\n".join(invisible)
    page_log.assert_clean()


def test_login_error_focuses_the_first_field_and_describes_it(open_page, page_log):
    page = open_page(None, bypass_csp=False)
    page.goto("/login")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_be_focused()
    focused = _focused(page)
    assert focused["describedby"], focused
    for message_id in focused["describedby"].split():
        expect(page.locator(f"#{message_id}")).to_be_visible()
    expect(page.locator(f"#{focused['describedby'].split()[-1]}")).not_to_be_empty()
    page.wait_for_load_state("load")
    page_log.assert_clean(allowed_document_statuses=(422,))


def test_draft_with_an_invalid_period_focuses_the_field_and_describes_it(open_page, site, page_log):
    page = open_page("partner_member", bypass_csp=False)
    page.goto(f"/entregas/{site.ids['draft']}")
    page.locator("#covers_from").fill("2026-03-10")
    page.locator("#covers_to").fill("2026-01-01")
    page.get_by_role("button", name="Salvar rascunho").click()
    field = page.locator("#covers_to")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    describedby = field.get_attribute("aria-describedby")
    assert describedby
    message = page.locator(f"#{describedby.split()[-1]}")
    expect(message).to_contain_text("O início do período deve ser anterior ao fim.")
    assert _focused(page)["invalid"] == "true"
    # the htmx post is answered 422 with the form and its errors, as designed
    page_log.http_errors[:] = [e for e in page_log.http_errors if e[0] != 422]
    page_log.assert_clean()


def test_plan_import_preview_with_corrections_has_no_wcag_violations(role_pages):
    """The preview holds a table per eixo, flagged rows and a correction per meta."""
    plan = Path(__file__).resolve().parents[1] / "data" / "plans" / "02-estado-ceara.txt"
    page = role_pages("seges_admin")
    page.goto("/acordos/importar")
    page.get_by_label("Arquivo do Plano de Trabalho").set_input_files(str(plan))
    page.get_by_role("button", name="Pré-visualizar").click()
    expect(page.locator("#corrigir-3-7")).to_have_attribute("open", "")
    page.wait_for_load_state("load")
    assert_no_violations(page)
