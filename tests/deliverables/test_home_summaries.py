"""The partner home's figures are kept per institution and day (portal.deliverables.summaries
over portal.core.cache) and computed again as soon as one of its deliverables changes."""

import pytest
from sqlalchemy import update

from portal.core.clock import local_today
from portal.deliverables import lifecycle, reviews, services, summaries
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories


@pytest.fixture
def computed(cache_on, monkeypatch):
    """The cache on, empty, and the institutions whose progress was computed."""
    calls = []
    original = services.progress_by_axis

    def counting(institution_id, today):
        calls.append(institution_id)
        return original(institution_id, today)

    monkeypatch.setattr(services, "progress_by_axis", counting)
    return calls


def _approved(institution_id: int) -> int:
    return sum(p.approved for p in summaries.progress_by_axis(institution_id, local_today()))


def _submit_and_approve(deliverable, users):
    draft = services.open_draft(deliverable, by=users["partner_manager"])
    draft.report = "Indicamos os servidores que acessam o Painel."
    services.submit(deliverable, by=users["partner_manager"])
    reviews.decide(services.latest_version(deliverable), by=users["seges_reviewer"],
                   decision="approved", reason_code=None, comment="")
    db.session.commit()


def test_the_figures_are_computed_once_while_nothing_changes(users, painel, computed):
    mg = painel.institution_id
    assert _approved(mg) == _approved(mg) == 0
    assert computed == [mg]


def test_a_decision_on_one_of_its_deliverables_computes_them_again(users, painel, computed):
    mg = painel.institution_id
    assert _approved(mg) == 0
    _submit_and_approve(painel, users)
    assert _approved(mg) == 1
    assert computed == [mg, mg]


def test_another_institutions_change_keeps_them(users, act, painel, computed):
    mg, es = painel.institution_id, users["other_manager"].institution_id
    _approved(mg)
    goal = painel.goal
    factories.deliverable(goal, users["other_manager"].institution, painel.due_on, key="x")
    db.session.commit()
    _approved(mg)
    assert computed == [mg]
    assert es != mg


def test_a_bulk_update_of_deliverables_computes_everyones_again(users, painel, computed):
    mg = painel.institution_id
    _approved(mg)
    db.session.execute(update(Deliverable).where(Deliverable.id == painel.id)
                       .values(status="approved"))
    db.session.commit()
    assert _approved(mg) == 1
    assert computed == [mg, mg]


def test_the_home_page_shows_the_new_numbers_right_after_a_decision(client, users, login,
                                                                    painel, computed):
    login(users["partner_manager"])
    before = _approved_on_page(client.get("/").get_data(as_text=True))
    _submit_and_approve(painel, users)
    assert _approved_on_page(client.get("/").get_data(as_text=True)) == before + 1


def _approved_on_page(html: str) -> int:
    """The sum of "N de M (P%)" over the page's progress by eixo."""
    root = factories.parse_html(html)
    return sum(int(e.text.split(" de ")[0]) for e in root.iter()
               if "portal-progress-value" in e.attrs.get("class", "") and " de " in e.text)


# The tab's rows are kept rendered too (deliverables.views._home_table) --------------------


def _metas(client, url: str, caption: str) -> list[str]:
    return [row["Meta"] for row in factories.table_rows(client.get(url).get_data(as_text=True),
                                                        caption)]


def test_a_sent_deliverable_leaves_its_tab_at_once(client, users, login, painel, cache_on):
    login(users["partner_manager"])
    assert any(meta.startswith("1.2 ") for meta in _metas(client, "/?grupo=atrasadas",
                                                          "Atrasadas"))
    draft = services.open_draft(painel, by=users["partner_manager"])
    draft.report = "Indicamos os servidores que acessam o Painel."
    services.submit(painel, by=users["partner_manager"])
    db.session.commit()
    assert not any(meta.startswith("1.2 ") for meta in _metas(client, "/?grupo=atrasadas",
                                                              "Atrasadas"))
    assert any(meta.startswith("1.2 ") for meta in _metas(client, "/?grupo=em_analise",
                                                          "Em análise"))


def test_a_renamed_goal_or_agreement_is_listed_at_once(client, users, login, act, cache_on):
    reviewer = users["seges_reviewer"]  # SEGES's list names each row's agreement
    owed = db.session.scalar(db.select(Deliverable).where(
        Deliverable.institution_id == reviewer.institution_id).order_by(Deliverable.id))
    code = owed.goal.code
    login(reviewer)
    group = f"/?grupo={_group_of(owed)}"
    row = factories.table_row(client.get(group).get_data(as_text=True), f"{code} ")
    assert act.title in row["Instrumento"]

    act.number = "161/2025"
    db.session.commit()
    row = factories.table_row(client.get(group).get_data(as_text=True), f"{code} ")
    assert "nº 161/2025" in row["Instrumento"]

    owed.goal.description = "Descrição revista pela SEGES"
    db.session.commit()
    row = factories.table_row(client.get(group).get_data(as_text=True), f"{code} ")
    assert "Descrição revista pela SEGES" in row["Meta"]


def _group_of(deliverable) -> str:
    return next(group for group in lifecycle.Group if db.session.scalar(
        db.select(Deliverable.id).where(
            Deliverable.id == deliverable.id,
            services.group_condition(group.value, local_today()))))


def test_a_kept_tab_is_shown_without_reading_its_deliverables(
    client, users, login, painel, cache_on
):
    login(users["partner_manager"])
    client.get("/?grupo=atrasadas")
    statements = factories.statements(lambda: client.get("/?grupo=atrasadas"))
    assert not [s for s in statements if "FROM deliverables" in s]
    page = client.get("/?grupo=atrasadas&page=1&origem=email").get_data(as_text=True)
    assert factories.table_rows(page, "Atrasadas")  # the same kept rows, for any extra argument


def test_my_agreement_is_kept_and_follows_its_changes(client, users, login, act, cache_on):
    login(users["partner_manager"])
    assert "ACT nº 160/2025: metas, prazos e adesões." in factories.page_text(
        client.get("/").get_data(as_text=True))
    act.number = "161/2025"
    db.session.commit()
    assert "ACT nº 161/2025: metas, prazos e adesões." in factories.page_text(
        client.get("/").get_data(as_text=True))
