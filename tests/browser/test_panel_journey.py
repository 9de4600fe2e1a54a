"""Journey 4 (DESIGN section 2), the panel part: SEGES sees the network at a glance (progress
by partner, overdue, waiting for review; partner × goal), filters it and goes from a cell to
the analysis — with and without JavaScript (the filters are a plain GET form underneath)."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_seges_sees_the_network_filters_it_and_opens_a_waiting_submission(
    live_server, page, page_log, submitted, log_in
):
    log_in(page, "revisor@seges.test", factories.PASSWORD)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_text("Rede", exact=True).click()  # the group holding the network's pages
    menu.get_by_role("link", name="Painel da Rede").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Painel da Rede")
    totals = page.get_by_role("region", name="Totais da Rede")
    expect(totals).to_contain_text("1 aguardando análise")
    row = page.locator("#painel tbody tr", has_text="Governo de Minas Gerais")
    expect(row).to_have_count(1)
    waiting = page.locator("#painel thead th").all_inner_texts().index("Aguardando análise")
    expect(row.locator("td").nth(waiting)).to_have_text("1")

    # Filters: a partner that has nothing due, then back to Minas Gerais by name and axis.
    form = page.locator("form.portal-filters")
    form.get_by_label("Parceiro").fill("Espírito Santo")
    form.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#painel")).to_contain_text("Nenhum parceiro com entregas")
    expect(page).to_have_url(re.compile(r"/painel\?.*q=Esp%C3%ADrito(\+|%20)Santo"))  # reloadable
    form.get_by_label("Parceiro").fill("Minas")
    form.get_by_label("Eixo").select_option(label="1 — Melhoria da Gestão")
    form.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#painel tbody tr")).to_have_count(1)
    expect(page.locator("#painel tbody tr")).to_contain_text("Governo de Minas Gerais")

    # Partner × goal: the waiting cell leads to the analysis.
    page.get_by_role("link", name="Parceiro × meta").click()
    cell = page.get_by_role("link", name="SCC/MG, meta 1.2: Enviada – em análise")
    cell.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("1.2")
    expect(page.locator(".portal-report")).to_contain_text("Indicamos a servidora Ana.")
    page.wait_for_load_state("load")
    page_log.assert_clean()
