"""Prazos padrão da SEGES: the settings row, its service, and the page that sets it."""

from datetime import date

import pytest

from portal.core.exceptions import DomainError
from portal.core.models import AuditEvent
from portal.deliverables import deadlines
from portal.deliverables.models import DeadlineSettings
from portal.extensions import db

URL = "/configuracoes/prazos"
VALID = {
    "meeting_days": "5",
    "forum_days": "10",
    "course_change_days": "20",
    "business_days": "y",
    "followup_days_before_closing": "45",
}


def _row() -> DeadlineSettings:
    return db.session.scalar(db.select(DeadlineSettings))


def _audit_events() -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deadline_settings.updated")
    ).all()


# The service -------------------------------------------------------------------------------------


def test_the_settings_start_with_segess_defaults(app):
    row = deadlines.current()
    assert (row.meeting_days, row.forum_days, row.course_change_days) == (15, 15, 30)
    assert row.business_days is True and row.followup_days_before_closing == 30
    assert deadlines.current().id == row.id  # one row for the whole Rede


def test_updating_the_settings_sets_the_row_and_audits_what_changed(app, users):
    admin = users["seges_admin"]
    row = deadlines.update_settings(by=admin, meeting_days=5, business_days=False, forum_days=15)
    db.session.commit()
    assert (row.meeting_days, row.business_days, row.forum_days) == (5, False, 15)
    assert row.updated_by_id == admin.id
    [event] = _audit_events()
    assert event.actor_id == admin.id and event.object_type == "DeadlineSettings"
    assert event.object_id == row.id
    # Only what changed, before and after (forum_days was already 15).
    assert event.details == {"meeting_days": [15, 5], "business_days": [True, False]}


def test_saving_the_same_values_records_no_change(app, users):
    deadlines.update_settings(by=users["seges_admin"], meeting_days=15, business_days=True)
    db.session.commit()
    assert _audit_events() == [] and _row().updated_by_id is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("meeting_days", 0, "Informe um número inteiro de dias, de 1 a 365."),
        ("forum_days", 366, "Informe um número inteiro de dias, de 1 a 365."),
        ("course_change_days", "30", "Informe um número inteiro de dias, de 1 a 365."),
        ("meeting_days", True, "Informe um número inteiro de dias, de 1 a 365."),
        ("followup_days_before_closing", 181, "Informe um número inteiro de dias, de 0 a 180."),
        ("followup_days_before_closing", -1, "Informe um número inteiro de dias, de 0 a 180."),
        ("business_days", None, "Indique se a contagem é em dias úteis."),
    ],
)
def test_invalid_values_are_refused_in_portuguese_and_change_nothing(
    app, users, name, value, message
):
    values = {"meeting_days": 7, "forum_days": 9, name: value}
    with pytest.raises(DomainError) as refused:
        deadlines.update_settings(by=users["seges_admin"], **values)
    assert refused.value.message == message and refused.value.field == name
    row = deadlines.current()
    assert (row.meeting_days, row.forum_days) == (15, 15)  # nothing set, not even valid values
    assert _audit_events() == []


def test_zero_days_before_the_closing_is_allowed(app, users):
    deadlines.update_settings(by=users["seges_admin"], followup_days_before_closing=0)
    assert deadlines.current().followup_days_before_closing == 0


def test_an_unknown_setting_is_a_programming_error(app, users):
    with pytest.raises(TypeError):
        deadlines.update_settings(by=users["seges_admin"], weekend_days=2)


def test_five_business_days_after_christmas_eve_skip_holidays_and_weekends(app, users):
    deadlines.update_settings(by=users["seges_admin"], meeting_days=5, business_days=True)
    due, rule = deadlines.after_event("meeting", date(2026, 12, 24))
    # Thu 24/12/2026 → (Fri 25 Christmas, Sat 26, Sun 27) Mon 28 (1), Tue 29 (2), Wed 30 (3),
    # Thu 31 (4), (Fri 01/01/2027 New Year, Sat 02, Sun 03) Mon 04/01/2027 (5).
    assert due == date(2027, 1, 4)
    assert rule == "5 dias úteis após a reunião — prazo padrão definido pela SEGES"


# The page --------------------------------------------------------------------------------------


def test_admin_sees_the_settings_form_with_the_current_values(client, users, login):
    login(users["seges_admin"])
    response = client.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in page
    assert "<h1>Prazos padrão da SEGES</h1>" in page
    assert 'id="form-prazos-padrao"' in page and 'name="csrf_token"' in page
    assert 'name="meeting_days"' in page and 'value="15"' in page and 'value="30"' in page
    assert "Contar em dias úteis (sem sábados, domingos e feriados nacionais)" in page
    assert "são datas da SEGES, não prazos do Plano de Trabalho" in page
    assert "Nenhuma data padrão cai em sábado, domingo ou feriado nacional" in page
    assert "As datas das entregas que já existem não mudam." in page
    assert 'href="/configuracoes/prazos"' in page  # in the navigation
    assert "HX-Request" in response.headers["Vary"]


def test_the_htmx_request_gets_only_the_fragment(client, users, login):
    login(users["seges_admin"])
    response = client.htmx(URL)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<div id="prazos-padrao">')
    assert 'id="form-prazos-padrao"' in body and 'hx-target="#prazos-padrao"' in body


def test_admin_saves_the_settings_and_is_redirected_with_a_message(client, users, login):
    login(users["seges_admin"])
    response = client.post(URL, data=VALID)
    assert response.status_code == 302 and response.location.endswith(URL)
    row = _row()
    assert (row.meeting_days, row.forum_days, row.course_change_days) == (5, 10, 20)
    assert row.business_days is True and row.followup_days_before_closing == 45
    assert row.updated_by_id == users["seges_admin"].id
    assert len(_audit_events()) == 1
    page = client.get(URL).get_data(as_text=True)
    assert "Prazos padrão da SEGES salvos." in page
    assert "Última alteração em" in page and users["seges_admin"].name in page


def test_unchecking_business_days_counts_calendar_days(client, users, login):
    login(users["seges_admin"])
    data = {k: v for k, v in VALID.items() if k != "business_days"}
    assert client.post(URL, data=data).status_code == 302
    assert _row().business_days is False


def test_a_valid_htmx_post_redirects_the_whole_page(client, users, login):
    login(users["seges_admin"])
    response = client.htmx(URL, method="POST", data=VALID)
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith(URL)
    assert _row().meeting_days == 5


def test_invalid_input_is_refused_with_422_keeping_what_was_typed(client, users, login):
    login(users["seges_admin"])
    typed = {
        **VALID,
        "meeting_days": "0",
        "forum_days": "abc",
        "course_change_days": "",
        "followup_days_before_closing": "181",
    }
    response = client.post(URL, data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in page
    assert "Informe de 1 a 365 dias." in page
    assert "Informe um número inteiro." in page and "Campo obrigatório." in page
    assert "Informe de 0 a 180 dias." in page
    assert page.count('aria-invalid="true"') == 4
    for name, value in (
        ("meeting_days", "0"),
        ("forum_days", "abc"),
        ("followup_days_before_closing", "181"),
    ):
        assert f'name="{name}"' in page and f'value="{value}"' in page
    assert 'checked id="business_days" name="business_days" type="checkbox"' in page
    assert _row() is None or _row().meeting_days == 15
    assert _audit_events() == []


def test_invalid_htmx_post_returns_the_fragment_with_422(client, users, login):
    login(users["seges_admin"])
    response = client.htmx(URL, method="POST", data={**VALID, "meeting_days": "400"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body
    assert 'id="form-prazos-padrao"' in body and "Informe de 1 a 365 dias." in body
    assert 'value="400"' in body


def test_saving_needs_a_csrf_token(client, users, login):
    login(users["seges_admin"])
    response = client.post(URL, data=VALID, csrf=False)
    assert response.status_code == 400
    assert _row() is None or _row().meeting_days == 15


def test_reviewer_reads_the_values_but_cannot_change_them(client, users, login):
    login(users["seges_reviewer"])
    response = client.get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="prazos-padrao-valores"' in page and "15 dias úteis após a reunião" in page
    assert "30 dias antes do fechamento do Relatório Anual (31/03)" in page
    assert "<form" not in page.split('id="prazos-padrao"')[1]  # read-only
    assert "Só a administração da SEGES altera estes prazos." in page
    assert client.post(URL, data=VALID).status_code == 403
    assert client.htmx(URL, method="POST", data=VALID).status_code == 403
    assert _row() is None or _row().meeting_days == 15


@pytest.mark.parametrize("role", ["partner_manager", "partner_member"])
def test_partners_cannot_see_or_change_the_settings(client, users, login, role):
    login(users[role])
    assert client.get(URL).status_code == 403
    assert client.htmx(URL).status_code == 403
    assert client.post(URL, data=VALID).status_code == 403
    assert 'href="/configuracoes/prazos"' not in client.get("/").get_data(as_text=True)
    assert _row() is None or _row().meeting_days == 15


def test_anonymous_is_sent_to_the_login(client, users):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.location
