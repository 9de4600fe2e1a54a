"""Capacitações (meta 2.2): records, evidence files, yearly progress and the report pre-fill."""

from datetime import date

import pytest

from portal.core.exceptions import DomainError
from portal.core.models import AuditEvent
from portal.deliverables import services as deliverables
from portal.extensions import db
from portal.training import services
from portal.training.models import TrainingRecord
from tests import clock, factories
from tests.factories import PDF, deliverable_of, upload

VALID = {"title": "Gestão de parcerias", "start_on": "2025-11-03", "end_on": "2025-11-05",
         "hours": "24", "participants": "30", "modality": "presencial"}


def _record(users, *, start: date = date(2025, 11, 3), hours: int = 24, title: str = "Curso A",
            user: str = "partner_member", file: bytes | None = None) -> TrainingRecord:
    return factories.training_record(users[user], title=title, start_on=start, hours=hours,
                                     participants=10, modality="hibrido", file=file)


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(TrainingRecord.id)))


# Services ------------------------------------------------------------------------------

def test_progress_sums_hours_of_the_period_in_sql(app, users):
    mg = users["partner_member"].institution_id
    _record(users, hours=24)
    _record(users, start=date(2026, 2, 10), hours=16)
    _record(users, start=date(2026, 10, 1), hours=100)  # after the window asked for
    _record(users, user="other_manager", hours=500)  # another state
    progress = services.training_progress(mg, date(2025, 10, 1), date(2026, 9, 30), 60)
    assert (progress.hours, progress.records, progress.percent) == (40, 2, 67)
    assert not progress.reached
    empty = services.training_progress(mg, date(2030, 1, 1), date(2030, 12, 31), 60)
    assert (empty.hours, empty.records, empty.percent) == (0, 0, 0)


def test_progress_is_capped_and_reached(app, users):
    _record(users, hours=80)
    progress = services.training_progress(users["partner_member"].institution_id,
                                          date(2025, 10, 1), date(2026, 9, 30), 60)
    assert progress.percent == 100 and progress.reached


@pytest.mark.parametrize(("changes", "field"), [
    ({"hours": 0}, "hours"), ({"hours": 2001}, "hours"), ({"participants": -1}, "participants"),
    ({"end_on": date(2025, 11, 1)}, "end_on"), ({"modality": "outra"}, "modality"),
])
def test_save_record_refuses_invalid_values(app, users, changes, field):
    by = users["partner_member"]
    values = {"title": "Curso", "start_on": date(2025, 11, 3), "end_on": date(2025, 11, 5),
              "hours": 8, "participants": 0, "modality": "presencial", **changes}
    with pytest.raises(DomainError) as error:
        services.save_record(None, institution_id=by.institution_id, by=by, **values)
    assert error.value.field == field


def test_term_deliverable_is_the_2_2_of_the_calendar_year_containing_today(app, users, act):
    """The training year is the calendar year (C<year>), clipped to the term 01/10/2025 …
    30/09/2030: the first one runs 01/10/2025–31/12/2025, the last 01/01/2030–30/09/2030."""
    mg = users["partner_member"].institution_id
    deliverable = services.term_deliverable(mg, date(2026, 11, 26))
    assert deliverable.goal.code == "2.2" and deliverable.goal.min_hours == 60
    assert deliverable.period_key == "C2026"
    assert (deliverable.opens_on, deliverable.due_on) == (date(2026, 1, 1), date(2026, 12, 31))
    first = services.term_deliverable(mg, date(2025, 12, 31))
    assert (first.period_key, first.opens_on, first.due_on) == (
        "C2025", date(2025, 10, 1), date(2025, 12, 31))
    new_year = services.term_deliverable(mg, date(2026, 1, 1))
    assert new_year.period_key == "C2026"
    last = services.term_deliverable(mg, date(2030, 9, 30))
    assert (last.period_key, last.opens_on, last.due_on) == (
        "C2030", date(2030, 1, 1), date(2030, 9, 30))
    assert services.term_deliverable(mg, date(2030, 10, 1)) is None  # after the term
    assert services.term_deliverable(mg, date(2025, 9, 30)) is None  # before it


def test_report_prefill_builds_a_markdown_table(app, users, act):
    mg = users["partner_member"].institution_id
    year_one = deliverable_of(act, "2.2", mg)  # C2025: 01/10/2025 a 31/12/2025
    assert (year_one.opens_on, year_one.due_on) == (date(2025, 10, 1), date(2025, 12, 31))
    _record(users, title="Curso | A", hours=24)
    _record(users, start=date(2025, 12, 1), title="Curso B", hours=16)
    _record(users, start=date(2026, 1, 5), title="Curso de 2026", hours=50)  # next year
    draft = services.prefill_report(year_one, by=users["partner_member"])
    assert draft.report.startswith("## Capacitações realizadas (01/10/2025 a 31/12/2025)")
    assert "| Curso \\| A | 03/11/2025 a 05/11/2025 | Híbrido | 24 h | 10 |" in draft.report
    assert "| Curso B | 01/12/2025 a 03/12/2025 | Híbrido | 16 h | 10 |" in draft.report
    assert "Curso de 2026" not in draft.report
    assert "**Total: 40 h de 60 h exigidas** em 2 capacitações." in draft.report
    assert (draft.covers_from, draft.covers_to) == (year_one.opens_on, year_one.due_on)
    again = services.prefill_report(year_one, by=users["partner_member"])
    assert again.report.count("Total: 40 h") == 1  # not appended twice


def test_prefill_keeps_text_already_written(app, users, act):
    mg = users["partner_member"].institution_id
    year_one = deliverable_of(act, "2.2", mg)
    deliverables.save_draft(year_one, by=users["partner_member"], report="Nosso relato.",
                            covers_from=None, covers_to=None)
    draft = services.prefill_report(year_one, by=users["partner_member"])
    assert draft.report.startswith("Nosso relato.\n\n## Capacitações realizadas")
    assert "Nenhuma capacitação registrada no período." in draft.report


# Views ---------------------------------------------------------------------------------

def test_records_page_full_and_fragment_with_year_filter(client, users, login, act):
    _record(users, title="Curso 2025")
    _record(users, start=date(2026, 3, 2), title="Curso 2026")
    _record(users, user="other_manager", title="Curso do ES")
    login(users["partner_member"])
    body = client.get("/capacitacoes").get_data(as_text=True)
    assert "<html" in body and "Curso 2025" in body and "Curso 2026" in body
    assert "Curso do ES" not in body
    response = client.htmx("/capacitacoes?ano=2026")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith('<div id="capacitacoes"')
    assert "Curso 2026" in fragment and "Curso 2025" not in fragment


def test_seges_sees_all_with_an_institution_filter(client, users, login):
    _record(users, title="Curso de MG")
    _record(users, user="other_manager", title="Curso do ES")
    login(users["seges_reviewer"])
    body = client.get("/capacitacoes").get_data(as_text=True)
    assert "Curso de MG" in body and "Curso do ES" in body and 'name="instituicao"' in body
    es = users["other_manager"].institution_id
    only_es = client.htmx(f"/capacitacoes?instituicao={es}").get_data(as_text=True)
    assert "Curso do ES" in only_es and "Curso de MG" not in only_es


def test_page_shows_progress_of_the_current_calendar_year(client, users, login, act):
    today = clock.today()
    _record(users, start=today, hours=24)
    if today.year > 2025:  # a course of the previous calendar year does not count now
        _record(users, start=date(today.year - 1, 12, 1), title="Curso antigo", hours=30)
    window = (f"({max(date(2025, 10, 1), date(today.year, 1, 1)):%d/%m/%Y} a "
              f"{date(today.year, 12, 31):%d/%m/%Y}: o ano de capacitação é o ano civil")
    login(users["partner_member"])
    body = client.get("/capacitacoes").get_data(as_text=True)
    assert f"Capacitação em {today.year}" in body and "24 h em 1 capacitação" in body
    assert window in body and "de 60 h exigidas" in body
    home = client.get("/").get_data(as_text=True)
    assert f"Capacitação em {today.year}" in home and "24 h em 1 capacitação" in home


def test_member_records_a_course_with_evidence(client, users, login):
    login(users["partner_member"])
    response = client.post("/capacitacoes/nova", data={**VALID, "file": upload("lista.pdf", PDF)})
    assert response.status_code == 302
    record = db.session.scalar(db.select(TrainingRecord))
    assert (record.hours, record.participants, record.original_name) == (24, 30, "lista.pdf")
    assert record.content_type == "application/pdf" and len(record.sha256) == 64
    assert db.session.scalar(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "TrainingRecord")) == "training.created"


@pytest.mark.parametrize(("changes", "message"), [
    ({"hours": "0"}, "Informe de 1 a 2000 horas."),
    ({"hours": "2001"}, "Informe de 1 a 2000 horas."),
    ({"hours": "dez"}, "Informe um número inteiro."),
    ({"end_on": "2025-11-01"}, "O fim deve ser igual ou posterior ao início."),
    ({"participants": "-3"}, "não pode ser negativo"),
])
def test_invalid_input_is_422_and_kept(client, users, login, changes, message):
    login(users["partner_member"])
    response = client.post("/capacitacoes/nova", data={**VALID, **changes})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert 'value="Gestão de parcerias"' in body
    assert _count() == 0


def test_refused_file_type_is_422(client, users, login):
    login(users["partner_member"])
    response = client.post("/capacitacoes/nova", data={
        **VALID, "file": upload("x.html", b"<html><script>alert(1)</script></html>")})
    assert response.status_code == 422 and "não é de um tipo permitido" in response.get_data(
        as_text=True)
    assert _count() == 0


def test_edit_replaces_and_delete_with_htmx(client, users, login):
    record = _record(users, file=PDF)
    login(users["partner_member"])
    assert 'value="Curso A"' in client.get(f"/capacitacoes/{record.id}/editar").get_data(
        as_text=True)
    response = client.post(f"/capacitacoes/{record.id}/editar",
                           data={**VALID, "title": "Curso A revisto", "hours": "30"})
    assert response.status_code == 302
    assert db.session.get(TrainingRecord, record.id).hours == 30
    response = client.htmx(f"/capacitacoes/{record.id}/excluir", method="POST")
    assert response.status_code == 200 and "portal:toast" in response.headers["HX-Trigger"]
    assert response.get_data(as_text=True).lstrip().startswith('<div id="capacitacoes"')
    assert _count() == 0
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.object_type == "TrainingRecord").order_by(AuditEvent.id)).all()
    assert actions == ["training.created", "training.updated", "training.deleted"]


def test_delete_without_csrf_is_refused(client, users, login):
    record = _record(users)
    login(users["partner_member"])
    assert client.post(f"/capacitacoes/{record.id}/excluir", csrf=False).status_code == 400
    assert _count() == 1


def test_download_is_authorised_and_audited(client, users, login):
    record = _record(users, file=PDF)
    login(users["seges_reviewer"])
    response = client.get(f"/capacitacoes/{record.id}/arquivo")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert db.session.scalar(db.select(AuditEvent).where(
        AuditEvent.action == "training.file_downloaded")).actor_id == users["seges_reviewer"].id


def test_other_state_cannot_see_edit_delete_or_download(client, users, login):
    record = _record(users, file=PDF)
    login(users["other_manager"])
    for url in (f"/capacitacoes/{record.id}/editar", f"/capacitacoes/{record.id}/arquivo"):
        assert client.get(url).status_code == 403, url
        assert client.htmx(url).status_code == 403, url
    assert client.post(f"/capacitacoes/{record.id}/excluir").status_code == 403
    assert client.post(f"/capacitacoes/{record.id}/editar", data=VALID).status_code == 403
    assert "Curso A" not in client.get("/capacitacoes").get_data(as_text=True)
    assert _count() == 1


def test_seges_cannot_edit_a_partners_record(client, users, login):
    record = _record(users)
    login(users["seges_admin"])
    assert client.get(f"/capacitacoes/{record.id}/editar").status_code == 403
    assert client.post(f"/capacitacoes/{record.id}/excluir").status_code == 403


def test_2_2_deliverable_page_shows_progress_and_prefills_the_report(client, users, login, act):
    mg = users["partner_member"].institution_id
    year_one = deliverable_of(act, "2.2", mg)
    _record(users, hours=24)
    login(users["partner_member"])
    body = client.get(f"/entregas/{year_one.id}").get_data(as_text=True)
    assert "24 h em 1 capacitação" in body and "de 60 h exigidas" in body
    assert "Preencher relato com as capacitações registradas" in body
    assert f'action="/entregas/{year_one.id}/relato-capacitacoes"' in body  # a form, not text
    other = deliverable_of(act, "1.2", mg)
    assert "Preencher relato" not in client.get(f"/entregas/{other.id}").get_data(as_text=True)
    response = client.post(f"/entregas/{year_one.id}/relato-capacitacoes")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/entregas/{year_one.id}")
    page = client.get(f"/entregas/{year_one.id}").get_data(as_text=True)
    assert "Total: 24 h de 60 h exigidas" in page
    assert client.post(f"/entregas/{other.id}/relato-capacitacoes").status_code == 404


def test_prefill_is_refused_to_seges_and_other_states(client, users, login, act):
    year_one = deliverable_of(act, "2.2", users["partner_member"].institution_id)
    for role in ("seges_reviewer", "other_manager"):
        login(users[role])
        assert client.post(f"/entregas/{year_one.id}/relato-capacitacoes").status_code == 403
        client.post("/logout")
    reviewer_view = None
    login(users["seges_reviewer"])
    reviewer_view = client.get(f"/entregas/{year_one.id}").get_data(as_text=True)
    assert "Capacitação em 2025" in reviewer_view  # year one is the calendar year 2025
    assert "Preencher relato" not in reviewer_view
