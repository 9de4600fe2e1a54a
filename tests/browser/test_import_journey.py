"""Issue 3 in Chromium: a SEGES admin imports the seed plan; the partner sees dated deliverables."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.plans.importer import SEED_PLAN_FILENAME
from tests import factories

pytestmark = pytest.mark.browser
SEED = Path(__file__).resolve().parents[2] / "portal" / "data" / SEED_PLAN_FILENAME


@pytest.fixture
def people(app):
    seges = factories.institution(
        name="SEGES",
        acronym="SEGES",
        cnpj="00489828000155",
        sphere="federal",
        uf=None,
        elo="União",
        is_secretariat=True,
    )
    mg = factories.institution(
        name="Governo de Minas Gerais", acronym="SCC/MG", cnpj="50941185000107", uf="MG"
    )
    factories.user("admin@seges.test", "seges_admin", seges, name="Ana Admin")
    factories.user("membro@mg.test", "partner_member", mg, name="Marcos Membro")


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_admin_imports_the_seed_and_the_partner_sees_its_deliverables(
    live_server, page, page_log, people, log_in
):
    log_in(page, "admin@seges.test", factories.PASSWORD)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_text("Rede", exact=True).click()  # the group holding the network's pages
    menu.get_by_role("link", name="Acordos").click()
    page.get_by_role("link", name="Importar plano").click()
    page.get_by_label("Arquivo do Plano de Trabalho").set_input_files(str(SEED))
    page.get_by_role("button", name="Pré-visualizar").click()

    preview = page.locator("#conteudo")
    expect(preview).to_contain_text("160/2025")
    expect(preview).to_contain_text("“21” na lista de metas dos aderentes foi lido como 2.1")
    expect(preview.locator("tbody tr")).to_have_count(23)
    page.get_by_label("Início da vigência").fill("2025-10-01")
    page.get_by_label("Vigência em anos").fill("5")
    page.get_by_role("button", name="Confirmar importação").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("160/2025")
    expect(page.locator("#mensagens")).to_contain_text("entregas")
    page.get_by_role("button", name="Sair").click()

    log_in(page, "membro@mg.test", factories.PASSWORD)
    page.get_by_role("link", name="Atrasadas").click()
    table = page.locator("#minhas-entregas table.portal-stack")
    expect(table).to_contain_text("1.2 — Indicar responsável")
    expect(table).to_contain_text("16/10/2025")
    page_log.assert_clean()
