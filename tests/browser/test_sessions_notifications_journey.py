"""Issue 17, points 7 and 8, in Chromium: "Sair" ends this browser's session only, "Sair de
todos os dispositivos" ends them all; a notification opened from the bell (by keyboard, or
without JavaScript) is marked read and lands on its object; "Marcar todas como lidas" in place.
Every page under the real CSP, with no console error."""

import logging
import re

import pytest
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.notifications.services import mark_read, notify
from tests import factories
from tests.browser.axe import axe_violations, format_violations

pytestmark = pytest.mark.browser

READER = "leitora@mg.test"  # the notifications journeys
INSPECTED = "auditada@mg.test"  # the pages axe reads (one notification read, one not)
TRAVELLER = "viajante@mg.test"  # the sessions journeys (signed in on several "devices")
POLLER = "sineira@mg.test"  # the bell's minute poll
RETURNED = "Entrega devolvida pela SEGES"


def _load() -> dict:
    network = factories.seed_network()
    mg = network["mg"]
    ids = {}
    for email, name in ((READER, "Lúcia Leitora"), (TRAVELLER, "Vera Viajante"),
                        ("semjs@mg.test", "Sérgio Sem Script"), (INSPECTED, "Ana Auditada"),
                        (POLLER, "Sílvia Sineira")):
        ids[email] = factories.user(email, "partner_member", mg, name=name).id
    deliverable = factories.deliverable_of(network["act"], "1.2", mg.id)
    ids["deliverable"] = deliverable.id
    path = f"/entregas/{deliverable.id}"
    for email in (READER, "semjs@mg.test", INSPECTED):
        notify(ids[email], "forum.post", "Rui respondeu em “Prazos do Painel”.", "/forum/")
        notify(ids[email], "submission_returned",
               "A SEGES devolveu a meta 1.2: falta a portaria de designação.", path)
    notify(ids[READER], "forum.mention", "Rui mencionou você em “Prazos do Painel”.", "/forum/")
    notify(ids[POLLER], "forum.post", "Rui respondeu em “Prazos do Painel”.", "/forum/")
    mark_read(notify(ids[INSPECTED], "adhesion.report_ready", "Relação de adesões pronta.", None))
    db.session.commit()
    return ids


@pytest.fixture(scope="module")
def site(serve_site, tmp_path_factory):
    with serve_site(tmp_path_factory.mktemp("sessions"), _load, "sessions-live-server") as site:
        yield site


@pytest.fixture
def open_page(site, page_log, lent_pages):
    """Factory: ``open_page(java_script_enabled=True)``, a browser context of its own (a
    "device": no cookies, no storage; lent by the worker's pool), watched by ``page_log``."""

    def make(*, java_script_enabled: bool = True) -> Page:
        page = lent_pages(site.url, locale="pt-BR", java_script_enabled=java_script_enabled)
        page_log.watch(page)
        return page

    return make


def _signed_in(page: Page, site, log_in, email: str, name: str) -> None:
    log_in(page, email, factories.PASSWORD)
    expect(page).to_have_url(f"{site.url}/")
    expect(page.get_by_role("banner")).to_contain_text(name)


def _bell(page: Page):
    return page.get_by_role("link", name=re.compile(r"^Notificações"))


def _settled(page: Page) -> None:
    page.wait_for_load_state("load")


# Notifications -----------------------------------------------------------------------------


def test_a_notification_opened_from_the_bell_by_keyboard_is_read_and_lands_on_its_object(
    site, open_page, log_in, page_log
):
    page = open_page()
    _signed_in(page, site, log_in, READER, "Lúcia Leitora")
    expect(_bell(page)).to_have_accessible_name("Notificações: 3 não lidas")

    _bell(page).click()
    expect(page).to_have_url(f"{site.url}/notificacoes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notificações")

    # "Marcar como lida" by keyboard: that item in place, the focus kept on it, the bell told.
    page.get_by_role("button", name=re.compile(r"^Marcar como lida\W+Novidade no fórum")).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#avisos")).to_contain_text("Notificação marcada como lida.")
    expect(page.get_by_role("button", name="Novidade no fórum", exact=True)).to_be_focused()
    expect(_bell(page)).to_have_accessible_name("Notificações: 2 não lidas")
    item = page.locator(".notification", has_text=RETURNED)
    expect(item).to_contain_text("Não lida")
    expect(item).to_contain_text("Objeto: Entrega")
    expect(item).to_contain_text("falta a portaria de designação")

    title = page.get_by_role("button", name=RETURNED, exact=True)
    title.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/entregas/{site.ids['deliverable']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("1.2")
    expect(_bell(page)).to_have_accessible_name("Notificações: 1 não lida")

    page.go_back()  # the list, from the server again (no private page in the history cache)
    expect(page).to_have_url(f"{site.url}/notificacoes")
    page.reload()
    item = page.locator(".notification", has_text=RETURNED)
    expect(item).to_contain_text("Lida em")
    expect(item).not_to_contain_text("Não lida")

    # "Marcar todas como lidas": in place (htmx), with the bell updated and a toast.
    page.get_by_role("button", name="Marcar todas como lidas").click()
    expect(page.locator("#avisos")).to_contain_text(
        "Todas as notificações foram marcadas como lidas.")
    expect(page.locator("#lista-notificacoes")).not_to_contain_text("Não lida")
    expect(_bell(page)).to_have_accessible_name("Notificações: nenhuma nova")
    expect(page).to_have_url(f"{site.url}/notificacoes")
    _settled(page)
    page_log.assert_clean()


@pytest.mark.own_context  # the clock
def test_the_bells_minute_poll_is_a_304_until_something_new_arrives(
    site, open_page, log_in, page_log, caplog
):
    caplog.set_level(logging.INFO, logger="werkzeug")  # the live server's access log
    page = open_page()
    page.clock.install()  # the minute passes when the test says so
    _signed_in(page, site, log_in, POLLER, "Sílvia Sineira")
    expect(_bell(page)).to_have_accessible_name("Notificações: 1 não lida")
    polls = []
    for _ in range(2):  # nothing new: the server answers 304 to the browser's revalidation
        with page.expect_event("requestfinished",
                               lambda request: "/notificacoes/sino" in request.url) as poll:
            page.clock.run_for(61_000)
        polls.append(poll.value)
    first, second = polls
    assert "if-none-match" not in first.all_headers()
    assert second.all_headers()["if-none-match"] == first.response().all_headers()["etag"]
    # The browser hands htmx its kept answer (200, "HX-Reswap: none"); the server said 304.
    answers = re.findall(r'"GET /notificacoes/sino\?exibidas=1 HTTP/1.1" (\d+)', caplog.text)
    assert answers == ["200", "304"]
    expect(_bell(page)).to_have_accessible_name("Notificações: 1 não lida")
    expect(page.locator("#portal-sino-aviso")).to_have_text("")  # nothing announced

    notify(site.ids[POLLER], "forum.mention", "Rui mencionou você.", "/forum/")
    db.session.commit()
    page.clock.run_for(61_000)
    expect(_bell(page)).to_have_accessible_name("Notificações: 2 não lidas")
    expect(page.locator("#portal-sino-aviso")).to_have_text("Você tem 2 notificações não lidas.")
    _settled(page)
    page_log.assert_clean()


def test_a_notification_opens_without_javascript(site, open_page, log_in, page_log):
    page = open_page(java_script_enabled=False)
    _signed_in(page, site, log_in, "semjs@mg.test", "Sérgio Sem Script")
    _bell(page).click()
    page.get_by_role("button", name=RETURNED, exact=True).click()
    expect(page).to_have_url(f"{site.url}/entregas/{site.ids['deliverable']}")
    expect(_bell(page)).to_have_accessible_name("Notificações: 1 não lida")

    page.goto("/notificacoes")
    page.get_by_role("button", name=re.compile(r"^Marcar como lida\W+Novidade no fórum")).click()
    expect(page.locator("#mensagens")).to_contain_text("Notificação marcada como lida.")
    expect(page.locator("#lista-notificacoes")).not_to_contain_text("Não lida")
    expect(_bell(page)).to_have_accessible_name("Notificações: nenhuma nova")
    _settled(page)
    page_log.assert_clean()


# Sessions ----------------------------------------------------------------------------------


def test_sair_ends_one_device_and_sair_de_todos_ends_them_all(
    site, open_page, log_in, page_log
):
    laptop, phone = open_page(), open_page()
    _signed_in(laptop, site, log_in, TRAVELLER, "Vera Viajante")
    _signed_in(phone, site, log_in, TRAVELLER, "Vera Viajante")

    laptop.get_by_role("button", name="Sair", exact=True).click()
    expect(laptop).to_have_url(f"{site.url}/login")
    expect(laptop.locator("#mensagens")).to_contain_text("Só este navegador foi desconectado")
    phone.goto("/conta")  # the other device is still signed in
    expect(phone).to_have_url(f"{site.url}/conta")
    expect(phone.get_by_role("banner")).to_contain_text("Vera Viajante")

    _signed_in(laptop, site, log_in, TRAVELLER, "Vera Viajante")
    phone.once("dialog", lambda dialog: dialog.accept())  # hx-confirm's question
    phone.get_by_role("button", name="Sair de todos os dispositivos").click()
    expect(phone).to_have_url(f"{site.url}/login")
    expect(phone.locator("#mensagens")).to_contain_text(
        "Você saiu do portal em todos os dispositivos")
    expect(phone.get_by_role("banner")).not_to_contain_text("Vera Viajante")

    laptop.goto("/")
    expect(laptop).to_have_url(re.compile(r"/login(\?|$)"))
    expect(laptop.get_by_role("banner")).not_to_contain_text("Vera Viajante")
    for page in (laptop, phone):
        _settled(page)
    page_log.assert_clean()


def test_sair_de_todos_asks_first_without_javascript_and_cancelling_keeps_the_session(
    site, open_page, log_in, page_log
):
    page = open_page(java_script_enabled=False)
    other = open_page()
    _signed_in(page, site, log_in, TRAVELLER, "Vera Viajante")
    _signed_in(other, site, log_in, TRAVELLER, "Vera Viajante")

    page.goto("/conta")
    page.get_by_role("button", name="Sair de todos os dispositivos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sair de todos os dispositivos?")
    page.get_by_role("link", name="Cancelar").click()
    expect(page).to_have_url(f"{site.url}/conta")
    other.reload()
    expect(other.get_by_role("banner")).to_contain_text("Vera Viajante")

    page.get_by_role("button", name="Sair de todos os dispositivos").click()
    page.get_by_role("button", name="Sim, sair de todos os dispositivos").click()
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.locator("#mensagens")).to_contain_text(
        "Você saiu do portal em todos os dispositivos")
    other.reload()
    expect(other).to_have_url(re.compile(r"/login(\?|$)"))
    for each in (page, other):
        _settled(each)
    page_log.assert_clean()


# WCAG ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/notificacoes", "/conta", "/conta/sair-de-todos"])
def test_the_pages_of_this_issue_have_no_wcag_violations(site, lent_pages, log_in, path):
    """axe-core, as tests/browser/test_accessibility.py runs it (``bypass_csp`` only so that
    axe's script can be injected); the list with read, unread and link-less notifications."""
    page = lent_pages(site.url, locale="pt-BR", bypass_csp=True)
    log_in(page, INSPECTED, factories.PASSWORD)
    expect(page).to_have_url(f"{site.url}/")
    page.goto(path)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
