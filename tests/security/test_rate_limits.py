"""Rate limits: 429 with a Portuguese page (or fragment for htmx) and Retry-After.

The limits come from configuration (``RATELIMIT_*`` in portal/config.py, overridable as
``PORTAL_RATELIMIT_*``); here they are made tiny. Login has its own tests in
tests/auth/test_login.py; forum posting's message in tests/forum/test_forum_views.py.
"""

import io

import pytest

from portal import config
from portal.auth import tokens
from tests import factories
from tests.factories import PDF, topic

ENGLISH = ("per 1 minute", "per minute", "Too Many Requests", "rate limit")


def _assert_429_in_portuguese(response, *, htmx: bool = False, message: str = "Aguarde"):
    body = response.get_data(as_text=True)
    assert response.status_code == 429, body[:500]
    assert int(response.headers["Retry-After"]) > 0
    assert message in body
    assert not any(word in body for word in ENGLISH), body[:800]
    if htmx:
        assert "<html" not in body and response.headers["HX-Retarget"] == "#mensagens"
    else:
        assert '<html lang="pt-BR"' in body


def test_every_limit_is_a_configuration_key():
    for key in ("LOGIN_PER_IP", "LOGIN_PER_ACCOUNT", "PASSWORD_RESET", "FORUM_POSTS", "UPLOADS"):
        assert " per " in getattr(config, f"RATELIMIT_{key}")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_forgot_password_is_limited(app, client, users, htmx):
    app.config["RATELIMIT_PASSWORD_RESET"] = "2 per minute"
    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(2):
        response = client.post(
            "/senha/esqueci", data={"email": "gestor@mg.test"}, headers=headers
        )
        assert response.status_code in (200, 302)
    response = client.post("/senha/esqueci", data={"email": "gestor@mg.test"}, headers=headers)
    _assert_429_in_portuguese(response, htmx=htmx)


@pytest.mark.parametrize("purpose", ["reset", "activate"])
def test_setting_a_password_from_a_link_is_limited(app, client, users, purpose):
    """Reset and activation links: guessing or hammering the form gets 429."""
    app.config["RATELIMIT_PASSWORD_RESET"] = "2 per minute"
    user = users["partner_member"]
    if purpose == "activate":
        user.password_hash, user.activated_at = None, None
        factories.db.session.commit()
    path = "/senha/redefinir/" if purpose == "reset" else "/ativar/"
    token = tokens.make_token(user, purpose)
    weak = {"new_password": "123", "confirm": "123"}  # refused: the link stays usable
    assert [client.post(path + token, data=weak).status_code for _ in range(2)] == [422, 422]
    _assert_429_in_portuguese(client.post(path + token, data=weak))


def test_forum_posting_limit_sends_retry_after_and_an_htmx_fragment(app, client, users, login):
    app.config["RATELIMIT_FORUM_POSTS"] = "2 per minute"
    question = topic(users["partner_member"])
    login(users["partner_manager"])
    url = f"/forum/topicos/{question.id}/responder"
    assert [client.post(url, data={"body": f"Resposta {n}"}).status_code for n in range(2)] == [
        302, 302]
    response = client.htmx(url, method="POST", data={"body": "Mais uma"})
    _assert_429_in_portuguese(response, htmx=True, message="muitas mensagens")


def test_uploads_are_limited_per_user(app, client, users, login, painel):
    app.config["RATELIMIT_UPLOADS"] = "2 per minute"
    login(users["partner_member"])
    url = f"/entregas/{painel.id}/evidencias"

    def upload(n: int, htmx: bool = False):
        data = {"files": (io.BytesIO(PDF), f"oficio-{n}.pdf")}
        if htmx:
            return client.htmx(url, method="POST", data=data)
        return client.post(url, data=data)

    assert [upload(n, htmx=True).status_code for n in range(2)] == [200, 200]
    _assert_429_in_portuguese(upload(3, htmx=True), htmx=True)
    _assert_429_in_portuguese(upload(4))
    other = users["partner_manager"]  # the limit is per user, not per deliverable or IP
    client.post("/logout")
    login(other)
    assert upload(5, htmx=True).status_code == 200


def test_with_rate_limiting_off_the_app_starts_and_limits_nothing(database_uri, tmp_path,
                                                                  app_config, users):
    """``RATELIMIT_ENABLED = False`` (Flask-Limiter's switch) registers no check at all."""
    from portal import create_app

    unlimited = create_app({**app_config(database_uri, tmp_path), "RATELIMIT_ENABLED": False,
                            "RATELIMIT_PASSWORD_RESET": "1 per minute",
                            "WTF_CSRF_ENABLED": False})
    client = unlimited.test_client()
    for _ in range(3):
        with unlimited.app_context():
            response = client.post("/senha/esqueci", data={"email": "membro@mg.test"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_an_app_built_after_one_with_limits_off_limits_again(database_uri, tmp_path,
                                                             app_config, users):
    """Flask-Limiter keeps one switch between apps of a process: the next app must not
    inherit "off" (a test's order decided whether the limits in later tests counted)."""
    from portal import create_app

    base = {**app_config(database_uri, tmp_path), "RATELIMIT_PASSWORD_RESET": "1 per minute",
            "WTF_CSRF_ENABLED": False}
    create_app({**base, "RATELIMIT_ENABLED": False})
    limited = create_app(base)
    client = limited.test_client()
    statuses = []
    for _ in range(2):
        with limited.app_context():
            statuses.append(client.post("/senha/esqueci", data={"email": "membro@mg.test"})
                            .status_code)
    assert statuses == [302, 429]
