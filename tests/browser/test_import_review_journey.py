"""Issue 16 in Chromium: a SEGES admin imports three plans of different shapes (tab text in
UTF-8 with BOM, UTF-16 text, an SEI HTML export) through the web preview, corrects the rows
the importer flags, confirms, and each agreement shows the plan's words beside its reading."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.agreements.models import Agreement
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser
PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"


@pytest.fixture
def admin(app):
    seges = factories.institution(
        name="SEGES", acronym="SEGES", cnpj="00489828000155", sphere="federal", uf=None,
        elo="União", is_secretariat=True,
    )
    factories.user("admin@seges.test", "seges_admin", seges, name="Ana Admin")


# (file, flagged goal, kind chosen for it or None to accept the reading, also_on label,
#  what the agreement page then reads for that goal)
PLANS_TO_IMPORT = [
    ("02-estado-ceara.txt", "3.7", "Anual", "Sempre que a SEGES solicitar",
     "Anual e sempre que solicitado"),
    ("03-estado-goias.txt", "3.4", "Anual", "A cada alteração nos cursos",
     "Anual e a cada alteração nos cursos"),
    ("07-estado-pe.html", "1.4", None, None, "Contínua, durante a vigência"),
]


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["js", "nojs"])
def test_admin_reviews_and_imports_three_plans_of_different_shapes(
    live_server, page, page_log, admin, log_in
):
    log_in(page, "admin@seges.test", factories.PASSWORD)
    for name, code, kind, also_on, reading in PLANS_TO_IMPORT:
        page.goto(f"{live_server}/acordos/importar")
        page.get_by_label("Arquivo do Plano de Trabalho").set_input_files(str(PLANS / name))
        page.get_by_role("button", name="Pré-visualizar").click()

        expect(page.locator("#conteudo")).to_contain_text("1 meta precisa de revisão")
        correction = page.locator(f"#corrigir-{code.replace('.', '-')}")
        expect(correction).to_have_attribute("open", "")
        if kind:
            correction.get_by_label("Tipo de prazo").select_option(label=kind)
            correction.get_by_label("Também gera entrega").select_option(label=also_on)
        page.get_by_label("Início da vigência").fill("2026-01-05")
        page.get_by_role("button", name="Pré-visualizar de novo").click()
        # the second preview knows the start date: each meta shows its first dates
        expect(page.locator("#conteudo")).not_to_contain_text("Informe o início da vigência")
        if kind:
            expect(page.locator("#conteudo")).not_to_contain_text("precisa de revisão")
        expect(page.locator("#conteudo")).to_contain_text(reading)
        page.get_by_role("button", name="Confirmar importação").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("/20")
        expect(page.locator("#mensagens")).to_contain_text("importado")
        row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=code, exact=True))
        expect(row).to_contain_text(reading)
    page_log.assert_clean()

    db.session.rollback()  # see what the server committed
    agreements = db.session.scalars(db.select(Agreement).order_by(Agreement.id)).all()
    assert len(agreements) == len(PLANS_TO_IMPORT)
    for agreement, (_name, code, kind, _also, _reading) in zip(agreements, PLANS_TO_IMPORT,
                                                               strict=True):
        assert agreement.term_start.isoformat() == "2026-01-05"
        goal = next(g for g in agreement.goals if g.code == code)
        owed = db.session.scalar(db.select(db.func.count(Deliverable.id)).where(
            Deliverable.goal_id == goal.id))
        if kind == "Anual":  # corrected to annual: one report a year of the five-year term
            assert owed == 5, (code, owed)
        else:  # accepted as read: continuous, no dated deliverable from the plan
            assert goal.schedule == {"kind": "during_term"}
