"""Eventos (metas 1.7, 3.4) and solicitações (3.5): audiences, deliverables, attendance, .ics."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from portal.agreements.models import Goal
from portal.core import ics
from portal.core.exceptions import DomainError
from portal.core.models import AuditEvent
from portal.deliverables.models import Deliverable
from portal.events import services as events
from portal.events.models import Event, EventInvitation, InfoRequest
from portal.extensions import db
from portal.institutions.models import Institution
from portal.notifications.models import Notification
from portal.schedule import engine as schedule
from tests import clock, factories
from tests.factories import MG_CNPJ


@pytest.fixture
def network(users):
    return factories.partner_network(users)


def _event_deliverables(event: Event) -> list[Deliverable]:
    return list(db.session.scalars(db.select(Deliverable).where(
        Deliverable.period_key == f"E{event.event_key}").order_by(Deliverable.institution_id)))


# Audience ----------------------------------------------------------------------------------

def test_audience_resolves_partners_by_elo_uf_and_choice(network):
    everyone = set(events.resolve_audience("todos"))
    assert everyone == {network["mg"], network["es"], network["contagem"]}  # no SEGES, no SEMPAR
    assert set(events.resolve_audience("todos", include_adherents=False)) == {
        network["mg"], network["es"]}
    assert set(events.resolve_audience("elo", "Estados")) == {network["mg"], network["es"]}
    assert events.resolve_audience("elo", "Municípios") == [network["contagem"]]
    assert set(events.resolve_audience("uf", "MG")) == {network["mg"], network["contagem"]}
    chosen = events.resolve_audience(
        "escolhidos", references=events.parse_references(f"{MG_CNPJ}\nseger/es; pmc"))
    assert set(chosen) == {network["mg"], network["es"], network["contagem"]}


def test_unknown_or_secretariat_references_are_refused(network):
    with pytest.raises(DomainError) as error:
        events.resolve_audience("escolhidos", references=["SEGES", "XYZ", MG_CNPJ])
    assert error.value.field == "instituicoes"
    assert "SEGES" in error.value.message and "XYZ" in error.value.message
    with pytest.raises(DomainError):
        events.resolve_audience("uf", "ZZ")


# Events ------------------------------------------------------------------------------------

def test_meeting_creates_the_on_call_meeting_deliverable_for_each_invitee(network, users):
    event = factories.event(users["seges_admin"])
    invited = set(db.session.scalars(db.select(EventInvitation.institution_id)))
    assert invited == {network["mg"], network["contagem"]}
    seges = _secretariat_id()
    # Contagem's adhesion has no 1.7; 1.7 is joint ("both"): SEGES has its own side.
    partners = [d for d in _event_deliverables(event) if d.institution_id != seges]
    [deliverable] = partners
    assert deliverable.institution_id == network["mg"] and deliverable.goal.code == "1.7"
    assert deliverable.goal.has_role("meetings")
    day = clock.today() + timedelta(days=10)
    assert deliverable.due_on == schedule.add_business_days(day, 15)  # SEGES's default
    assert (deliverable.status, deliverable.deadline_source) == ("pending", "default")
    notified = db.session.scalars(db.select(Notification).where(
        Notification.kind != "adhesion.registered")).all()  # the fixture's adhesion, to SEGES
    assert {n.user_id for n in notified} == {users["partner_manager"].id,
                                             users["partner_member"].id}
    assert all(n.kind == "new_deliverable" and n.url == f"/eventos/{event.id}" for n in notified)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "event.convened"))


def _secretariat_id() -> int:
    return db.session.scalar(db.select(Institution.id).where(Institution.is_secretariat))


MEETING_DAY = datetime(2027, 3, 10, 17, tzinfo=UTC)  # Wednesday 10/03/2027, 14:00 in Brasília


def _convene_on(users, starts_at: datetime, kind: str = "reuniao_tecnica", **audience) -> Event:
    audience = audience or {"audience": "escolhidos", "references": [MG_CNPJ]}
    return events.convene(by=users["seges_admin"], kind=kind, title="Alinhamento",
                          starts_at=starts_at, ends_at=starts_at + timedelta(hours=3),
                          place="Online", **audience)


def test_meeting_deliverable_is_due_on_the_15th_business_day_by_segess_default(network, users):
    """From Wednesday 10/03/2027: 11, 12, 15–19, 22–25 (11 days), Friday 26/03 is Sexta-feira
    Santa (skipped), then 29, 30, 31/03 and 01/04 — the 15th business day is 01/04/2027."""
    event = _convene_on(users, MEETING_DAY)
    [mg] = [d for d in _event_deliverables(event) if d.institution_id == network["mg"]]
    assert (mg.period_key, mg.opens_on, mg.due_on) == (
        f"Eevento-{event.id}", min(clock.today(), date(2027, 3, 10)), date(2027, 4, 1))
    assert mg.deadline_source == "default"
    assert mg.deadline_rule == "15 dias úteis após a reunião — prazo padrão definido pela SEGES"
    assert mg.period_label == "Reunião técnica de 10/03/2027: Alinhamento"


def test_the_seges_side_of_a_joint_meeting_is_done_when_attendance_is_recorded(network, users):
    event = _convene_on(users, MEETING_DAY, audience="todos")  # MG, ES (and Contagem: no 1.7)
    seges = _secretariat_id()
    by_institution = {}
    for d in _event_deliverables(event):
        by_institution.setdefault(d.institution_id, []).append(d)
    assert set(by_institution) == {network["mg"], network["es"], seges}
    [own] = by_institution[seges]  # one for the meeting, not one per joint goal
    assert own == events.seges_side(event.event_key)
    assert own.period_key == f"Eevento-{event.id}" and own.goal.code == "1.7"
    assert (own.status, own.deadline_source, own.due_on) == ("pending", "default",
                                                            date(2027, 4, 1))
    assert own.period_label == "Organizar e registrar a reunião técnica de 10/03/2027: Alinhamento"
    assert events.create_event_deliverables(event) == {}  # idempotent, SEGES's side too
    assert len(_event_deliverables(event)) == 3
    mg = db.session.scalar(db.select(EventInvitation).where(
        EventInvitation.institution_id == network["mg"]))
    shown = [i.id for i in db.session.scalars(db.select(EventInvitation))]
    events.record_attendance(event, shown=shown, present=[mg.id], by=users["seges_admin"])
    db.session.refresh(own)
    assert own.status == "approved"
    completed = db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "deliverable.completed_by_seges"))
    assert completed.object_id == own.id and completed.actor_id == users["seges_admin"].id
    partners = [d for d in _event_deliverables(event) if d.institution_id != seges]
    assert {d.status for d in partners} == {"pending"}  # the partners still report


def test_forum_reaches_the_goal_with_the_forums_role_whatever_its_code(network, users):
    act = network["act"]
    goals = {g.code: g for g in act.goals}
    assert goals["3.4"].has_role("forums")  # the importer's suggestion
    goals["3.4"].roles = []
    goals["2.1"].roles = ["forums"]  # SEGES moved the role (2.1 is joint)
    db.session.commit()
    event = _convene_on(users, MEETING_DAY, kind="forum_nacional")
    [deliverable] = _event_deliverables(event)  # no SEGES side for a forum
    assert deliverable.institution_id == network["mg"] and deliverable.goal.code == "2.1"
    assert deliverable.due_on == date(2027, 4, 1)  # forum default: 15 business days too
    assert deliverable.deadline_rule == (
        "15 dias úteis após o fórum — prazo padrão definido pela SEGES")
    assert deliverable.period_label == "Fórum Nacional de 10/03/2027: Alinhamento"


def test_forum_creates_the_34_deliverable_for_partners_and_adherents(network, users):
    event = factories.event(users["seges_admin"], kind="forum_nacional", audience="todos",
                            value=None)
    deliverables = _event_deliverables(event)
    assert {d.institution_id for d in deliverables} == {
        network["mg"], network["es"], network["contagem"]}
    assert {d.goal.code for d in deliverables} == {"3.4"}
    assert all(d.period_key == f"Eevento-{event.id}" for d in deliverables)
    assert {d.deadline_source for d in deliverables} == {"default"}
    assert not any(d.institution.is_secretariat for d in deliverables)


def test_event_deliverables_are_idempotent(network, users):
    event = factories.event(users["seges_admin"], kind="forum_regional", audience="elo",
                            value="Estados")
    before = len(_event_deliverables(event))
    assert events.create_event_deliverables(event) == {}
    assert len(_event_deliverables(event)) == before == 2


def test_event_without_matching_partners_is_refused(network, users):
    with pytest.raises(DomainError) as error:
        factories.event(users["seges_admin"], audience="uf", value="AC")
    assert error.value.field == "audience"
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_end_before_start_is_refused(network, users):
    with pytest.raises(DomainError) as error:
        events.convene(by=users["seges_admin"], kind="reuniao_tecnica", title="X",
                       starts_at=factories.brasilia(3, 15), ends_at=factories.brasilia(3, 14),
                       place="Online", audience="todos")
    assert error.value.field == "ends_at"


def test_partner_confirms_and_seges_records_attendance(network, users):
    event = factories.event(users["seges_admin"])
    invitation = events.confirm(event, by=users["partner_member"])
    assert invitation.confirmed_at is not None
    with pytest.raises(DomainError):
        events.confirm(event, by=users["other_manager"])
    shown = [i.id for i in db.session.scalars(db.select(EventInvitation))]
    events.record_attendance(event, shown=shown, present=[invitation.id], by=users["seges_admin"])
    assert events.invitation_counts(event) == (2, 1, 1)
    with pytest.raises(DomainError):
        events.record_attendance(event, shown=[], present=[invitation.id],
                                 by=users["seges_admin"])


# Requests ----------------------------------------------------------------------------------

def test_request_creates_one_35_deliverable_per_partner_and_notifies(network, users):
    due = clock.today() + timedelta(days=20)
    info = events.send_request(by=users["seges_reviewer"], title="Ações do 1º semestre",
                               text="Enviem o relato.", due_on=due, audience="todos")
    deliverables = db.session.scalars(db.select(Deliverable).where(
        Deliverable.period_key == f"Esolicitacao-{info.id}")).all()
    assert {d.institution_id for d in deliverables} == {
        network["mg"], network["es"], network["contagem"]}
    assert {d.goal.code for d in deliverables} == {"3.5"} and info.recipients == 3
    assert all(d.due_on == due for d in deliverables)
    urls = {n.url for n in db.session.scalars(db.select(Notification).where(
        Notification.user_id == users["other_manager"].id))}
    es = next(d for d in deliverables if d.institution_id == network["es"])
    assert urls == {f"/entregas/{es.id}"}
    assert events.request_status_counts(info) == {"pending": 3}


def test_request_due_in_the_past_is_refused(network, users):
    with pytest.raises(DomainError) as error:
        events.send_request(by=users["seges_admin"], title="T", text="x",
                            due_on=clock.today() - timedelta(days=1), audience="todos")
    assert error.value.field == "due_on"


# .ics --------------------------------------------------------------------------------------

def test_ics_escapes_text_and_folds_long_lines():
    description = "a,b;c\\d\ne " + "ação " * 40
    text = ics.calendar([ics.CalendarItem(
        uid="x@localhost", start=date(2027, 3, 1), end=date(2027, 3, 2), summary="a,b;c",
        description=description)], name="Reunião, de; dezembro",
        now=datetime(2027, 1, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "SUMMARY:a\\,b\\;c" in lines and "X-WR-CALNAME:Reunião\\, de\\; dezembro" in lines
    assert "DTSTAMP:20270101T000000Z" in lines
    unfolded = text.replace("\r\n ", "")
    assert "DESCRIPTION:a\\,b\\;c\\\\d\\ne ação" in unfolded
    event = icalendar.Calendar.from_ical(text).events[0]
    assert str(event["DESCRIPTION"]) == description
    assert event.start == date(2027, 3, 1) and event.end == date(2027, 3, 3)


def test_event_ics_is_rfc5545_in_utc(network, users, app):
    event = factories.event(users["seges_admin"])
    text = events.event_calendar(event)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith(
        "END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    day = clock.today() + timedelta(days=10)
    assert f"DTSTART:{day:%Y%m%d}T170000Z" in text and f"DTEND:{day:%Y%m%d}T200000Z" in text
    assert f"UID:evento-{event.id}@localhost" in text
    assert "LOCATION:Sala 101\\, Bloco K\\; Brasília" in text
    assert "DESCRIPTION:1. Abertura\\n2. Metas do eixo 1" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


# Views -------------------------------------------------------------------------------------

EVENT_FORM = {"kind": "reuniao_tecnica", "title": "Reunião de dezembro",
              "starts_at": "2027-03-10T14:00", "ends_at": "2027-03-10T17:00",
              "place": "https://videoconferencia.exemplo.gov.br/sala", "agenda": "**Pauta**",
              "audience": "uf", "uf": "MG", "include_adherents": "y"}


def test_seges_convenes_through_the_form(client, users, login, network):
    login(users["seges_reviewer"])
    page = client.get("/eventos/novo")
    assert page.status_code == 200 and "Convocar evento" in page.get_data(as_text=True)
    response = client.post("/eventos/novo", data=EVENT_FORM)
    event = db.session.scalar(db.select(Event))
    assert response.status_code == 302 and response.location.endswith(f"/eventos/{event.id}")
    assert event.starts_at.replace(tzinfo=UTC) == datetime(2027, 3, 10, 17, tzinfo=UTC)
    body = client.get(f"/eventos/{event.id}").get_data(as_text=True)
    assert "10/03/2027 14:00" in body and "<strong>Pauta</strong>" in body
    assert "Governo de Minas Gerais" in body and "Registrar presenças" in body


def test_end_before_start_rerenders_422_keeping_input(client, users, login, network):
    login(users["seges_admin"])
    data = {**EVENT_FORM, "ends_at": "2027-03-10T13:00"}
    response = client.post("/eventos/novo", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "O fim deve ser posterior ao início." in body
    assert 'value="Reunião de dezembro"' in body and 'value="2027-03-10T13:00"' in body
    fragment = client.htmx("/eventos/novo", method="POST", data=data)
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    unknown = client.post("/eventos/novo", data={**EVENT_FORM, "audience": "escolhidos",
                                                 "instituicoes": "NAOEXISTE"})
    assert unknown.status_code == 422 and "NAOEXISTE" in unknown.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_new_event_refuses_a_post_without_csrf(client, users, login, network):
    login(users["seges_admin"])
    assert client.post("/eventos/novo", data=EVENT_FORM, csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_event_list_page_and_fragment(client, users, login, network):
    mg_event = factories.event(users["seges_admin"])
    es_event = factories.event(users["seges_admin"], audience="uf", value="ES", days=3)
    login(users["seges_admin"])
    page = client.get("/eventos").get_data(as_text=True)
    assert "<html" in page and "Convocar evento" in page
    assert page.index(f"/eventos/{es_event.id}\"") < page.index(f"/eventos/{mg_event.id}\"")
    fragment = client.htmx("/eventos").get_data(as_text=True)
    assert "<html" not in fragment and 'id="eventos"' in fragment
    client.post("/logout")
    login(users["partner_member"])
    mine = client.htmx("/eventos").get_data(as_text=True)
    assert f"/eventos/{mg_event.id}\"" in mine and f"/eventos/{es_event.id}\"" not in mine
    assert "A confirmar" in mine and "Convocar evento" not in mine


def test_partner_confirms_with_htmx_and_downloads_the_ics(client, users, login, network):
    event = factories.event(users["seges_admin"])
    login(users["partner_member"])
    response = client.htmx(f"/eventos/{event.id}/confirmar", method="POST")
    assert response.status_code == 200 and "Presença confirmada" in response.get_data(
        as_text=True)
    assert "portal:toast" in response.headers["HX-Trigger"]
    ics_response = client.get(f"/eventos/{event.id}.ics")
    assert ics_response.status_code == 200
    assert ics_response.mimetype == "text/calendar"
    assert "attachment" in ics_response.headers["Content-Disposition"]
    assert b"BEGIN:VEVENT" in ics_response.data


def test_partners_cannot_see_events_they_are_not_invited_to(client, users, login, network):
    event = factories.event(users["seges_admin"])  # MG and Contagem only
    login(users["other_manager"])
    assert client.get(f"/eventos/{event.id}").status_code == 403
    assert client.get(f"/eventos/{event.id}.ics").status_code == 403
    assert client.post(f"/eventos/{event.id}/confirmar").status_code == 403
    assert client.get("/eventos/999999").status_code == 404


def test_partners_get_403_on_every_seges_route(client, users, login, network):
    event = factories.event(users["seges_admin"])
    info = events.send_request(by=users["seges_admin"], title="T", text="x",
                               due_on=clock.today() + timedelta(days=5), audience="todos")
    login(users["partner_manager"])
    for url in ("/eventos/novo", "/solicitacoes", "/solicitacoes/nova",
                f"/solicitacoes/{info.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/eventos/{event.id}/presencas").status_code == 403
    assert client.post("/eventos/novo", data=EVENT_FORM).status_code == 403


def test_seges_records_attendance_through_the_form(client, users, login, network):
    event = factories.event(users["seges_admin"])
    invitations = db.session.scalars(db.select(EventInvitation)).all()
    mg = next(i for i in invitations if i.institution_id == network["mg"])
    login(users["seges_admin"])
    response = client.post(f"/eventos/{event.id}/presencas", data={
        "exibidos": [str(i.id) for i in invitations], "presentes": [str(mg.id)]})
    assert response.status_code == 302
    assert events.invitation_counts(event)[2] == 1
    fragment = client.htmx(f"/eventos/{event.id}/presencas", method="POST",
                           data={"exibidos": [str(i.id) for i in invitations]})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert events.invitation_counts(event)[2] == 0


def test_request_form_list_and_detail(client, users, login, network):
    login(users["seges_admin"])
    past = client.post("/solicitacoes/nova", data={
        "title": "Ações", "text": "Enviem", "due_on": "2020-01-01", "audience": "todos"})
    assert past.status_code == 422
    assert "O prazo deve ser hoje ou uma data futura." in past.get_data(as_text=True)
    due = clock.today() + timedelta(days=20)
    response = client.post("/solicitacoes/nova", data={
        "title": "Ações do semestre", "text": "Enviem", "due_on": due.isoformat(),
        "audience": "elo", "elo": "Estados"})
    info = db.session.scalar(db.select(InfoRequest))
    assert response.status_code == 302 and info.recipients == 2
    listing = client.htmx("/solicitacoes").get_data(as_text=True)
    assert "<html" not in listing and "Ações do semestre" in listing
    detail = client.get(f"/solicitacoes/{info.id}").get_data(as_text=True)
    assert "Governo do Espírito Santo" in detail and "A fazer" in detail
    assert db.session.scalar(db.select(db.func.count(Goal.id))) > 0


def test_partners_see_others_participation_only_as_counts(client, users, login, network):
    event = factories.event(users["seges_admin"])  # MG and Contagem (its adherent)
    invitations = db.session.scalars(
        db.select(EventInvitation).where(EventInvitation.event_id == event.id)).all()
    for invitation in invitations:
        invitation.confirmed_at = datetime.now(UTC)
        invitation.attended = True
    db.session.commit()
    others = [i.institution.display_name for i in invitations
              if i.institution_id != users["partner_member"].institution_id]
    assert others, "another institution was invited"

    login(users["partner_member"])
    page = factories.page_text(client.get(f"/eventos/{event.id}").get_data(as_text=True))
    assert f"{len(invitations)} instituições · {len(invitations)} confirmaram" in page
    assert "Presença registrada pela SEGES" in page  # its own attendance
    assert not any(name in page for name in others)
    assert "Instituições convidadas" not in page
    client.post("/logout")

    login(users["seges_reviewer"])
    page = factories.page_text(client.get(f"/eventos/{event.id}").get_data(as_text=True))
    assert "Instituições convidadas" in page and all(name in page for name in others)
