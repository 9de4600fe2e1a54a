"""An adhesion is named "Termo de Adesão nº … (ao ACT nº 160/2025)" wherever the portal names
it; one with no number of its own is "Termo de Adesão (ao ACT nº 160/2025)", never "TA"
or "—"."""

from datetime import date

import pytest

from portal.extensions import db
from tests import factories


@pytest.fixture
def contagem(act):
    """Contagem's adhesion to MG's ACT 160/2025, registered without a number (as in the
    demo)."""
    return factories.adhesion(act, acronym="PMC")


def test_an_adhesion_names_the_agreement_it_adheres_to(act, contagem):
    assert act.title == act.own_title == "ACT nº 160/2025"
    assert act.full_title == "Acordo de Cooperação Técnica nº 160/2025"
    assert contagem.number is None
    assert contagem.own_title == "Termo de Adesão"
    assert contagem.title == contagem.full_title == "Termo de Adesão (ao ACT nº 160/2025)"
    contagem.number = "7/2026"
    assert contagem.title == "Termo de Adesão nº 7/2026 (ao ACT nº 160/2025)"
    contagem.kind = "AA"
    assert contagem.title == "Acordo de Adesão nº 7/2026 (ao ACT nº 160/2025)"


def test_the_adhesions_page_heading_breadcrumb_and_number(client, users, login, act, contagem):
    login(users["seges_admin"])
    page = client.get(f"/acordos/{contagem.id}").get_data(as_text=True)
    text = factories.page_text(page)
    assert "<h1>Termo de Adesão (ao ACT nº 160/2025)</h1>" in page
    assert "<title>Termo de Adesão (ao ACT nº 160/2025) · " in page
    assert "Número Sem número próprio" in text and "Número —" not in text
    assert "Adesão a ACT nº 160/2025" in text
    assert "<h1>Acordo de Cooperação Técnica nº 160/2025</h1>" in client.get(
        f"/acordos/{act.id}").get_data(as_text=True)


def test_the_agreements_list_names_the_adhesion(client, users, login, act, contagem):
    login(users["seges_admin"])
    row = factories.table_row(client.get("/acordos").get_data(as_text=True), "Contagem")
    assert row["Instrumento"] == "Termo de Adesão (ao ACT nº 160/2025)"
    assert factories.table_row(client.get("/acordos").get_data(as_text=True),
                               "Minas Gerais")["Instrumento"] == \
        "ACT nº 160/2025 Acordo de Cooperação Técnica"


def test_the_adherents_home_and_the_review_name_the_adhesion(client, users, login, act,
                                                             contagem):
    manager = factories.user("gestor@contagem.test", "partner_manager", contagem.partner)
    deliverable = factories.deliverable_of(contagem, "1.1", contagem.partner_id)
    factories.submitted(deliverable, manager)
    login(manager)
    home = factories.page_text(client.get("/").get_data(as_text=True))
    assert "Termo de Adesão (ao ACT nº 160/2025): metas, prazos e adesões." in home
    client.post("/logout")
    login(users["seges_reviewer"])
    analysis = client.get(f"/analise/{deliverable.id}").get_data(as_text=True)
    assert "<dt>Instrumento</dt><dd>Termo de Adesão (ao ACT nº 160/2025)</dd>" in analysis
    queue = factories.table_rows(client.get("/analise").get_data(as_text=True))
    assert [row["Instrumento"] for row in queue if "Instrumento" in row] == [
        "Termo de Adesão (ao ACT nº 160/2025)"]


def test_the_list_names_adhesions_to_many_agreements_in_a_constant_number_of_queries(
        client, users, login):
    """Each adhesion's title reads its parent: loaded together, not one query per parent."""
    login(users["seges_admin"])

    def adhesions_to_new_acts(count: int) -> None:
        for _ in range(count):
            n = next(factories._sequence)
            parent = factories.agreement(f"{n}/2025", factories.institution(), date(2025, 1, 1),
                                         date(2029, 12, 31))
            factories.agreement(None, factories.institution(sphere="municipal"),
                                date(2025, 6, 1), date(2029, 12, 31), parent=parent, kind="TA")
        db.session.commit()

    adhesions_to_new_acts(2)
    before = factories.queries_for(client, "/acordos?kind=TA")  # the parents on no page
    adhesions_to_new_acts(4)
    assert factories.queries_for(client, "/acordos?kind=TA") == before
