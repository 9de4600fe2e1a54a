"""Entrar com gov.br in Chromium, end to end against the local OpenID provider
(tests/oidc_provider/): a registered partner enters; an unknown CPF and a bronze account where
prata is required are refused with their help pages; "Sair" ends the portal's session and offers
gov.br's own end-session."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.axe import assert_no_violations
from tests.govbr_provider import (
    BACKCHANNEL_PATH,
    BRONZE_CPF,
    PASSWORD,
    PRATA_CPF,
    UNKNOWN_CPF,
    provider_for_tests,
    running_provider,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def govbr_provider():
    yield from provider_for_tests()


@pytest.fixture
def mg(app, govbr_provider):
    """The live app pointed at the provider, with Minas Gerais and SEGES."""
    app.config.update(govbr_provider.portal_config())
    seges = factories.institution(name="SEGES", acronym="SEGES", cnpj="00489828000155",
                                  sphere="federal", uf=None, elo="União", is_secretariat=True)
    factories.user("admin@seges.test", "seges_admin", seges)
    return factories.institution(name="Governo de Minas Gerais", acronym="SCC/MG",
                                 cnpj="50941185000107", uf="MG")


def _enter_with_govbr(page, cpf: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name=re.compile("^Entrar com gov.br$")).click()
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    page.get_by_label("CPF").fill(cpf)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("button", name="Autorizar").click()


def test_a_registered_partner_signs_in_with_govbr(page, live_server, mg, page_log):
    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF,
                   name="Gabriela Gestora")
    _enter_with_govbr(page, PRATA_CPF)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Bem-vindo(a), Gabriela Gestora!")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Gabriela Gestora"))).to_be_visible()
    portal_errors = [e for e in page_log.http_errors if e[2].startswith(live_server)]
    assert portal_errors == []
    assert page_log.console_errors == [] and page_log.page_errors == []


def test_an_unknown_cpf_is_refused_with_the_help_page(page, live_server, mg):
    _enter_with_govbr(page, UNKNOWN_CPF)
    expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    expect(page.get_by_text(re.compile("Não há no Portal da Rede de Parcerias uma conta para "
                                       r"o CPF \*\*\*\.058\.518-\*\*"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"peça ao\(à\) coordenador\(a\) da Rede"))
           ).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_bronze_account_is_refused_where_prata_is_required(page, live_server, mg):
    factories.user("bruno@mg.test", "partner_manager", mg, cpf=BRONZE_CPF)
    _enter_with_govbr(page, BRONZE_CPF)
    expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    expect(page.get_by_text(re.compile("nível Bronze.*exige pelo menos o nível Prata"))
           ).to_be_visible()
    expect(page.get_by_text(re.compile("Nível da conta"))).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_sair_ends_the_portal_session_and_then_govbrs(page, live_server, mg, govbr_provider):
    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF,
                   name="Gabriela Gestora")
    _enter_with_govbr(page, PRATA_CPF)
    expect(page).to_have_url(f"{live_server}/")
    page.get_by_role("button", name="Sair", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Você saiu do portal.", exact=False)).to_be_visible()
    end_session = page.get_by_role("link", name="Sair também do gov.br")
    expect(end_session).to_be_visible()
    offer = end_session.get_attribute("href")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # the portal's session is over
    page.goto(offer)
    expect(page).to_have_url(re.compile(re.escape(govbr_provider.issuer) + "/session/end"))
    page.get_by_role("button", name="Sair do gov.br").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login"))
    # gov.br's session is over too: it asks for the CPF and password again.
    page.get_by_role("link", name=re.compile("^Entrar com gov.br$")).click()
    expect(page.get_by_label("CPF")).to_be_visible()


def test_without_govbrs_end_session_the_next_entry_skips_its_login(page, live_server, mg):
    """Only the portal's session ended: gov.br still knows this browser, so "Entrar com gov.br"
    comes straight back signed in (gov.br's single sign-on, as with the real one)."""
    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF)
    _enter_with_govbr(page, PRATA_CPF)
    page.get_by_role("button", name="Sair", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_role("link", name=re.compile("^Entrar com gov.br$")).click()
    expect(page).to_have_url(f"{live_server}/")


def test_leaving_govbr_elsewhere_ends_the_portal_session_by_back_channel(
    page, live_server, mg, app
):
    """The person signs out at gov.br itself (another service, or gov.br's own page): gov.br
    posts a logout token to the portal, which ends the session it opened."""
    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF)
    with running_provider(backchannel_logout_uri=live_server + BACKCHANNEL_PATH) as provider:
        app.config.update(provider.portal_config())
        _enter_with_govbr(page, PRATA_CPF)
        expect(page).to_have_url(f"{live_server}/")
        page.goto(provider.issuer + "/session/end")
        page.get_by_role("button", name="Sair do gov.br").click()
        expect(page.get_by_text("Você saiu da sua conta gov.br.")).to_be_visible()
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/login"))


def test_the_govbr_pages_pass_axe(lent_pages, live_server, mg):
    """The login page with the gov.br button, the refusal page, the account page's gov.br card
    and the levels page: no WCAG A/AA violation (axe-core, as tests/browser/test_accessibility.py;
    ``bypass_csp`` only to inject axe)."""

    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF)
    page = lent_pages(live_server, locale="pt-BR", bypass_csp=True)
    page.goto("/login")
    assert_no_violations(page)
    _enter_with_govbr(page, UNKNOWN_CPF)
    expect(page.get_by_role("heading", name=re.compile("Acesso negado"))).to_be_visible()
    assert_no_violations(page)

    # Another device, without the refused attempt's gov.br session.
    page = lent_pages(live_server, locale="pt-BR", bypass_csp=True)
    _enter_with_govbr(page, PRATA_CPF)
    page.goto("/conta")
    expect(page.get_by_role("heading", name="Conta gov.br")).to_be_visible()
    assert_no_violations(page)
    page.get_by_role("button", name="Sair", exact=True).click()
    expect(page.get_by_role("link", name="Sair também do gov.br")).to_be_visible()
    assert_no_violations(page)
    page.get_by_label("E-mail").fill("admin@seges.test")
    page.get_by_label("Senha").fill(factories.PASSWORD)
    page.get_by_role("button", name="Entrar", exact=True).click()
    page.goto("/administracao/govbr")
    expect(page.get_by_role("heading", name="Níveis mínimos do gov.br")).to_be_visible()
    assert_no_violations(page)


def test_a_partner_links_govbr_from_the_account_page(page, live_server, mg, log_in, page_log):
    """Signed in with the password, the person links gov.br (its form posts, then the browser
    goes to gov.br: the page's CSP allows that form there) and can then enter with it."""
    factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF)
    log_in(page, "gestora@mg.test", factories.PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    page.goto("/conta")
    page.get_by_role("link", name="Vincular conta gov.br").click()
    page.get_by_role("button", name=re.compile("^Continuar no gov.br$")).click()
    page.get_by_label("CPF").fill(PRATA_CPF)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("button", name="Autorizar").click()
    expect(page).to_have_url(f"{live_server}/conta")
    expect(page.get_by_text("Conta gov.br vinculada")).to_be_visible()
    expect(page.get_by_role("button", name="Desvincular conta gov.br")).to_be_visible()
    assert page_log.console_errors == [] and page_log.page_errors == []
