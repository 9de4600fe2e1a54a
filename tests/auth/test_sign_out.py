"""Signing out (issue 17, point 7): "Sair" ends this browser's session only; "Sair de todos os
dispositivos", on the account page, ends every session of the account, this one included."""

import time
from datetime import timedelta

import pytest
from flask_login import login_user

from portal.auth import services, sessions
from portal.auth.models import EndedSession, User
from portal.core.models import AuditEvent, utcnow
from portal.extensions import db
from tests import factories

COOKIE = "portal_session"
EVERYWHERE = "/conta/sair-de-todos"


def _signed_in(app, email: str = "gestor@mg.test"):
    return factories.signed_in(app, email)


def _is_signed_in(browser) -> bool:
    response = browser.get("/")
    response.close()
    return response.status_code == 200


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def _actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _text(response) -> str:
    return response.get_data(as_text=True)


# "Sair": this browser only ------------------------------------------------------------------


def test_logout_in_one_browser_keeps_the_other_signed_in(app, users):
    first, second = _signed_in(app), _signed_in(app)
    assert first.post("/logout").status_code == 302
    assert not _is_signed_in(first)
    assert _is_signed_in(second)
    [event] = _actions("auth.logout")
    assert event.actor_id == users["partner_manager"].id
    assert event.object_type == "User" and event.object_id == users["partner_manager"].id


def test_a_copy_of_the_cookie_taken_before_logout_is_refused_after_it(app, users):
    browser = _signed_in(app)
    stolen = browser.get_cookie(COOKIE).value
    assert _is_signed_in(_replay(app, stolen))
    browser.post("/logout")
    thief = _replay(app, stolen)
    assert not _is_signed_in(thief)
    # The refused login is dropped from the cookie the answer refreshes, too.
    with thief.session_transaction() as sess:
        assert "_user_id" not in sess and sessions.SESSION_ID not in sess


def test_logout_tells_the_user_it_ended_this_browser_only(client, users, login):
    login(users["partner_member"])
    body = _text(client.post("/logout", follow_redirects=True))
    assert "Você saiu do portal. Só este navegador foi desconectado" in body
    assert "Sair de todos os dispositivos" in body


def test_a_static_file_never_resends_the_session_cookie(client, users, login):
    """A font still loading when "Sair" answered used to arrive after it carrying the
    signed-in session, which the browser put back (losing "Você saiu do portal.")."""
    login(users["partner_member"])
    assert "Set-Cookie" in client.get("/conta").headers  # pages refresh the idle clock
    static = client.get("/static/css/portal.css")
    static.close()  # the file's handle
    assert static.status_code == 200 and "Set-Cookie" not in static.headers
    body = _text(client.post("/logout", follow_redirects=True))
    assert "Você saiu do portal." in body


@pytest.mark.parametrize("path", ["/favicon.ico", "/healthz"])
def test_the_icon_and_the_health_check_never_resend_the_session_cookie(client, users, login, path):
    """Chromium asks for the icon on its own, after a page has loaded: answered after "Sair",
    it put the signed-in session back (seen in the browser tests)."""
    login(users["partner_member"])
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    body = _text(client.post("/logout", follow_redirects=True))
    assert "Você saiu do portal." in body


def test_a_static_file_is_kept_by_the_browser_across_session_cookies(client, users, login):
    """No "Vary: Cookie" on a static file: browsers would fetch the fonts and stylesheets
    again each time a page refreshes the session cookie."""
    login(users["partner_member"])
    page = client.get("/conta")
    assert "Cookie" in page.headers["Vary"]  # a page does differ by who is signed in
    static = client.get("/static/css/portal.css")
    static.close()
    assert static.status_code == 200 and "Cookie" not in static.headers.get("Vary", "")


def test_each_sign_in_is_a_session_of_its_own(app, users):
    first, second = _signed_in(app), _signed_in(app)
    with first.session_transaction() as one, second.session_transaction() as other:
        assert one[sessions.SESSION_ID] != other[sessions.SESSION_ID]


# "Sair de todos os dispositivos" ------------------------------------------------------------


def test_logout_everywhere_ends_every_session_this_one_included(app, users):
    manager = users["partner_manager"]
    version = manager.session_version
    first, second = _signed_in(app), _signed_in(app)
    kept = second.get_cookie(COOKIE).value
    response = first.post(EVERYWHERE, data={"confirmar": "sim"})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert not _is_signed_in(first) and not _is_signed_in(second)
    assert not _is_signed_in(_replay(app, kept))
    assert db.session.get(User, manager.id).session_version == version + 1
    [event] = _actions("auth.logout_everywhere")
    assert event.actor_id == manager.id and event.object_id == manager.id
    # Signing in again works, under the new version.
    assert _is_signed_in(_signed_in(app))


def test_logout_everywhere_says_what_happened(client, users, login):
    login(users["partner_member"])
    response = client.post(EVERYWHERE, data={"confirmar": "sim"}, follow_redirects=True)
    body = _text(response)
    assert "Você saiu do portal em todos os dispositivos" in body
    assert "foram encerradas, e esta também" in body
    assert 'name="password"' in body  # the login page


@pytest.mark.parametrize("boosted", [False, True])
def test_logout_everywhere_by_htmx_loads_the_login_page_afresh(app, users, boosted):
    """The account page's form asks first (hx-confirm): an htmx post is a confirmed one."""
    first, second = _signed_in(app), _signed_in(app)
    headers = {"HX-Boosted": "true"} if boosted else {}
    response = first.htmx(EVERYWHERE, method="POST", headers=headers)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith("/login")
    assert not _is_signed_in(first) and not _is_signed_in(second)


def test_a_post_without_javascript_asks_for_confirmation_first(app, users):
    first, second = _signed_in(app), _signed_in(app)
    response = first.post(EVERYWHERE)  # the account page's form, hx-confirm not run
    body = _text(response)
    assert response.status_code == 200
    assert "<h1>Sair de todos os dispositivos?</h1>" in body
    assert 'name="confirmar" value="sim"' in body
    assert "Sim, sair de todos os dispositivos" in body
    assert _is_signed_in(first) and _is_signed_in(second)
    assert _actions("auth.logout_everywhere") == []


def test_the_confirmation_page_is_a_page_and_a_fragment(client, users, login):
    login(users["partner_member"])
    page = client.get(EVERYWHERE)
    assert page.status_code == 200 and "<html" in _text(page)
    assert "Para sair só deste navegador" in _text(page)
    fragment = client.htmx(EVERYWHERE)
    assert fragment.status_code == 200
    assert "<html" not in _text(fragment) and 'id="sair-de-todos"' in _text(fragment)
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_the_account_page_offers_it_with_a_confirmation(client, users, login):
    login(users["partner_member"])
    body = _text(client.get("/conta"))
    assert f'action="{EVERYWHERE}"' in body
    assert 'hx-confirm="Sair de todos os dispositivos?' in body
    assert "encerra a sessão só neste navegador" in body


@pytest.mark.parametrize("path", ["/logout", EVERYWHERE])
def test_signing_out_needs_the_csrf_token(app, users, path):
    first, second = _signed_in(app), _signed_in(app)
    response = first.post(path, data={"confirmar": "sim"}, csrf=False)
    assert response.status_code == 400
    assert _is_signed_in(first) and _is_signed_in(second)


def test_logout_everywhere_needs_a_signed_in_user(client, users):
    for response in (client.get(EVERYWHERE), client.post(EVERYWHERE, data={"confirmar": "sim"})):
        assert response.status_code == 302
        assert "/login" in response.location
    assert _actions("auth.logout_everywhere") == []


def test_logout_needs_a_signed_in_user(client):
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.location


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, users):
    first, second = _signed_in(app), _signed_in(app)
    new = "uma-senha-nova-bem-longa"
    response = first.post("/conta/senha", data={
        "current_password": factories.PASSWORD, "new_password": new, "confirm": new})
    assert response.status_code == 302
    assert _is_signed_in(first) and not _is_signed_in(second)
    assert first.post("/logout").status_code == 302  # and this one can still sign out alone
    assert not _is_signed_in(first)


# Limits of a session ------------------------------------------------------------------------


def test_a_cookie_without_a_session_id_is_not_signed_in(app, users):
    """Cookies issued before sessions had ids (or forged without one) sign in again."""
    browser = _signed_in(app)
    with browser.session_transaction() as sess:
        del sess[sessions.SESSION_ID]
    assert not _is_signed_in(browser)


def test_a_session_lives_at_most_session_max_days_however_active(app, users, monkeypatch):
    app.config["SESSION_MAX_DAYS"] = 2
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=7)  # idle expiry out of the way
    browser = _signed_in(app)
    start = time.time()
    monkeypatch.setattr(time, "time", lambda: start + 47 * 3600)
    assert _is_signed_in(browser)
    monkeypatch.setattr(time, "time", lambda: start + 49 * 3600)
    assert not _is_signed_in(browser)


def test_ended_session_ids_are_dropped_once_no_cookie_could_use_them(app, users):
    manager = users["partner_manager"]
    old = EndedSession(id="antiga", user_id=manager.id, ended_at=utcnow() - timedelta(days=31))
    recent = EndedSession(id="recente", user_id=manager.id, ended_at=utcnow() - timedelta(days=1))
    db.session.add_all([old, recent])
    db.session.commit()
    _signed_in(app).post("/logout")
    kept = set(db.session.scalars(db.select(EndedSession.id)))
    assert "antiga" not in kept and "recente" in kept and len(kept) == 2


def test_logout_everywhere_forgets_the_users_ended_ids(app, users):
    """The new version already refuses every older cookie: the ids are of no use."""
    _signed_in(app).post("/logout")
    assert db.session.scalar(db.select(db.func.count(EndedSession.id))) == 1
    _signed_in(app).post(EVERYWHERE, data={"confirmar": "sim"})
    assert db.session.scalar(db.select(db.func.count(EndedSession.id))) == 0


def test_end_session_service_records_this_session_once(app, users):
    manager = users["partner_manager"]
    with app.test_request_context("/logout", method="POST"):
        login_user(manager)
        sessions.new_session_id()
        session_id = sessions.current_session_id()
        services.end_session(manager)
        assert sessions.current_session_id() is None
    assert db.session.get(EndedSession, session_id).user_id == manager.id
    assert manager.session_version == 1  # the other sessions are left alone
