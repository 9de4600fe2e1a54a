"""Kinds of event read as Portuguese: "Reunião técnica convocada", "Fórum regional convocado",
"Organizar e registrar o fórum…", and the audit trail names each convened event by its kind."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.audit.services import AuditFilters, action_label, export_rows
from portal.core.models import AuditEvent
from portal.events import services as events
from portal.events.models import EVENT_KINDS, Event, event_kind
from portal.extensions import db
from tests import factories
from tests.factories import MG_CNPJ

STARTS = datetime(2027, 3, 10, 17, tzinfo=UTC)  # 10/03/2027, 14:00 in Brasília


@pytest.fixture
def network(users):
    return factories.partner_network(users)


@pytest.mark.parametrize(("kind", "convened", "with_article"), [
    ("reuniao_tecnica", "Reunião técnica convocada", "a reunião técnica"),
    ("forum_regional", "Fórum regional convocado", "o fórum regional"),
    ("forum_nacional", "Fórum Nacional convocado", "o Fórum Nacional"),
])
def test_each_kind_agrees_in_gender(kind, convened, with_article):
    assert EVENT_KINDS[kind].convened == convened
    assert EVENT_KINDS[kind].with_article == with_article


def test_an_unknown_kind_still_reads_as_a_sentence():
    assert event_kind("palestra").convened == "Evento convocado"
    assert event_kind(None).with_article == "o evento"


FORM = {"title": "Encontro do Sudeste", "starts_at": "2027-03-10T14:00",
        "ends_at": "2027-03-10T17:00", "place": "Belo Horizonte", "agenda": "",
        "audience": "uf", "uf": "MG", "include_adherents": "y"}


@pytest.mark.parametrize(("kind", "flash"), [
    ("forum_regional", "Fórum regional convocado. Os convidados foram notificados."),
    ("forum_nacional", "Fórum Nacional convocado. Os convidados foram notificados."),
    ("reuniao_tecnica", "Reunião técnica convocada. Os convidados foram notificados."),
])
def test_the_confirmation_agrees_with_the_kind_convened(client, users, login, network, kind,
                                                        flash):
    login(users["seges_admin"])
    response = client.post("/eventos/novo", data={**FORM, "kind": kind})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert flash in page
    assert "convocada" not in page.replace("Reunião técnica convocada", "")


def _convene(users, kind: str) -> Event:
    return events.convene(by=users["seges_admin"], kind=kind, title="Alinhamento",
                          starts_at=STARTS, ends_at=STARTS + timedelta(hours=3), place="Online",
                          audience="escolhidos", references=[MG_CNPJ])


def test_segess_side_of_a_joint_event_names_it_with_its_article(network, users):
    """Only meetings have a SEGES side (a joint 1.7); its label takes the kind's article."""
    meeting = _convene(users, "reuniao_tecnica")
    own = events.seges_side(meeting.event_key)
    assert own.period_label == "Organizar e registrar a reunião técnica de 10/03/2027: Alinhamento"
    forum = _convene(users, "forum_regional")
    assert events.seges_side(forum.event_key) is None


@pytest.mark.parametrize(("kind", "label"), [
    ("forum_regional", "Fórum regional convocado"),
    ("forum_nacional", "Fórum Nacional convocado"),
    ("reuniao_tecnica", "Reunião técnica convocada"),
])
def test_the_audit_trail_names_a_convened_event_by_its_kind(client, users, login, network, kind,
                                                            label):
    _convene(users, kind)
    db.session.commit()
    recorded = db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "event.convened"))
    assert recorded.details["kind"] == kind
    assert action_label(recorded.action, recorded.details) == label
    login(users["seges_admin"])
    rows = factories.table_rows(client.get("/auditoria?acao=event.convened").get_data(
        as_text=True))
    assert [row["Ação"] for row in rows] == [f"{label} event.convened"]
    [exported] = list(export_rows(AuditFilters(action="event.convened")))
    assert exported[1] == label


def test_the_audit_filter_offers_convened_events_whatever_their_kind(client, users, login):
    assert action_label("event.convened") == "Evento convocado"
    login(users["seges_admin"])
    page = client.get("/auditoria").get_data(as_text=True)
    assert '<option value="event.convened">Evento convocado</option>' in page
    assert "Reunião convocada" not in page
