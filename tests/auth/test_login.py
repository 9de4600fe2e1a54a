"""Login, logout, sessions and rate limits."""

import time
from datetime import timedelta

from portal import create_app
from portal.auth.models import User
from portal.core.models import AuditEvent
from portal.extensions import db
from tests import factories


def _actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_login_page_renders_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="email"' in body and 'name="password"' in body and "Entrar" in body


def test_partner_logs_in_and_sees_home_with_name_and_institution(client, users, login):
    login(users["partner_member"])
    body = client.get("/").get_data(as_text=True)
    assert users["partner_member"].name in body
    assert "SCC/MG" in body and "Membro do parceiro" in body
    assert _actions() == ["auth.login"]


def test_login_accepts_email_in_any_case(client, users):
    response = client.post(
        "/login", data={"email": "  GESTOR@mg.TEST ", "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def test_wrong_password_is_422_with_message_and_keeps_the_email(client, users):
    response = client.post("/login", data={"email": "gestor@mg.test", "password": "errada-123456"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "E-mail ou senha incorretos." in body
    assert 'value="gestor@mg.test"' in body
    assert _actions() == ["auth.login_failed"]


def test_unknown_email_gets_the_same_message(client, users):
    response = client.post("/login", data={"email": "ninguem@x.test", "password": "x" * 12})
    assert response.status_code == 422
    assert "E-mail ou senha incorretos." in response.get_data(as_text=True)


def test_empty_fields_are_422_next_to_the_fields(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.count("Campo obrigatório.") == 2
    assert 'aria-invalid="true"' in body and 'aria-describedby="email-erro"' in body


def test_deactivated_user_cannot_log_in(client, users):
    users["partner_member"].active = False
    db.session.commit()
    response = client.post(
        "/login", data={"email": "membro@mg.test", "password": factories.PASSWORD}
    )
    assert response.status_code == 422


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/usuarios")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/usuarios")


def test_anonymous_htmx_request_gets_hx_redirect(client):
    response = client.htmx("/usuarios")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_login_redirects_only_to_local_next(client, users):
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": "gestor@mg.test", "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/usuarios", data={"email": "gestor@mg.test", "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/usuarios"


def test_login_starts_a_new_session(client, users):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    client.post("/login", data={"email": "gestor@mg.test", "password": factories.PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.permanent


def test_deactivation_ends_open_sessions(client, users, login):
    login(users["partner_member"])
    db.session.get(User, users["partner_member"].id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, users):
    response = client.post(
        "/login", data={"email": "gestor@mg.test", "password": factories.PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_development(app):
    production = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                             "PUBLIC_URL": "https://rede.exemplo.gov.br"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False  # testing


def test_idle_session_expires(app, client, users, login, monkeypatch):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=60)
    login(users["partner_member"])
    assert client.get("/").status_code == 200
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    assert client.get("/").status_code == 302


def test_twenty_wrong_passwords_for_one_account_get_429(client, users):
    statuses = [
        client.post(
            "/login",
            data={"email": "gestor@mg.test", "password": f"errada-{i:06d}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(20)
    ]
    assert statuses[0] == 422
    assert statuses[-1] == 429
    response = client.post(
        "/login",
        data={"email": "gestor@mg.test", "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert response.status_code == 429
    assert "Muitas tentativas" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_many_logins_from_one_ip_get_429(client, users):
    statuses = [
        client.post(
            "/login", data={"email": f"x{i}@y.test", "password": "qualquer-coisa"}
        ).status_code
        for i in range(31)
    ]
    assert statuses[-1] == 429
