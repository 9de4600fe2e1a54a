"""The private calendar feed: its address on "Minha conta" (shown once, replaced, revoked)
and what it holds, read back with icalendar."""

import hashlib
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar

from portal.calendar_feed.models import CalendarFeed
from portal.core.models import AuditEvent
from portal.deliverables.lifecycle import Source, Status
from portal.deliverables.models import Deliverable
from portal.deliverables.services import deliverables_query
from portal.events.services import events_query
from portal.extensions import db
from tests import factories

URL = re.compile(r'value="(https?://[^"]+\.ics)"')


def _create(client, **data) -> str:
    response = client.post("/conta/calendario", data=data)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    found = URL.search(response.get_data(as_text=True))
    assert found, "the new address is shown"
    return found.group(1)


def _path(url: str) -> str:
    return urlsplit(url).path


def _calendar(client, url: str) -> icalendar.Calendar:
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    return icalendar.Calendar.from_ical(response.get_data())


def _events(cal) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def _expected_deliverables(institution_id: int) -> list[Deliverable]:
    query = deliverables_query(institution_id).where(Deliverable.status != Status.WAIVED)
    return list(db.session.scalars(query))


def test_the_feed_holds_exactly_the_institutions_deliverables_and_events(
        client, users, login, act, painel):
    factories.partner_network(users)  # ES has an agreement too
    meeting = factories.event(users["seges_admin"])  # MG is invited
    factories.event(users["seges_admin"], value="ES", days=12)  # MG is not
    db.session.commit()
    member = users["partner_member"]
    login(member)
    url = _create(client)
    client.post("/logout")  # calendar apps do not log in

    cal = _calendar(client, url)
    host = urlsplit(url).hostname
    mg = member.institution_id
    dated = _expected_deliverables(mg)
    invited = list(db.session.scalars(events_query(mg)))
    assert [e.id for e in invited] == [meeting.id]
    found = _events(cal)
    assert set(found) == ({f"deliverable-{d.id}@{host}" for d in dated}
                          | {f"event-{meeting.id}@{host}"})
    assert len(cal.walk("VEVENT")) == len(found)

    item = found[f"deliverable-{painel.id}@{host}"]
    assert item.decoded("DTSTART") == painel.due_on == date(2025, 10, 16)
    assert item.decoded("DTEND") == painel.due_on + timedelta(days=1)  # all day
    assert str(item["SUMMARY"]).startswith("Meta 1.2 — ")
    assert str(item["SUMMARY"]).endswith("(prazo do plano)")
    for d in dated:
        if d.deadline_source == Source.FOLLOWUP:
            summary = str(found[f"deliverable-{d.id}@{host}"]["SUMMARY"])
            assert "acompanhamento pedido pela SEGES" in summary

    # Times in Brasília, with the zone's VTIMEZONE.
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/Sao_Paulo"]
    start = found[f"event-{meeting.id}@{host}"]["DTSTART"]
    assert start.params["TZID"] == "America/Sao_Paulo"
    assert start.dt.hour == 14 and start.dt.tzinfo is not None
    assert str(found[f"event-{meeting.id}@{host}"]["LOCATION"]).startswith("Sala 101")


def test_a_seges_user_gets_the_deliverables_seges_owes(client, users, login, act, seges):
    login(users["seges_reviewer"])
    url = _create(client)
    cal = _calendar(client, url)
    host = urlsplit(url).hostname
    own = _expected_deliverables(seges.id)
    assert own, "the seed plan gives SEGES obligations of its own"
    found = _events(cal)
    assert set(found) == {f"deliverable-{d.id}@{host}" for d in own}
    words = {Source.PLAN: "(prazo do plano)", Source.DEFAULT: "(prazo padrão da SEGES)",
             Source.FOLLOWUP: "(relato de acompanhamento pedido pela SEGES)"}
    for d in own:
        assert str(found[f"deliverable-{d.id}@{host}"]["SUMMARY"]).endswith(
            words[Source(d.deadline_source)])


def test_the_feed_follows_a_changed_deadline(client, users, login, act, painel):
    login(users["partner_manager"])
    url = _create(client)
    uid = f"deliverable-{painel.id}@{urlsplit(url).hostname}"
    assert _events(_calendar(client, url))[uid].decoded("DTSTART") == date(2025, 10, 16)
    painel.due_on = date(2027, 3, 15)
    db.session.commit()
    assert _events(_calendar(client, url))[uid].decoded("DTSTART") == date(2027, 3, 15)


def test_only_the_hash_of_the_token_is_stored_and_the_steps_are_audited(client, users, login):
    manager = users["partner_manager"]
    login(manager)
    url = _create(client)
    token = _path(url).rsplit("/", 1)[1].removesuffix(".ics")
    feed = db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == manager.id))
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert token not in repr({c.name: getattr(feed, c.name) for c in CalendarFeed.__table__.c})
    page = client.get("/conta/calendario").get_data(as_text=True)
    assert token not in page and "Gerar novo endereço" in page and "Revogar" in page

    client.post("/conta/calendario/revogar", data={"confirmar": "sim"})
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.action.like("calendar_feed.%")).order_by(AuditEvent.id)).all()
    assert actions == ["calendar_feed.created", "calendar_feed.revoked"]


def test_revoked_and_replaced_addresses_answer_404(client, users, login):
    login(users["partner_member"])
    first = _create(client)
    # Replacing asks first (without JavaScript, on a page of its own).
    asked = client.post("/conta/calendario")
    assert asked.status_code == 200 and "Gerar novo endereço?" in asked.get_data(as_text=True)
    assert client.get(_path(first)).status_code == 200
    second = _create(client, confirmar="sim")
    assert second != first
    assert client.get(_path(first)).status_code == 404
    assert client.get(_path(second)).status_code == 200

    asked = client.post("/conta/calendario/revogar")
    assert asked.status_code == 200 and "Revogar o endereço" in asked.get_data(as_text=True)
    assert client.get(_path(second)).status_code == 200
    response = client.post("/conta/calendario/revogar", data={"confirmar": "sim"})
    assert response.status_code == 303
    assert client.get(_path(second)).status_code == 404
    assert client.get("/calendario/nao-existe.ics").status_code == 404


def test_creating_and_revoking_need_the_csrf_token(client, users, login):
    login(users["partner_member"])
    assert client.post("/conta/calendario", data={}, csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 0
    url = _create(client)
    response = client.post("/conta/calendario/revogar", data={"confirmar": "sim"}, csrf=False)
    assert response.status_code == 400
    assert client.get(_path(url)).status_code == 200


def test_a_user_cannot_revoke_another_users_address(client, users, login):
    login(users["partner_manager"])
    url = _create(client)
    client.post("/logout")
    login(users["partner_member"])  # same institution, another person
    client.post("/conta/calendario/revogar", data={"confirmar": "sim"})
    assert client.get(_path(url)).status_code == 200
    owner = users["partner_manager"].id
    assert db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == owner))


def test_the_account_page_offers_the_calendar(client, users, login):
    login(users["partner_member"])
    body = client.get("/conta").get_data(as_text=True)
    assert "Calendário" in body and "Adicionar ao seu calendário" in body
    page = client.get("/conta/calendario").get_data(as_text=True)
    assert "Outras agendas" in page and "Da Internet" in page


def _statements(fn) -> int:
    return len(factories.statements(fn))


def test_a_seges_feed_costs_the_same_queries_however_many_agreements(client, users, login, act):
    """Calendar apps poll the feed every hour: SEGES owes its goals under every agreement,
    and the agreement each entry names is loaded with the list, never one by one."""
    login(users["seges_reviewer"])
    path = _path(_create(client))
    first = _statements(lambda: client.get(path))
    factories.partner_network(users)  # a second ACT (ES) and an adhesion
    db.session.commit()
    assert _statements(lambda: client.get(path)) == first
