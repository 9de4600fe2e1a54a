"""gov.br's back-channel logout (OpenID Connect Back-Channel Logout 1.0): a signed logout token
ends the portal sessions its ``sid`` opened; anything else is refused with 400 and an audit
event. The tokens are crafted (joserfc) with a key the JWKS lists for the test; the real
provider's own back-channel call is in tests/browser/test_govbr_journey.py."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from portal.auth import govbr
from portal.auth.models import GovbrSession
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.govbr_provider import PRATA_CPF

KEY = RSAKey.generate_key(2048, parameters={"kid": "chave-backchannel", "use": "sig"})
ALIEN = RSAKey.generate_key(2048, parameters={"kid": "chave-backchannel"})
EVENT = {"http://schemas.openid.net/event/backchannel-logout": {}}
URL = "/login/govbr/logout-backchannel"


@pytest.fixture
def signed_in(client, govbr_sign_in, manager_with_cpf, monkeypatch):
    """The manager signed in with gov.br; the JWKS lists the test's key. Gives the sid."""
    assert govbr_sign_in(PRATA_CPF).status_code == 302
    with client.application.test_request_context():
        oauth = govbr.client()
        oauth.load_server_metadata()
    monkeypatch.setitem(oauth.server_metadata, "jwks", {"keys": [KEY.as_dict(private=False)]})
    (row,) = db.session.scalars(db.select(GovbrSession)).all()
    return row.sid


def _token(govbr_provider, key=KEY, **changes) -> str:
    claims = {"iss": govbr_provider.issuer, "aud": govbr_provider.client_id, "sub": PRATA_CPF,
              "iat": int(time.time()), "exp": int(time.time()) + 120, "jti": "j1",
              "events": EVENT}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": "chave-backchannel"}, claims, key)


def _actions() -> list[str]:
    db.session.expire_all()
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_a_govbr_sign_in_remembers_its_govbr_session(signed_in):
    assert signed_in  # the ID token's sid


def test_a_logout_token_for_the_sid_ends_that_portal_session(app, client, govbr, signed_in):
    other = app.test_client()  # gov.br itself: no cookie, no CSRF token
    response = other.post(URL, data={"logout_token": _token(govbr, sid=signed_in)}, csrf=False)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/").status_code == 302
    assert "auth.govbr_backchannel_logout" in _actions()
    assert db.session.scalars(db.select(GovbrSession)).all() == []


def test_a_logout_token_with_only_sub_ends_every_session_of_that_account(
    app, client, govbr, signed_in
):
    response = app.test_client().post(URL, data={"logout_token": _token(govbr)}, csrf=False)
    assert response.status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "changes",
    [{"aud": "outro-cliente"}, {"iss": "https://outro.example"}, {"events": None},
     {"events": {"outro": {}}}, {"nonce": "n"}, {"sub": None, "sid": None}, {"iat": None},
     {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}],
    ids=["audience", "issuer", "no-events", "other-event", "nonce", "no-sub-nor-sid", "no-iat",
         "expired"],
)
def test_a_bad_logout_token_is_refused_and_the_session_lives(
    app, client, govbr, signed_in, changes
):
    token = _token(govbr, **{"sid": signed_in, **changes})
    response = app.test_client().post(URL, data={"logout_token": token}, csrf=False)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request"}
    assert client.get("/").status_code == 200
    assert _actions()[-1] == "auth.govbr_backchannel_refused"


def test_a_logout_token_signed_by_another_key_is_refused(app, client, govbr, signed_in):
    token = _token(govbr, key=ALIEN, sid=signed_in)
    assert app.test_client().post(URL, data={"logout_token": token},
                                  csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_without_govbr_configured_the_endpoint_refuses(app, client):
    assert client.post(URL, data={"logout_token": "x"}, csrf=False).status_code == 400
