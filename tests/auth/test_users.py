"""User management: SEGES admins manage everyone; partner managers their own institution."""

import pytest

from portal.auth.models import User
from portal.core.models import AuditEvent
from portal.extensions import db


def test_admin_lists_all_users_with_search_and_pagination(app, client, users, login):
    app.config["ITEMS_PER_PAGE"] = 2
    login(users["seges_admin"])
    page1 = client.get("/usuarios").get_data(as_text=True)
    assert "Página 1 de 3" in page1
    found = client.get("/usuarios?q=espírito").get_data(as_text=True)
    assert "gestor@es.test" in found and "gestor@mg.test" not in found


def test_user_search_is_an_htmx_fragment(client, users, login):
    login(users["seges_admin"])
    response = client.htmx("/usuarios?q=gestor")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="tabela-usuarios"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_partner_manager_sees_only_own_institution(client, users, login):
    login(users["partner_manager"])
    body = client.get("/usuarios").get_data(as_text=True)
    assert "membro@mg.test" in body and "gestor@es.test" not in body and "admin@seges" not in body


def test_partner_member_cannot_manage_users(client, users, login):
    login(users["partner_member"])
    assert client.get("/usuarios").status_code == 403
    mg = users["partner_member"].institution_id
    assert client.get(f"/instituicoes/{mg}/usuarios/convidar").status_code == 403


def test_manager_invites_a_member_of_own_institution(client, users, login, outbox):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={
            "name": "Pessoa Nova",
            "email": "Pessoa@MG.test",
            "cpf": "529.982.247-25",
            "phone": "(31) 3333-0000",
            "role": "partner_member",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "pessoa@mg.test"))
    assert user.institution_id == mg and user.role == "partner_member" and user.cpf == "52998224725"
    assert outbox[-1]["To"] == "pessoa@mg.test"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.invited"))


def test_manager_cannot_invite_into_another_institution(client, users, login):
    login(users["partner_manager"])
    es = users["other_manager"].institution_id
    response = client.post(
        f"/instituicoes/{es}/usuarios/convidar",
        data={"name": "Intrusa", "email": "intrusa@x.test", "role": "partner_member"},
    )
    assert response.status_code == 403
    assert db.session.scalar(db.select(User).where(User.email == "intrusa@x.test")) is None


def test_manager_cannot_grant_seges_roles(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={"name": "Quase Admin", "email": "quase@mg.test", "role": "seges_admin"},
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(User).where(User.email == "quase@mg.test")) is None


def test_invite_validation_errors_keep_the_input(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={
            "name": "Fulano de Tal",
            "email": "membro@mg.test",
            "cpf": "111.111.111-11",
            "role": "partner_member",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "CPF inválido" in body and 'value="Fulano de Tal"' in body


def test_duplicate_email_is_refused(client, users, login):
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    response = client.post(
        f"/instituicoes/{mg}/usuarios/convidar",
        data={"name": "Repetido", "email": "MEMBRO@mg.test", "role": "partner_member"},
    )
    assert response.status_code == 422
    assert "Já existe um usuário com este e-mail." in response.get_data(as_text=True)


def test_inviting_an_address_of_another_institution_reveals_nothing(client, users, login, outbox):
    """A manager cannot probe who has an account elsewhere: the answer is the usual one, no
    account is made, and the existing person is told."""
    login(users["partner_manager"])
    mg = users["partner_manager"].institution_id
    url = f"/instituicoes/{mg}/usuarios/convidar"
    known = client.post(url, data={"name": "Gestor ES", "email": "GESTOR@es.test",
                                   "role": "partner_member"}, follow_redirects=True)
    unknown = client.post(url, data={"name": "Pessoa Nova", "email": "nova@mg.test",
                                     "role": "partner_member"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "Convite enviado para gestor@es.test" in known.get_data(as_text=True)
    assert "Já existe" not in known.get_data(as_text=True)
    es_manager = db.session.get(User, users["other_manager"].id)
    assert es_manager.institution_id != mg  # untouched, still ES's
    notice = next(m for m in outbox if m["To"] == "gestor@es.test")
    assert "tentou convidar" in notice.get_body(("plain",)).get_content()
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "user.invited_existing"))


def test_manager_deactivates_a_member_and_their_session_ends(app, client, users, login):
    member = app.test_client()
    member.post("/login", data={"email": "membro@mg.test", "password": "senha-de-teste-longa"})
    login(users["partner_manager"])
    response = client.post(f"/usuarios/{users['partner_member'].id}/desativar")
    assert response.status_code == 302
    assert member.get("/").status_code == 302
    assert not db.session.get(User, users["partner_member"].id).active


@pytest.mark.parametrize("target", ["other_manager", "seges_reviewer"])
def test_manager_cannot_touch_users_of_others(client, users, login, target):
    login(users["partner_manager"])
    user_id = users[target].id
    assert client.post(f"/usuarios/{user_id}/desativar").status_code == 403
    assert client.get(f"/usuarios/{user_id}/editar").status_code == 403
    assert db.session.get(User, user_id).active


def test_nobody_deactivates_themselves(client, users, login):
    login(users["seges_admin"])
    assert client.post(f"/usuarios/{users['seges_admin'].id}/desativar").status_code == 403


def test_admin_changes_a_role_and_the_user_must_sign_in_again(app, client, users, login):
    member = app.test_client()
    member.post("/login", data={"email": "membro@mg.test", "password": "senha-de-teste-longa"})
    login(users["seges_admin"])
    response = client.post(
        f"/usuarios/{users['partner_member'].id}/editar",
        data={"name": "Membro Promovido", "cpf": "", "phone": "", "role": "partner_manager"},
    )
    assert response.status_code == 302
    user = db.session.get(User, users["partner_member"].id)
    assert user.role == "partner_manager" and user.name == "Membro Promovido"
    assert member.get("/").status_code == 302


def test_mass_assignment_is_ignored(client, users, login):
    login(users["partner_manager"])
    member = users["partner_member"]
    es = users["other_manager"].institution_id
    client.post(
        f"/usuarios/{member.id}/editar",
        data={
            "name": "Membro",
            "role": "partner_member",
            "institution_id": es,
            "active": "0",
            "email": "outro@x.test",
            "session_version": "99",
        },
    )
    user = db.session.get(User, member.id)
    assert user.institution_id != es and user.active and user.email == "membro@mg.test"


def test_cpf_is_masked_in_the_account_page(client, users, login):
    users["partner_member"].cpf = "52998224725"
    db.session.commit()
    login(users["partner_member"])
    body = client.get("/conta").get_data(as_text=True)
    assert "***.982.247-**" in body and "529.982.247-25" not in body
