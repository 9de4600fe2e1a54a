"""Log in and out through the real form in Chromium, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.auth.services import find_user
from portal.dev import demo
from tests import factories

pytestmark = pytest.mark.browser

# DESIGN section 5: the logins `portal demo` creates.
DEMO_LOGINS = [
    ("admin@seges.exemplo.gov.br", "seges_admin"),
    ("revisor@seges.exemplo.gov.br", "seges_reviewer"),
    ("gestor@mg.exemplo.gov.br", "partner_manager"),
    ("membro@mg.exemplo.gov.br", "partner_member"),
    ("gestor@es.exemplo.gov.br", "partner_manager"),
    ("gestor@contagem.exemplo.gov.br", "partner_manager"),
]


@pytest.fixture
def account(app) -> tuple[str, str]:
    """An active partner manager: (e-mail, name)."""
    mg = factories.institution(name="Governo de Minas Gerais", acronym="SCC/MG", uf="MG")
    user = factories.user("gestora@mg.test", "partner_manager", mg, name="Gabriela Teste")
    return user.email, user.name


def assert_logged_in_as(page: Page, base_url: str, name: str) -> None:
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("banner")).to_contain_text(name)
    page.wait_for_load_state("load")


def log_out(page: Page, base_url: str, name: str) -> None:
    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.locator("#mensagens")).to_contain_text("Você saiu do portal.")
    expect(page.get_by_role("banner")).not_to_contain_text(name)
    page.wait_for_load_state("load")


@pytest.mark.parametrize("page_fixture", ["page", "page_nojs"], ids=["js", "nojs"])
def test_log_in_and_out_through_the_form(
    request, live_server, page_fixture, account, page_log, log_in
):
    page: Page = request.getfixturevalue(page_fixture)
    email, name = account

    log_in(page, email, factories.PASSWORD)
    assert_logged_in_as(page, live_server, name)

    log_out(page, live_server, name)
    page.goto("/")  # the session is really gone
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    page.wait_for_load_state("load")
    page_log.assert_clean()


def test_wrong_password_is_refused_and_keeps_the_email(
    live_server, page, account, page_log, log_in
):
    email, name = account

    log_in(page, email, "senha-errada-de-proposito")

    expect(page.get_by_text("E-mail ou senha incorretos.")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_have_value(email)
    expect(page.get_by_label("Senha")).to_have_value("")
    expect(page.get_by_role("banner")).not_to_contain_text(name)
    assert page.url.startswith(f"{live_server}/login")
    page.wait_for_load_state("load")
    page_log.assert_clean(allowed_document_statuses=(422,))


def test_every_demo_login_works_through_the_form(app, live_server, page, page_log, log_in):
    logins = demo.load_demo(factories.PASSWORD)
    assert [(email, role) for email, role, _ in logins] == DEMO_LOGINS

    for email, _role in DEMO_LOGINS:
        name = find_user(email).name
        log_in(page, email, factories.PASSWORD)
        assert_logged_in_as(page, live_server, name)
        log_out(page, live_server, name)
    page_log.assert_clean()
