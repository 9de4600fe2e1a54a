"""Issue 22, the map and the charts in Chromium: SEGES reaches the panel from the menu (a
boosted link: the charts keep their styles), Tabs to a state on the map, presses Enter and
the panel is filtered to it — the table, the charts and the filter form alike — with no
console error or CSP violation; the same without JavaScript; the annual report shows its map
and charts; axe finds nothing on either page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests import factories
from tests.browser.axe import assert_no_violations

pytestmark = pytest.mark.browser

# The order of the states in the vendored map (and so of Tab): by name, as the SVG has them.
MAP_ORDER = ["ac", "al", "ap", "am", "ba", "ce", "df", "es", "go", "ma", "mt", "ms", "mg"]


@pytest.fixture
def network(app):
    """MG (ACT 160/2025 from the seed, one version waiting for review), ES (the same plan),
    Contagem adhered to MG's, and a reviewer."""
    network = factories.seed_network()
    seges, mg, es = network["seges"], network["mg"], network["es"]
    factories.seed_agreement(number="161/2025", partner=es)
    factories.adhesion(network["act"], name="Prefeitura de Contagem",
                       signed_on=date(2025, 11, 3))
    factories.user("revisor@seges.test", "seges_reviewer", seges, name="Rafael Revisor")
    member = factories.user("membro@mg.test", "partner_member", mg, name="Marcos Membro")
    factories.submitted(factories.deliverable_of(network["act"], "1.2", mg.id), member)
    db.session.commit()
    return network


def _menu(page, item: str) -> None:
    """Open the menu's "Rede" group (a <details>) and follow one of its links (boosted)."""
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.locator("summary", has_text="Rede").click()
    menu.get_by_role("link", name=item).click()


def _rows(page) -> list[str]:
    return [re.sub(r"\s+2ª camada$", "", text.strip())
            for text in page.locator("#painel tbody tr td:first-child").all_inner_texts()]


def _tab_to_state(page, uf: str) -> None:
    """From the last choice of the map's colour, Tab through the states (in the map's
    order) until ``uf``'s has the focus."""
    page.locator(".chart-measures a").last.focus()
    for code in MAP_ORDER[: MAP_ORDER.index(uf) + 1]:
        page.keyboard.press("Tab")
        expect(page.locator(f"#mapa-painel-uf-{code}")).to_be_focused()


def test_a_keyboard_user_chooses_a_state_on_the_map(live_server, page, page_log, network,
                                                    log_in):
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    _menu(page, "Painel da Rede")
    expect(page.get_by_role("heading", level=1)).to_have_text("Painel da Rede")
    # Reached by a boosted link (only the body swapped): the charts' stylesheet came along.
    expect(page.locator(".chart-legend").first).to_have_css("display", "flex")
    expect(page.get_by_role("img", name=re.compile("^Entregas por mês do prazo"))).to_be_visible()
    expect(page.get_by_role("img", name="Progresso por eixo")).to_be_visible()
    expect(page.get_by_role("img", name="Idade da fila de análise")).to_be_visible()
    assert set(_rows(page)) == {"Governo de Minas Gerais", "Governo do Espírito Santo",
                                "Prefeitura de Contagem"}

    # The state's numbers are its link's name (and its tooltip).
    mg = page.get_by_role("link", name=re.compile(r"^Minas Gerais: 2 parceiros \(1 de 1ª"))
    expect(mg).to_have_count(1)
    _tab_to_state(page, "mg")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/painel\?uf=MG$"))
    expect(page.locator("#painel tbody tr")).to_have_count(2)
    assert set(_rows(page)) == {"Governo de Minas Gerais", "Prefeitura de Contagem"}
    # The filters follow the map (drawn again out of band), and the focus stays on MG.
    expect(page.locator("#filtros-painel").get_by_label("UF", exact=True)).to_have_value("MG")
    chosen = page.locator("#mapa-painel-uf-mg")
    expect(chosen).to_be_focused()
    expect(chosen).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("region", name="Totais da Rede")).to_contain_text(
        "1 aguardando análise")
    # The charts are MG's: the queue's one version waits "até 7 dias".
    page.locator("#grafico-fila summary").click()
    first_band = page.locator("#grafico-fila table tbody tr").first
    expect(first_band.locator("th")).to_have_text("Até 7 dias")
    expect(first_band.locator("td")).to_have_text("1")

    # Another filter keeps the UF the map chose.
    layer = page.locator("#filtros-painel").get_by_label("Camada")
    layer.select_option(label="2ª camada (aderentes)")
    expect(page).to_have_url(re.compile(r"uf=MG.*camada=2|camada=2.*uf=MG"))
    expect(page.locator("#painel tbody tr")).to_have_count(1)
    assert _rows(page) == ["Prefeitura de Contagem"]

    # Enter again on the chosen state shows every UF again.
    page.locator("#filtros-painel").get_by_label("Camada").select_option(label="Todas")
    expect(page.locator("#painel tbody tr")).to_have_count(2)
    page.locator("#mapa-painel-uf-mg").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#painel tbody tr")).to_have_count(3)
    expect(page.locator("#filtros-painel").get_by_label("UF", exact=True)).to_have_value("")
    page.wait_for_load_state("load")
    page_log.assert_clean()


def test_without_javascript_a_state_is_a_plain_link(live_server, page_nojs, page_log, network,
                                                    log_in):
    page = page_nojs
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    page.goto("/painel")
    _tab_to_state(page, "es")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/painel\?uf=ES$"))
    expect(page.locator("#painel tbody tr")).to_have_count(1)
    assert _rows(page) == ["Governo do Espírito Santo"]
    expect(page.get_by_label("UF", exact=True)).to_have_value("ES")
    # The data tables open without JavaScript too (<details>).
    page.locator("#grafico-eixos summary").click()
    expect(page.locator("#grafico-eixos table")).to_be_visible()
    page_log.assert_clean()


def test_the_annual_report_shows_its_map_and_charts(live_server, page, page_log, network,
                                                   log_in):
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    _menu(page, "Relatório anual")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Relatório Anual")
    expect(page.locator(".chart-legend").first).to_have_css("display", "flex")
    expect(page.locator("#mapa-relatorio svg.chart-map")).to_be_visible()
    for name in ("Cumprimento por eixo", "Cumprimento por meta", "Parceiros que entraram",
                 "Horas de capacitação por parceiro"):
        expect(page.get_by_role("img", name=re.compile(f"^{name}"))).to_be_visible()
    # A state leads to the panel, filtered by it and by the report's year.
    page.get_by_role("link", name=re.compile(r"^Espírito Santo: 1 parceiro")).click()
    expect(page).to_have_url(re.compile(r"/painel\?uf=ES&ano=\d{4}$"))
    expect(page.get_by_label("UF", exact=True)).to_have_value("ES")
    page.wait_for_load_state("load")
    page_log.assert_clean()


@pytest.mark.parametrize("path", ["/painel", "/painel?uf=MG&medida=em_dia",
                                  "/painel?medida=atrasadas&visao=matriz", "/relatorio-anual"])
def test_axe_finds_nothing_on_the_map_and_charts(lent_pages, live_server, network, path):
    """axe's WCAG 2.0/2.1 A and AA rules (its script injected: the context bypasses the CSP
    for that only), with the charts' data tables open."""
    page = lent_pages(live_server, locale="pt-BR", bypass_csp=True)
    assert page.goto("/login").status == 200
    page.get_by_label("E-mail").fill("revisor@seges.test")
    page.get_by_label("Senha").fill(factories.PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(path)
    page.wait_for_load_state("load")
    for summary in page.locator("details.chart-data > summary").all():
        summary.click()
    assert_no_violations(page)
