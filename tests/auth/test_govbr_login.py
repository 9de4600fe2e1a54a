"""Entrar com gov.br against the local OpenID provider: who may enter, links, levels,
sessions and the password fallback."""

from portal.auth import govbr
from portal.auth.models import User
from portal.core.models import AuditEvent
from portal.extensions import db
from tests import factories
from tests.govbr_provider import BRONZE_CPF, INVITED_CPF, PRATA_CPF, UNKNOWN_CPF


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_registered_partner_enters_with_govbr_and_gets_the_portals_own_session(
    client, govbr_sign_in, manager_with_cpf
):
    response = govbr_sign_in(PRATA_CPF)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Gabriela Gestora" in home.get_data(as_text=True)
    db.session.refresh(manager_with_cpf)
    assert manager_with_cpf.govbr_linked
    login = _events("auth.login")[-1]
    assert login.actor_id == manager_with_cpf.id and login.details["method"] == "govbr"
    assert login.details["level"] == "prata"
    assert _events("auth.govbr_linked")[0].details == {"how": "login"}
    with client.session_transaction() as sess:
        assert sess.get("sid") and sess.get(govbr.SESSION_ID_TOKEN)


def test_the_govbr_button_shows_only_when_govbr_is_configured(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert "Entrar com" not in page and 'name="password"' in page
    assert client.get("/login/govbr").status_code == 404
    app.config.update(GOVBR_ISSUER="https://sso.staging.acesso.gov.br", GOVBR_CLIENT_ID="x")
    page = client.get("/login").get_data(as_text=True)
    assert 'class="br-sign-in primary"' in page and "gov.br</span>" in page
    assert 'name="password"' in page  # the password form stays, as the fallback


def test_the_flow_asks_for_pkce_s256_state_nonce_and_govbrs_scopes(client, govbr):
    response = client.get("/login/govbr")
    location = response.headers["Location"]
    assert location.startswith(govbr.issuer + "/auth?")
    for part in ("code_challenge_method=S256", "code_challenge=", "state=", "nonce=",
                 "response_type=code",
                 "scope=openid+email+profile+govbr_confiabilidades",
                 "redirect_uri=http%3A%2F%2Flocalhost%2Flogin%2Fgovbr%2Fretorno"):
        assert part in location, part


def test_an_unknown_cpf_is_refused_with_who_to_ask(client, govbr_sign_in, users):
    response = govbr_sign_in(UNKNOWN_CPF)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Não há no Portal da Rede de Parcerias uma conta para o CPF ***.058.518-**" in page
    assert "coordenador(a) da Rede de Parcerias na sua instituição" in page
    assert client.get("/").status_code == 302  # not signed in
    refused = _events("auth.govbr_refused")
    assert [e.details["reason"] for e in refused] == ["unknown_cpf"]
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(
        User.cpf == UNKNOWN_CPF)) == 0  # no self-registration


def test_a_bronze_account_is_refused_for_a_role_that_requires_prata(
    client, govbr_sign_in, mg
):
    manager = factories.user("bruno@mg.test", "partner_manager", mg, cpf=BRONZE_CPF)
    response = govbr_sign_in(BRONZE_CPF)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "nível Bronze" in page and "exige pelo menos o nível Prata" in page
    assert "Nível da conta" in page  # how to raise it
    assert client.get("/").status_code == 302
    event = _events("auth.govbr_refused")[0]
    assert event.actor_id is None and event.object_id == manager.id
    assert event.details == {"reason": "level", "level": "bronze", "required": "prata"}


def test_bronze_is_enough_for_a_partner_member_by_default(client, govbr_sign_in, mg):
    factories.user("bruno@mg.test", "partner_member", mg, cpf=BRONZE_CPF)
    assert govbr_sign_in(BRONZE_CPF).status_code == 302
    assert client.get("/").status_code == 200


def test_seges_raises_the_level_a_role_needs(client, login, users, govbr_sign_in, mg):
    factories.user("bruno@mg.test", "partner_member", mg, cpf=BRONZE_CPF)
    login(users["seges_admin"])
    page = client.get("/administracao/govbr")
    assert page.status_code == 200
    response = client.post("/administracao/govbr", data={
        "seges_admin": "ouro", "seges_reviewer": "prata", "partner_manager": "prata",
        "partner_member": "prata"})
    assert response.status_code == 302
    assert govbr.required_levels()["partner_member"] == "prata"
    assert _events("govbr.levels_changed")[0].details == {
        "changes": {"seges_admin": "prata → ouro", "partner_member": "bronze → prata"}}
    client.post("/logout")
    response = govbr_sign_in(BRONZE_CPF)
    assert response.status_code == 403
    assert "exige pelo menos o nível Prata" in response.get_data(as_text=True)


def test_the_levels_form_refuses_an_unknown_level(client, login, users):
    login(users["seges_admin"])
    response = client.post("/administracao/govbr", data={
        "seges_admin": "platina", "seges_reviewer": "prata", "partner_manager": "prata",
        "partner_member": "bronze"})
    assert response.status_code == 422
    assert govbr.required_levels()["seges_admin"] == "prata"


def test_an_invitation_is_found_by_verified_email_and_gets_the_cpf(
    client, govbr_sign_in, users, mg, outbox
):
    from portal.auth import services

    invited = services.invite_user(by=users["seges_admin"], email="convidada@mg.test",
                                   name="Ivone Convidada", role="partner_member", institution=mg)
    db.session.commit()
    assert govbr_sign_in(INVITED_CPF).status_code == 302
    db.session.refresh(invited)
    assert invited.cpf == INVITED_CPF and invited.govbr_linked
    assert not invited.is_pending_activation
    assert client.get("/").status_code == 200


def test_an_email_match_never_overrides_another_cpf(client, govbr_sign_in, mg):
    # The e-mail gov.br gives belongs to an account registered with a different CPF.
    factories.user("convidada@mg.test", "partner_member", mg, cpf="52998224725")
    response = govbr_sign_in(INVITED_CPF)
    assert response.status_code == 403
    assert _events("auth.govbr_refused")[0].details["reason"] == "unknown_cpf"


def test_an_inactive_account_is_refused(client, govbr_sign_in, manager_with_cpf):
    manager_with_cpf.active = False
    db.session.commit()
    response = govbr_sign_in(PRATA_CPF)
    assert response.status_code == 403
    assert "desativada" in response.get_data(as_text=True)


def test_next_page_is_kept_through_govbr(client, govbr, manager_with_cpf):
    from tests.auth.conftest import govbr_callback_url

    url = govbr_callback_url(client, PRATA_CPF, start="/login/govbr?next=/forum/")
    response = client.get(url)
    assert response.headers["Location"] == "/forum/"


def test_unlink_and_link_again_from_the_account_page(client, login, govbr, manager_with_cpf):
    """Linking starts only from the account's own form (a POST with the CSRF token)."""
    from tests.auth.conftest import govbr_callback_url

    login(manager_with_cpf)
    page = client.get("/conta").get_data(as_text=True)
    assert "Vincular conta gov.br" in page
    confirm = client.get("/conta/govbr/vincular")
    assert confirm.status_code == 200 and "Continuar no" in confirm.get_data(as_text=True)
    # Its form's answer redirects to gov.br: the page's CSP lets it (and only it) go there.
    assert f"form-action 'self' {govbr.issuer};" in confirm.headers["Content-Security-Policy"]
    assert "form-action 'self';" in client.get("/conta").headers["Content-Security-Policy"]
    response = client.get(govbr_callback_url(client, PRATA_CPF, start="/conta/govbr/vincular",
                                             method="POST"))
    assert response.headers["Location"] == "/conta"
    db.session.refresh(manager_with_cpf)
    assert manager_with_cpf.govbr_linked
    assert _events("auth.govbr_linked")[0].details == {"how": "account"}
    assert "Desvincular conta gov.br" in client.get("/conta").get_data(as_text=True)

    assert client.post("/conta/govbr/desvincular").status_code == 302
    db.session.refresh(manager_with_cpf)
    assert not manager_with_cpf.govbr_linked and manager_with_cpf.govbr_opt_out
    assert len(_events("auth.govbr_unlinked")) == 1
    client.post("/logout")
    # Unlinked: gov.br no longer lets this person in by itself.
    response = client.get(govbr_callback_url(client, PRATA_CPF))
    assert response.status_code == 403
    assert "desvinculada do gov.br" in response.get_data(as_text=True)


def test_linking_with_someone_elses_govbr_account_is_refused(client, login, govbr, mg):
    from tests.auth.conftest import govbr_callback_url

    someone = factories.user("bruno@mg.test", "partner_member", mg, cpf=BRONZE_CPF)
    login(someone)
    response = client.get(govbr_callback_url(client, PRATA_CPF, start="/conta/govbr/vincular",
                                             method="POST"))
    assert response.status_code == 403
    assert "não é a do CPF cadastrado" in response.get_data(as_text=True)
    db.session.refresh(someone)
    assert not someone.govbr_linked and someone.cpf == BRONZE_CPF


def test_an_account_without_password_cannot_unlink(client, govbr_sign_in, manager_with_cpf):
    manager_with_cpf.password_hash = None
    db.session.commit()
    govbr_sign_in(PRATA_CPF)
    response = client.post("/conta/govbr/desvincular")
    assert response.status_code == 422
    db.session.refresh(manager_with_cpf)
    assert manager_with_cpf.govbr_linked


def test_sair_ends_the_portal_session_and_offers_govbrs_end_session(
    client, govbr, govbr_sign_in, manager_with_cpf
):
    govbr_sign_in(PRATA_CPF)
    with client.session_transaction() as sess:
        copied = dict(sess)
    response = client.post("/logout")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "Sair também do gov.br" in page
    assert govbr.issuer + "/session/end?id_token_hint=" in page
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Flogin" in page.replace("&amp;", "&")
    assert "Sair também do gov.br" not in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302
    # A copy of the session cookie taken before "Sair" is refused, as for a password session.
    with client.session_transaction() as sess:
        sess.update(copied)
    assert client.get("/").status_code == 302


def test_a_govbr_session_follows_the_idle_timeout(app, client, govbr_sign_in, manager_with_cpf):
    govbr_sign_in(PRATA_CPF)
    with client.session_transaction() as sess:
        assert sess.permanent
    assert app.permanent_session_lifetime.total_seconds() == 120 * 60


def test_password_login_off_leaves_only_break_glass_accounts(app, client, users):
    app.config.update(PASSWORD_LOGIN=False, BREAK_GLASS_EMAILS="admin@seges.test",
                      GOVBR_ISSUER="https://sso.staging.acesso.gov.br", GOVBR_CLIENT_ID="x")
    page = client.get("/login").get_data(as_text=True)
    assert "Acesso de emergência" in page
    response = client.post("/login", data={"email": "gestor@mg.test",
                                           "password": factories.PASSWORD})
    assert response.status_code == 422
    assert "entrada com e-mail e senha está desativada" in response.get_data(as_text=True)
    assert _events("auth.login_failed")[0].details["reason"] == "password_login_off"
    response = client.post("/login", data={"email": "admin@seges.test",
                                           "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_login_flag_is_read_from_the_environment_text(app):
    app.config["PASSWORD_LOGIN"] = "false"
    assert not govbr.password_login_enabled()
    app.config["PASSWORD_LOGIN"] = "true"
    assert govbr.password_login_enabled()


def test_with_password_login_off_the_answer_never_tells_whether_the_password_was_right(
    app, client, users
):
    app.config.update(PASSWORD_LOGIN=False, BREAK_GLASS_EMAILS=["admin@seges.test"])
    right = client.post("/login", data={"email": "gestor@mg.test",
                                        "password": factories.PASSWORD})
    wrong = client.post("/login", data={"email": "gestor@mg.test", "password": "errada-123456"})
    unknown = client.post("/login", data={"email": "ninguem@mg.test", "password": "x"})
    assert right.status_code == wrong.status_code == unknown.status_code == 422
    message = "entrada com e-mail e senha está desativada"
    assert all(message in r.get_data(as_text=True) for r in (right, wrong, unknown))
    # A break-glass account with a wrong password reads the usual refusal.
    refused = client.post("/login", data={"email": "admin@seges.test", "password": "errada"})
    assert "E-mail ou senha incorretos." in refused.get_data(as_text=True)


def test_each_flow_keeps_its_own_purpose_when_two_tabs_start_one(client, govbr, manager_with_cpf):
    from tests.auth.conftest import govbr_callback_url

    first = govbr_callback_url(client, PRATA_CPF, start="/login/govbr?next=/forum/")
    assert client.get("/login/govbr?next=/eventos/").status_code == 302  # another tab
    assert client.get(first).headers["Location"] == "/forum/"


def test_changing_a_linked_accounts_cpf_drops_the_link(client, govbr_sign_in, users,
                                                        manager_with_cpf):
    from portal.auth import services

    govbr_sign_in(PRATA_CPF)
    db.session.refresh(manager_with_cpf)
    assert manager_with_cpf.govbr_linked
    services.update_user(manager_with_cpf, by=users["seges_admin"], cpf="529.982.247-25")
    assert not manager_with_cpf.govbr_linked and manager_with_cpf.cpf == "52998224725"
    assert _events("user.updated")[-1].details["changes"] == {"cpf": "***",
                                                              "govbr": "desvinculado"}


def test_the_levels_address_defaults_to_govbrs_api_beside_the_issuer(app):
    app.config.update(GOVBR_LEVELS_URL=None, GOVBR_ISSUER="https://sso.acesso.gov.br/")
    assert govbr.levels_url("52998224725") == (
        "https://api.acesso.gov.br/confiabilidades/v3/contas/52998224725/niveis"
        "?response-type=ids")
    app.config["GOVBR_ISSUER"] = "https://sso.staging.acesso.gov.br"
    assert govbr.levels_url("52998224725").startswith("https://api.staging.acesso.gov.br/")


def test_a_link_elsewhere_cannot_start_linking(client, login, govbr, manager_with_cpf):
    login(manager_with_cpf)
    assert client.post("/conta/govbr/vincular", csrf=False).status_code == 400
    response = client.get("/conta/govbr/vincular")
    assert response.status_code == 200  # asks first; nothing sent to gov.br
    with client.session_transaction() as sess:
        assert not any(key.startswith("_state_govbr_") for key in sess)
