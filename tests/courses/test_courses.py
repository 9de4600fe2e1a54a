"""Cronograma de cursos: courses, classes, filters, .ics and the weekly 3.2 deliverable."""

from datetime import date, timedelta

import pytest
import time_machine

from portal.core.exceptions import DomainError
from portal.courses import services as courses
from portal.courses.models import Course, CourseClass
from portal.deliverables.models import Deliverable
from portal.extensions import db
from portal.institutions.models import Institution
from portal.notifications.models import Notification
from tests import clock, factories


@pytest.fixture
def network(users):
    return factories.partner_network(users)


@pytest.fixture
def course(users):
    return factories.course(users["seges_admin"], title="Gestão de parcerias",
                            description="Curso sobre o MROSC, parcerias; transferências",
                            hours=40, modality="hibrido", audience="Servidores")


def _class(users, course, *, starts: int = 10, opens: int = 0, closes: int = 5,
           day: date | None = None, klass=None, place: str = "Brasília") -> CourseClass:
    """A class of ``course`` whose dates are ``opens``/``closes``/``starts`` days from today,
    saved as if on ``day`` (today by default)."""
    today = clock.today()
    return courses.save_class(
        klass, course=course, by=users["seges_admin"],
        enrollment_opens_on=today + timedelta(days=opens),
        enrollment_closes_on=today + timedelta(days=closes),
        starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=starts + 2),
        seats=30, place=place, enrollment_url="https://escola.exemplo.gov.br/inscricao",
        today=day or today)


def _deliverables_32() -> list[Deliverable]:
    """The partners' 3.2 deliverables of course changes (SEGES's own side apart)."""
    return list(db.session.scalars(db.select(Deliverable).join(Deliverable.institution).where(
        Deliverable.period_key.like("Ecursos-%"), Institution.is_secretariat.is_(False))))


def _seges_side() -> list[Deliverable]:
    return list(db.session.scalars(db.select(Deliverable).join(Deliverable.institution).where(
        Deliverable.period_key.like("Ecursos-%"), Institution.is_secretariat.is_(True))))


def test_a_new_class_creates_one_32_deliverable_per_partner(network, users, course):
    today = clock.today()
    _class(users, course)
    deliverables = _deliverables_32()
    assert {d.institution_id for d in deliverables} == {
        network["mg"], network["es"], network["contagem"]}
    assert {d.goal.code for d in deliverables} == {"3.2"}
    year, week, _ = today.isocalendar()
    assert {d.period_key for d in deliverables} == {f"Ecursos-{year}-W{week:02d}"}
    assert all(d.deadline_source == "default" and "SEGES" in d.deadline_rule
               for d in deliverables)
    # The joint goal's other side: SEGES published the change, recorded as done, once.
    [own] = _seges_side()
    assert own.status == "approved" and own.period_key == deliverables[0].period_key
    notified = db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.kind == "new_deliverable"))
    assert notified == 3  # MG manager + member, ES manager (Contagem has no users)


def test_several_changes_in_a_week_reuse_the_deliverable(network, users, course):
    today = clock.today()
    klass = _class(users, course)
    _class(users, course, starts=20)
    _class(users, course, starts=12, klass=klass)  # new dates
    assert len(_deliverables_32()) == 3
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.kind == "new_deliverable")) == 3
    _class(users, course, starts=30, day=today + timedelta(days=7))  # the next week
    assert len(_deliverables_32()) == 6


def test_editing_without_new_dates_is_not_a_schedule_change(network, users, course):
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    klass = _class(users, course, day=monday)
    _class(users, course, klass=klass, place="Online", day=monday + timedelta(days=7))
    assert len(_deliverables_32()) == 3


def test_class_dates_and_url_are_validated(users, course):
    today = clock.today()
    with pytest.raises(DomainError) as error:
        _class(users, course, opens=5, closes=2)
    assert error.value.field == "enrollment_closes_on"
    with pytest.raises(DomainError) as error:
        courses.save_class(None, course=course, by=users["seges_admin"],
                           enrollment_opens_on=today, enrollment_closes_on=today,
                           starts_on=today, ends_on=today, enrollment_url="javascript:alert(1)")
    assert error.value.field == "enrollment_url"


def test_schedule_filters(users, course):
    today = clock.today()
    other = courses.save_course(None, by=users["seges_admin"], title="Transparência",
                                description="", hours=8, modality="distancia", audience="")
    open_now = _class(users, course)
    later = _class(users, other, opens=20, closes=25, starts=40)
    _class(users, other, starts=-30, opens=-40, closes=-35)  # over
    ids = lambda **kw: [c.id for c in db.session.scalars(  # noqa: E731
        courses.classes_query(today=today, **kw))]
    assert ids() == [open_now.id, later.id]
    assert ids(open_only=True) == [open_now.id]
    assert ids(modality="distancia") == [later.id]
    month = (today + timedelta(days=41)).replace(day=1)
    assert later.id in ids(month=month)


def test_schedule_ics_lists_the_classes_as_all_day_events(app, users, course):
    klass = _class(users, course)
    text = courses.schedule_calendar([klass])
    start, end = klass.starts_on, klass.ends_on + timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{start:%Y%m%d}" in text and f"DTEND;VALUE=DATE:{end:%Y%m%d}" in text
    assert "SUMMARY:Gestão de parcerias" in text and f"UID:turma-{klass.id}@localhost" in text
    assert "parcerias\\; transferências" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


# Views -------------------------------------------------------------------------------------

CLASS_FORM = {"enrollment_opens_on": "2027-02-01", "enrollment_closes_on": "2027-02-10",
              "starts_on": "2027-03-01", "ends_on": "2027-03-03", "seats": "30",
              "place": "Online", "enrollment_url": "https://escola.exemplo.gov.br/x"}


def test_partners_read_the_schedule_page_fragment_and_ics(client, users, login, course):
    _class(users, course)
    login(users["partner_member"])
    page = client.get("/cursos")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cronograma de cursos" in body
    assert "Inscrições abertas" in body and "Novo curso" not in body
    fragment = client.htmx("/cursos?abertas=y&modalidade=hibrido").get_data(as_text=True)
    assert "<html" not in fragment and "Gestão de parcerias" in fragment
    assert "Gestão de parcerias" not in client.htmx("/cursos?modalidade=distancia").get_data(
        as_text=True)
    response = client.get("/cursos.ics?modalidade=hibrido")
    assert response.mimetype == "text/calendar" and b"BEGIN:VEVENT" in response.data
    assert client.get("/cursos/catalogo").status_code == 200


def test_partners_cannot_manage_courses(client, users, login, course):
    klass = _class(users, course)
    login(users["partner_manager"])
    for url in ("/cursos/novo", f"/cursos/{course.id}/editar", f"/cursos/{course.id}/turmas/nova",
                f"/cursos/turmas/{klass.id}/editar"):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data=CLASS_FORM).status_code == 403, url


def test_seges_creates_course_and_class_through_the_forms(client, users, login, network):
    login(users["seges_admin"])
    response = client.post("/cursos/novo", data={"title": "Novo curso", "description": "",
                                                 "hours": "12", "modality": "presencial",
                                                 "audience": ""})
    assert response.status_code == 302
    course = db.session.scalar(db.select(Course))
    response = client.post(f"/cursos/{course.id}/turmas/nova", data=CLASS_FORM)
    assert response.status_code == 302 and len(_deliverables_32()) == 3


def test_bad_class_input_rerenders_422_keeping_it(client, users, login, course):
    login(users["seges_admin"])
    url = f"/cursos/{course.id}/turmas/nova"
    response = client.post(url, data={**CLASS_FORM, "enrollment_closes_on": "2027-01-20"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "O fim das inscrições deve ser igual ou posterior ao início." in body
    assert 'value="2027-01-20"' in body
    response = client.htmx(url, method="POST", data={**CLASS_FORM, "ends_on": "2027-02-20"})
    assert response.status_code == 422 and "<html" not in response.get_data(as_text=True)
    response = client.post(url, data={**CLASS_FORM, "enrollment_url": "ftp://x.exemplo/y"})
    assert response.status_code == 422 and "http://" in response.get_data(as_text=True)
    assert client.post(url, data=CLASS_FORM, csrf=False).status_code == 400
    assert db.session.scalar(db.select(db.func.count(CourseClass.id))) == 0


def test_the_kept_schedule_follows_its_classes_and_the_day(client, users, login, course,
                                                          cache_on):
    klass = _class(users, course, opens=0, closes=5, place="Brasília")
    db.session.commit()
    login(users["partner_member"])
    row = factories.table_row(client.get("/cursos").get_data(as_text=True), "Gestão de parcerias")
    assert "Inscrições abertas" in row["Inscrições"] and row["Local ou link"] == "Brasília"
    assert "Editar" not in client.get("/cursos").get_data(as_text=True)

    _class(users, course, klass=klass, opens=0, closes=5, place="Belo Horizonte")
    db.session.commit()
    row = factories.table_row(client.get("/cursos").get_data(as_text=True), "Gestão de parcerias")
    assert row["Local ou link"] == "Belo Horizonte"

    with time_machine.travel(clock.today() + timedelta(days=7)):  # enrolment closed since
        login(users["partner_member"])
        row = factories.table_row(client.get("/cursos").get_data(as_text=True),
                                  "Gestão de parcerias")
    assert "Inscrições abertas" not in row["Inscrições"]

    login(users["seges_admin"])  # a manager's page has its edit buttons
    assert "Editar" in client.get("/cursos").get_data(as_text=True)
