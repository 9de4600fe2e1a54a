"""Sessions: what tests/auth/test_login.py and test_passwords.py do not already cover.

Already covered there and in tests/auth/test_sign_out.py: a planted session key does not
survive login, "Sair" ends this session (a replayed cookie included) and "Sair de todos os
dispositivos" every one, deactivation ends the open session, HttpOnly and
SameSite=Lax, SESSION_COOKIE_SECURE decided by the environment, idle expiry, password change
ending the other sessions. Here: replaying cookies captured at each step, the Secure flag on
the wire, a sliding (not absolute) idle window, and sign-out by link being impossible.
"""

import time
from datetime import timedelta

from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from tests import factories

COOKIE = "portal_session"


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get("/")


def test_cookie_from_before_login_is_not_a_logged_in_session(app, client, users):
    """Session fixation: a cookie an attacker obtained (or planted) before the victim signs
    in stays anonymous after the victim signs in with it."""
    client.get("/login")
    before = _cookie(client)
    client.post("/login", data={"email": "gestor@mg.test", "password": factories.PASSWORD})
    after = _cookie(client)
    assert after != before
    assert client.get("/").status_code == 200
    assert _replay(app, before).status_code == 302


def test_login_issues_a_fresh_csrf_secret(client, users):
    client.get("/login")
    with client.session_transaction() as sess:
        anonymous_secret = sess.get("csrf_token")
    assert anonymous_secret
    client.post("/login", data={"email": "gestor@mg.test", "password": factories.PASSWORD})
    client.get("/")
    with client.session_transaction() as sess:
        assert sess.get("csrf_token") != anonymous_secret


def test_cookie_replayed_after_deactivation_by_the_manager_fails(app, client, users, login):
    member = app.test_client()
    member.post("/login", data={"email": "membro@mg.test", "password": factories.PASSWORD})
    stolen = _cookie(member)
    assert _replay(app, stolen).status_code == 200
    login(users["partner_manager"])
    assert client.post(f"/usuarios/{users['partner_member'].id}/desativar").status_code == 302
    assert _replay(app, stolen).status_code == 302
    # Reactivated, the old cookie still does not come back to life.
    db.session.get(User, users["partner_member"].id).active = True
    db.session.commit()
    assert _replay(app, stolen).status_code == 302


def test_cookie_replayed_after_a_password_reset_fails(app, client, users, outbox):
    victim = app.test_client()
    victim.post("/login", data={"email": "membro@mg.test", "password": factories.PASSWORD})
    stolen = _cookie(victim)
    client.post("/senha/esqueci", data={"email": "membro@mg.test"})
    path = factories.mailed_link(outbox)
    new = "outra-senha-bem-longa-2026"
    assert client.post(path, data={"new_password": new, "confirm": new}).status_code == 302
    assert _replay(app, stolen).status_code == 302


def test_logout_leaves_an_anonymous_cookie_and_cannot_be_triggered_by_a_link(
    client, users, login
):
    login(users["partner_member"])
    assert client.get("/logout").status_code == 405  # a link or <img> cannot sign anyone out
    response = client.post("/logout")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Expires=" not in cookie  # only the flash message is left, for this browser session
    with client.session_transaction() as sess:
        assert "_user_id" not in sess and "csrf_token" not in sess


def _set_cookie_header(app) -> str:
    with app.app_context():
        institution = factories.institution(name="Instituição do Cookie", uf="SP")
        factories.user("cookie@sp.test", "partner_member", institution)
        response = app.test_client().post(
            "/login",
            data={"email": "cookie@sp.test", "password": factories.PASSWORD},
            base_url="https://localhost",
        )
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
        db.session.remove()
    return header


def test_cookie_flags_on_the_wire_in_production(database_uri, tmp_path):
    """The deployed configuration (not testing, not debug): Secure, HttpOnly, SameSite=Lax,
    host-only (no Domain), and expiring with the idle window."""
    app = create_app({
        "SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": database_uri,
        "UPLOAD_FOLDER": str(tmp_path), "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SERVER_NAME": "localhost",
        "PUBLIC_URL": "https://localhost",
    })
    try:
        header = _set_cookie_header(app)
    finally:
        with app.app_context():
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()
    attributes = [a.strip() for a in header.split(";")]
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes)
    assert not any(a.lower().startswith("domain=") for a in attributes)
    assert any(a.startswith("Expires=") for a in attributes)


def test_secure_flag_follows_portal_session_cookie_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "false")
    assert create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "PUBLIC_URL": "https://rede.exemplo.gov.br"}).config[
        "SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("PORTAL_SESSION_COOKIE_SECURE", "true")
    assert create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "TESTING": True}).config["SESSION_COOKIE_SECURE"] is True


def test_idle_window_slides_with_activity_and_expires_without_it(
    app, client, users, login, monkeypatch
):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=10)
    login(users["partner_member"])
    start = time.time()
    for minutes in (8, 16, 24):  # never 10 minutes idle: still signed in after 24
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/").status_code == 200, f"signed out after {minutes} min"
    monkeypatch.setattr(time, "time", lambda: start + 35 * 60)  # 11 minutes idle
    assert client.get("/").status_code == 302
