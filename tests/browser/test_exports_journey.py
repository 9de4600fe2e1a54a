"""Exports are what the screen shows (issue 17): SEGES filters the Painel da Rede and the
audit trail on screen (htmx swaps the results), downloads the exports, and the files hold
exactly the rows listed, in their order, and say the filters they were made with."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.core.models import AuditEvent
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

ADMIN = "admin@seges.test"


@pytest.fixture
def network(app):
    """SEGES's admin; MG and ES with the seed's plan; Contagem and Betim adhered to MG's ACT,
    Vila Velha to ES's; on the trail, 12 events by MG's manager among 30 by ES's."""
    network = factories.seed_network()
    factories.user(ADMIN, "seges_admin", network["seges"], name="Ana Admin")
    es_act = factories.seed_agreement(number="161/2025", partner=network["es"])
    for name in ("Prefeitura de Contagem", "Prefeitura de Betim"):
        factories.adhesion(network["act"], name=name, signed_on=datetime(2025, 11, 3).date())
    factories.adhesion(es_act, name="Prefeitura de Vila Velha", uf="ES",
                       signed_on=datetime(2025, 11, 3).date())
    start = datetime(2026, 2, 2, 13, tzinfo=UTC)
    for n in range(42):
        mg = n % 3 == 0 and n < 36
        db.session.add(AuditEvent(
            action=("deliverable.draft_saved", "evidence.uploaded")[n % 2],
            actor_email="gestor@mg.test" if mg else "gestor@es.test",
            institution_id=network["mg" if mg else "es"].id,
            object_type="Deliverable", object_id=100 + n, ip="10.0.0.7",
            created_at=start + timedelta(minutes=7 * n),
        ))
    db.session.commit()
    return network


def _csv(path: str) -> tuple[list[str], list[list[str]]]:
    """The file's first lines (its filters), then its table (headers first)."""
    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    blank = lines.index([])
    return [line[0] for line in lines[:blank]], lines[blank + 1:]


def _download(page, link_name: str, suffix: str) -> str:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    assert download.value.suggested_filename.endswith(suffix)
    return download.value.path()


def _settled(page) -> None:
    """No filter request of the form still running (htmx marks the element that sent it)."""
    expect(page.locator("form.portal-filters")).not_to_have_class(re.compile(r"\bhtmx-request\b"))


def test_the_panel_exports_exactly_the_filtered_and_sorted_rows_on_screen(
    live_server, page, page_log, network, log_in
):
    log_in(page, ADMIN, factories.PASSWORD)
    page.goto("/painel")
    rows = page.locator("#painel tbody tr")
    expect(rows).to_have_count(5)
    form = page.locator("form.portal-filters")
    form.get_by_label("UF").select_option(label="Minas Gerais")
    form.get_by_label("Camada").select_option(label="2ª camada (aderentes)")
    form.get_by_label("Direção").select_option(label="Decrescente")
    expect(page).to_have_url(re.compile(r"uf=MG&.*camada=2&.*direcao=desc"))  # htmx, no reload
    _settled(page)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Prefeitura de Contagem")

    listed = []
    for row in rows.all():
        name, uf, elo, progress, late, followup, waiting = (
            cell.strip() for cell in row.locator("td").all_inner_texts())
        listed.append((name.removesuffix("2ª camada").strip(), uf, elo, progress, late,
                       followup, waiting))
    assert [row[0] for row in listed] == ["Prefeitura de Contagem", "Prefeitura de Betim"]

    preamble, table = _csv(_download(page, "Exportar CSV", ".csv"))
    assert preamble == ["Filtros: UF = Minas Gerais; Camada = 2ª camada (aderentes)",
                        "Ordem: Nome, decrescente"]
    exported = [(name, uf, elo, f"{done} de {due} ({percent}%)", late, followup, waiting)
                for name, _sigla, uf, elo, _sphere, layer, due, done, percent, late, followup,
                waiting, _returned in table[1:] if layer == "2ª"]
    assert exported == listed and len(table) == 1 + len(listed)

    xlsx = Path(_download(page, "Exportar XLSX", ".xlsx")).read_bytes()
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(
        values_only=True)]
    assert [line[0] for line in values[:2]] == preamble and values[2] == []
    assert [row[0] for row in values[4:]] == [row[0] for row in listed]
    page_log.assert_clean()


def test_the_audit_trail_exports_exactly_the_filtered_rows_on_screen(
    live_server, page, page_log, network, log_in
):
    log_in(page, ADMIN, factories.PASSWORD)
    page.goto("/auditoria")
    rows = page.locator("#auditoria tbody tr")
    expect(rows).to_have_count(25)  # a full page of the 43 events (the admin's login too)
    page.get_by_label("Usuário (e-mail)").fill("gestor@mg")
    expect(page).to_have_url(re.compile(r"usuario=gestor%40mg"))  # htmx, no reload
    _settled(page)
    expect(rows).to_have_count(12)

    listed = []
    for row in rows.all():
        when, action, user, institution, obj, ip, _details = (
            cell.strip() for cell in row.locator("td").all_inner_texts())
        listed.append((when, action.splitlines()[0], user, institution, obj, ip))
    assert {row[2] for row in listed} == {"gestor@mg.test"}

    preamble, table = _csv(_download(page, "Exportar CSV", ".csv"))
    assert preamble == ["Filtros: Usuário (e-mail) = gestor@mg"]
    assert table[0] == ["Data/hora", "Ação", "Usuário", "Instituição", "Objeto", "Id", "IP",
                        "Detalhes (JSON)"]
    # The file names the institution in full, "Governo de Minas Gerais (SCC/MG)"; the screen
    # by its acronym.
    exported = [(when, action, user, re.search(r"\((.+)\)$", institution)[1],
                 f"{obj} nº {number}", ip)
                for when, action, user, institution, obj, number, ip, _details in table[1:]]
    assert exported == listed
    page_log.assert_clean()
