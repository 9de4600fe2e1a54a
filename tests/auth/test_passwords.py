"""Password policy, change, reset by e-mail link and account activation."""

import pytest

from portal.auth import services
from portal.auth.models import User
from portal.auth.passwords import common_passwords, password_problem
from portal.extensions import db
from tests import factories


@pytest.mark.parametrize(
    "password, problem",
    [
        ("curta", "pelo menos 10"),
        ("1234567890", "muito comum"),
        ("qwertyuiop", "muito comum"),
        ("aaaaaaaaaaaa", "muito comum"),
        ("gestor@mg.test", "igual ao seu e-mail"),
    ],
)
def test_weak_passwords_are_refused(app, password, problem):
    assert problem in password_problem(password, email="gestor@mg.test", name="Gestor")


def test_a_long_passphrase_without_composition_rules_is_accepted(app):
    assert password_problem("cavalo bateria grampo correto", email="a@b.c") is None


def test_the_blocklist_has_at_least_ten_thousand_entries():
    assert len(common_passwords()) >= 10_000
    assert {"123456", "password", "qwerty"} <= common_passwords()
    assert not any(p.startswith("#") for p in common_passwords())  # the licence header


def test_passwords_are_stored_hashed_with_scrypt(app, users):
    stored = users["partner_member"].password_hash
    assert stored.startswith("scrypt:") and factories.PASSWORD not in stored


def test_change_password_requires_the_current_one(client, users, login):
    login(users["partner_member"])
    response = client.post(
        "/conta/senha",
        data={
            "current_password": "errada-errada",
            "new_password": "nova senha bem longa",
            "confirm": "nova senha bem longa",
        },
    )
    assert response.status_code == 422
    assert "A senha atual está incorreta." in response.get_data(as_text=True)


def test_change_password_keeps_this_session_and_ends_the_others(app, client, users, login):
    other = app.test_client()
    other.post("/login", data={"email": "membro@mg.test", "password": factories.PASSWORD})
    login(users["partner_member"])
    response = client.post(
        "/conta/senha",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "nova senha bem longa",
            "confirm": "nova senha bem longa",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": "membro@mg.test", "password": "nova senha bem longa"}
        ).status_code
        == 302
    )


def test_change_password_rejects_mismatch_and_common_password(client, users, login):
    login(users["partner_member"])
    response = client.post(
        "/conta/senha",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "1234567890",
            "confirm": "1234567890",
        },
    )
    assert response.status_code == 422
    assert "muito comum" in response.get_data(as_text=True)
    response = client.post(
        "/conta/senha",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "uma senha longa 1",
            "confirm": "outra senha longa",
        },
    )
    assert "As senhas não conferem." in response.get_data(as_text=True)


def test_password_reset_link_works_once(client, users, outbox):
    response = client.post("/senha/esqueci", data={"email": "membro@mg.test"})
    assert response.status_code == 302
    assert len(outbox) == 1 and outbox[0]["To"] == "membro@mg.test"
    link = factories.mailed_link(outbox)
    assert client.get(link).status_code == 200
    data = {"new_password": "redefinida com sucesso", "confirm": "redefinida com sucesso"}
    assert client.post(link, data=data).status_code == 302
    assert (
        client.post(
            "/login", data={"email": "membro@mg.test", "password": "redefinida com sucesso"}
        ).status_code
        == 302
    )
    client.post("/logout")
    again = client.post(link, data=data)
    assert again.status_code == 302 and again.headers["Location"] == "/senha/esqueci"


def test_reset_links_use_the_public_url_whatever_host_the_request_names(app, users, outbox):
    app.config["PUBLIC_URL"] = "https://rede.exemplo.gov.br"
    with app.test_request_context("/senha/esqueci", base_url="http://evil.example/"):
        services.request_password_reset("membro@mg.test")
        db.session.commit()  # the e-mail leaves with the request's commit
    body = outbox[0].get_content()
    assert "https://rede.exemplo.gov.br/senha/redefinir/" in body
    assert "evil.example" not in body


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, outbox):
    response = client.post(
        "/senha/esqueci", data={"email": "ninguem@x.test"}, follow_redirects=True
    )
    assert "Se o e-mail estiver cadastrado" in response.get_data(as_text=True)
    assert outbox == []


def test_tampered_reset_link_is_refused(client, users, outbox):
    client.post("/senha/esqueci", data={"email": "membro@mg.test"})
    response = client.get(factories.mailed_link(outbox) + "x", follow_redirects=True)
    assert "inválido, já foi usado ou expirou" in response.get_data(as_text=True)


def test_invited_user_activates_the_account_and_logs_in(client, users, outbox):
    user = services.invite_user(
        by=users["partner_manager"],
        email="novo@mg.test",
        name="Nova Pessoa",
        role="partner_member",
        institution=users["partner_manager"].institution,
    )
    assert user.is_pending_activation and user.password_hash is None
    assert (
        client.post(
            "/login", data={"email": "novo@mg.test", "password": "qualquer coisa longa"}
        ).status_code
        == 422
    )
    link = factories.mailed_link(outbox)
    assert link.startswith("/ativar/")
    data = {"new_password": "minha senha nova!", "confirm": "minha senha nova!"}
    assert client.post(link, data=data).status_code == 302
    assert db.session.get(User, user.id).activated_at is not None
    assert (
        client.post(
            "/login", data={"email": "novo@mg.test", "password": "minha senha nova!"}
        ).status_code
        == 302
    )
