"""The partner home's year ahead: one dot per dated deliverable of the home's own query."""

import re
from datetime import date

from portal.core.clock import local_today
from portal.deliverables import services
from portal.deliverables.lifecycle import Source, Status
from portal.deliverables.models import Deliverable
from portal.extensions import db
from tests import factories

DOT = re.compile(r'<circle class="chart-mark" data-deliverable="(\d+)"')


def _figure(body: str) -> str:
    start = body.index('<figure class="chart-figure portal-timeline" id="linha-do-tempo">')
    return body[start:body.index("</figure>", start)]


def _in_window(institution_id: int, **filters) -> list[Deliverable]:
    """Independently of the chart: the home's list query, due within a year from today."""
    today = local_today()
    end = date(today.year + 1, today.month, today.day)
    query = services.deliverables_query(institution_id, **filters).where(
        Deliverable.due_on >= today, Deliverable.due_on < end,
        Deliverable.status != Status.WAIVED)
    return list(db.session.scalars(query))


def test_the_dots_are_the_homes_dated_deliverables_of_the_year_ahead(client, users, login, act):
    login(users["partner_member"])
    body = client.get("/").get_data(as_text=True)
    figure = _figure(body)
    expected = _in_window(users["partner_member"].institution_id)
    assert expected, "the seed plan has deadlines in the coming year"
    assert sorted(int(i) for i in DOT.findall(figure)) == sorted(d.id for d in expected)
    # The table a click away lists the same deliverables, and today is marked.
    assert "<details" in figure and figure.count("<tr>") == len(expected) + 1
    assert ">Hoje</text>" in figure
    assert "<title id=\"linha-do-tempo-titulo\">" in figure and "<desc id=" in figure
    if any(d.deadline_source == Source.FOLLOWUP for d in expected):
        assert "Relato de acompanhamento pedido pela SEGES" in figure
    # Above the list.
    assert body.index('id="linha-do-tempo"') < body.index('aria-label="Grupos de entregas"')


def test_the_timeline_follows_the_homes_filters_and_its_changes(client, users, login, act):
    mg = users["partner_member"].institution_id
    login(users["partner_member"])
    figure = _figure(client.htmx("/?eixo=2").get_data(as_text=True))
    expected = _in_window(mg, axis=2)
    assert sorted(int(i) for i in DOT.findall(figure)) == sorted(d.id for d in expected)

    moved = _in_window(mg)[0]
    moved.due_on = date(2030, 1, 1)  # beyond the year ahead
    waived = _in_window(mg)[0]
    waived.status = Status.WAIVED
    db.session.commit()
    shown = {int(i) for i in DOT.findall(_figure(client.get("/").get_data(as_text=True)))}
    assert moved.id not in shown and waived.id not in shown
    assert shown == {d.id for d in _in_window(mg)}


def test_the_chart_and_the_service_agree(app, users, act):
    mg = users["partner_member"].institution_id
    today = local_today()
    chart = services.home_timeline(services.deliverables_query(mg), today)
    assert {int(c) for c in chart.values()} == {d.id for d in _in_window(mg)}
    assert len(chart.table.rows) == len(chart.marks)
    xs = [m.x for m in chart.marks]
    assert xs == sorted(xs)  # by date, left to right


def test_seges_home_has_no_timeline(client, users, login, act):
    login(users["seges_reviewer"])
    assert 'id="linha-do-tempo"' not in client.get("/").get_data(as_text=True)


def test_a_filter_leaving_nothing_due_gives_an_empty_timeline(client, users, login):
    factories.partner_network(users)
    login(users["partner_member"])
    body = client.get("/?situacao=approved").get_data(as_text=True)  # none yet
    assert "nenhuma entrega com prazo nesse período" in _figure(body)
