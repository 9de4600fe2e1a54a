"""The gov.br flow refuses what it must: a tampered state, a replayed code, and ID tokens with
a wrong nonce, another signer, an expiry in the past, another audience or issuer. Each is a
clear page in Portuguese and an audit event, never a 500, and nobody is signed in.

The state and the replayed code go through the real local provider; the bad ID tokens, which a
conformant provider never issues, are crafted with joserfc and a key of the test's own, in place
of the one the provider returned (the code exchange itself is real)."""

import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from portal.auth import govbr
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.auth.conftest import govbr_callback_url
from tests.govbr_provider import CLIENT_ID, PRATA_CPF


def _failures() -> list[dict]:
    db.session.expire_all()
    return [e.details for e in db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "auth.govbr_failed"))]


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_a_tampered_state_is_refused(client, govbr, manager_with_cpf):
    url = govbr_callback_url(client, PRATA_CPF)
    response = client.get(_with_query(url, state="estado-forjado"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "não corresponde a uma entrada iniciada neste navegador" in page
    assert _failures()[-1]["reason"] == "state"
    assert not _signed_in(client)


def test_a_callback_opened_in_another_browser_is_refused(app, client, govbr, manager_with_cpf):
    url = govbr_callback_url(client, PRATA_CPF)
    other = app.test_client()  # no state in its session: login CSRF is refused
    assert other.get(url).status_code == 400
    assert _failures()[-1]["reason"] == "state"


def test_a_replayed_code_is_refused_by_the_provider(client, govbr, manager_with_cpf):
    url = govbr_callback_url(client, PRATA_CPF)
    with client.session_transaction() as sess:
        pending = {k: v for k, v in sess.items() if k.startswith("_state_govbr_")}
    assert client.get(url).status_code == 302  # the code's first (and only) use
    client.post("/logout")
    with client.session_transaction() as sess:
        sess.update(pending)  # even with the state put back, the code is spent
    response = client.get(url)
    assert response.status_code == 400
    assert "não passou nas verificações de segurança" in response.get_data(as_text=True)
    assert _failures()[-1]["reason"] == "oauth:invalid_grant"
    assert not _signed_in(client)


def test_the_user_cancelling_at_govbr_is_told_so(client, govbr):
    client.get("/login/govbr")
    response = client.get("/login/govbr/retorno?error=access_denied&state=x")
    assert response.status_code == 400
    assert "Você cancelou a entrada com gov.br" in response.get_data(as_text=True)
    assert _failures()[-1]["reason"] == "oauth:access_denied"


def test_an_unreachable_provider_is_a_clear_page(app, client, govbr):
    app.config["GOVBR_ISSUER"] = "http://127.0.0.1:9"  # nothing listens there
    response = client.get("/login/govbr")
    assert response.status_code == 400
    assert "O gov.br não respondeu agora" in response.get_data(as_text=True)
    assert _failures()[-1]["reason"] == "discovery"


# Crafted ID tokens ---------------------------------------------------------------------------

KEY = RSAKey.generate_key(2048, parameters={"kid": "chave-do-teste", "use": "sig"})
ALIEN = RSAKey.generate_key(2048)


def _nonce(client) -> str:
    with client.session_transaction() as sess:
        (state,) = [v for k, v in sess.items() if k.startswith("_state_govbr_")]
    return state["data"]["nonce"]


@pytest.fixture
def crafted(client, govbr, monkeypatch):
    """``crafted(url, **claims)``: open the callback ``url``, the provider's ID token replaced
    by one with ``claims`` changed (``key=`` signs it, default a key the JWKS lists)."""

    def open_callback(url: str, *, key=KEY, kid: str = "chave-do-teste", alg="RS256", **changes):
        oauth = govbr_client = _client_of(client)
        now = int(time.time())
        claims = {"iss": govbr.issuer, "aud": govbr.client_id, "sub": PRATA_CPF,
                  "iat": now, "exp": now + 300, "nonce": _nonce(client),
                  "email": "gestora@mg.test", "email_verified": True, "name": "Gabriela"}
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        id_token = jwt.encode({"alg": alg, "kid": kid}, claims, key)
        real = oauth.fetch_access_token

        def fetch(**kwargs):
            token = real(**kwargs)
            token["id_token"] = id_token
            return token

        monkeypatch.setattr(govbr_client, "fetch_access_token", fetch)
        monkeypatch.setitem(oauth.server_metadata, "jwks",
                            {"keys": [KEY.as_dict(private=False)]})
        return client.get(url)

    return open_callback


def _client_of(client):
    with client.application.test_request_context():
        oauth = govbr.client()
        oauth.load_server_metadata()
        return oauth


def test_a_well_formed_crafted_token_passes(client, crafted, manager_with_cpf):
    """The control: the crafting itself is sound, so the refusals below are the checks."""
    response = crafted(govbr_callback_url(client, PRATA_CPF))
    assert response.status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"nonce": "outro-nonce"}, "id_token:nonce"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "id_token:expired"),
        ({"aud": "outro-cliente"}, "id_token:aud"),
        # Authlib alone lets this one through (an azp naming us): the portal checks aud itself.
        ({"aud": "outro-cliente", "azp": CLIENT_ID}, "id_token:aud"),
        ({"aud": ["outro-cliente", CLIENT_ID], "azp": "outro-cliente"}, "id_token:azp"),
        ({"iss": "https://sso.acesso.gov.br.falso.example"}, "id_token:iss"),
        ({"nonce": None}, "id_token:nonce"),
        ({"sub": "12345678900"}, "id_token:sub"),
    ],
    ids=["wrong-nonce", "expired", "wrong-audience", "wrong-audience-our-azp",
         "issued-to-another-party", "wrong-issuer",
         "no-nonce", "sub-not-cpf"],
)
def test_a_bad_id_token_is_refused(client, crafted, manager_with_cpf, changes, reason):
    response = crafted(govbr_callback_url(client, PRATA_CPF), **changes)
    assert response.status_code == 400
    assert "não passou nas verificações de segurança" in response.get_data(as_text=True)
    assert _failures()[-1]["reason"] == reason
    assert not _signed_in(client)


def test_an_id_token_signed_by_another_key_is_refused(client, crafted, manager_with_cpf):
    # The key id the JWKS lists, the signature of a key it does not.
    response = crafted(govbr_callback_url(client, PRATA_CPF), key=ALIEN)
    assert response.status_code == 400
    assert _failures()[-1]["reason"] == "id_token:bad_signature"
    assert not _signed_in(client)


def test_an_id_token_of_an_unknown_key_id_is_refused(client, crafted, manager_with_cpf):
    response = crafted(govbr_callback_url(client, PRATA_CPF), key=ALIEN, kid="desconhecida")
    assert response.status_code == 400
    assert _failures()[-1]["reason"].startswith("id_token:")
    assert not _signed_in(client)


def test_the_providers_real_jwks_has_the_key_that_signs_its_tokens(govbr):
    keys = requests.get(govbr.issuer + "/jwks", timeout=5).json()["keys"]
    assert keys and all("d" not in key for key in keys)  # public halves only
