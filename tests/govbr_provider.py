"""The local gov.br-like OpenID provider (tests/oidc_provider/, Node's oidc-provider): start and
stop it on 127.0.0.1 (a free port), and act as a person at its login and consent pages.

Tests use :func:`running_provider` from a session-scoped fixture (one provider per xdist
worker); :func:`provider_sign_in` plays the browser at the provider for test-client tests.
Development: ``python -m tests.govbr_provider --demo`` serves the demo identities (see README,
"Entrar com gov.br") until Ctrl+C.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "portal-rede-parcerias"
CLIENT_SECRET = "segredo-do-portal-de-teste"
PASSWORD = "senha-gov-br"
CALLBACK_PATH = "/login/govbr/retorno"
LOGOUT_RETURN_PATH = "/login"
BACKCHANNEL_PATH = "/login/govbr/logout-backchannel"

# The people the test provider knows (CPF → claims, password and confiabilidade level).
# Valid CPFs (check digits), none of them real.
PRATA_CPF = "61917459823"  # a partner manager's
BRONZE_CPF = "79641589539"  # only a bronze account
UNKNOWN_CPF = "57305851876"  # nobody in the portal
INVITED_CPF = "00938316095"  # an invitation by e-mail, no CPF in the portal yet
OURO_CPF = "44066082815"  # SEGES admin
TEST_IDENTITIES = {
    PRATA_CPF: {"name": "Gabriela Gestora", "email": "gestora@mg.test", "level": "prata"},
    BRONZE_CPF: {"name": "Bruno Bronze", "email": "bruno@mg.test", "level": "bronze"},
    UNKNOWN_CPF: {"name": "Pessoa Desconhecida", "email": "ninguem@fora.test",
                  "level": "ouro"},
    INVITED_CPF: {"name": "Ivone Convidada", "email": "convidada@mg.test", "level": "prata"},
    OURO_CPF: {"name": "Ana Administradora", "email": "admin@seges.test", "level": "ouro"},
}
# `make run GOVBR_DEV=1`: the demo's people (DESIGN.md), matched by their verified e-mail.
DEMO_IDENTITIES = {
    "75550947706": {"name": "Administração SEGES", "email": "admin@seges.exemplo.gov.br",
                    "level": "ouro"},
    "30893642983": {"name": "Gestor MG", "email": "gestor@mg.exemplo.gov.br", "level": "prata"},
    "73446016481": {"name": "Membro MG", "email": "membro@mg.exemplo.gov.br", "level": "bronze"},
}


@dataclass
class RunningProvider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def portal_config(self) -> dict:
        """The portal's configuration for this provider (keys as in portal/config.py)."""
        return {
            "GOVBR_ISSUER": self.issuer,
            "GOVBR_CLIENT_ID": self.client_id,
            "GOVBR_CLIENT_SECRET": self.client_secret,
            "GOVBR_LEVELS_URL": self.issuer + "/confiabilidades/v3/contas/{cpf}/niveis"
                                "?response-type=ids",
        }


class ProviderUnavailable(RuntimeError):
    """Node or the provider's packages are missing."""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ProviderUnavailable("node not found: apt-get install -y nodejs npm")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise ProviderUnavailable(
            f"oidc-provider not installed: run `npm ci` in {PROVIDER_DIR} (make test does)")
    return node


def provider_for_tests() -> Iterator[RunningProvider]:
    """The body of a session fixture: the provider with :data:`TEST_IDENTITIES`. Without Node
    or ``npm ci`` the tests that need it are skipped locally, but fail when CI=true."""
    try:
        _node()
    except ProviderUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))
    with running_provider() as provider:
        yield provider


@contextmanager
def running_provider(
    identities: dict | None = None,
    *,
    port: int = 0,
    portal_urls: tuple[str, ...] = ("http://127.0.0.1", "http://localhost"),
    backchannel_logout_uri: str = "http://localhost" + BACKCHANNEL_PATH,
) -> Iterator[RunningProvider]:
    """Start the provider (a free port unless ``port``) with ``identities`` (default
    :data:`TEST_IDENTITIES`, every password :data:`PASSWORD`); stop it when the block ends.
    Redirects go back to ``portal_urls`` (any port on a loopback address); logout tokens are
    posted to ``backchannel_logout_uri`` (by default an address nobody answers: the test
    client is not a server; the ID tokens carry ``sid`` all the same)."""
    people = {
        cpf: {"password": PASSWORD, "email_verified": True, **person}
        for cpf, person in (identities or TEST_IDENTITIES).items()
    }
    config = {
        "host": "127.0.0.1",
        "port": port,
        "clients": [{
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [base + CALLBACK_PATH for base in portal_urls],
            "post_logout_redirect_uris": [base + LOGOUT_RETURN_PATH for base in portal_urls],
            "loopback_any_port": True,
            "backchannel_logout_uri": backchannel_logout_uri,
            "backchannel_logout_session_required": True,
        }],
        "identities": people,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(config, fh)
    process = subprocess.Popen(
        [_node(), "server.js", fh.name],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=None,  # the provider's errors go to the test's stderr
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the gov.br test provider did not start (exit {process.wait()})")
        issuer = json.loads(line)["issuer"]
        _wait_for(issuer + "/.well-known/openid-configuration")
        yield RunningProvider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        os.unlink(fh.name)


def _wait_for(url: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.1)


def provider_sign_in(
    authorize_url: str, cpf: str, password: str = PASSWORD, browser: requests.Session | None = None
) -> str:
    """Play the person at the provider: open ``authorize_url``, sign in with ``cpf`` and
    ``password``, consent; return the URL the provider sends the browser back to (the portal's
    callback, not followed). ``browser`` keeps the provider's cookies across calls."""
    browser = browser or requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = response.headers.get("Location")
        if response.status_code in (302, 303) and location:
            target = urljoin(response.url, location)
            if CALLBACK_PATH in target and "/interaction/" not in target:
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        html = response.text
        action = re.search(r'<form method="post" action="([^"]+)"', html)
        if response.status_code != 200 or action is None:
            raise AssertionError(f"unexpected provider page {response.status_code}: {html[:500]}")
        data = {"cpf": cpf, "senha": password} if 'name="cpf"' in html else {}
        response = browser.post(urljoin(response.url, action.group(1)), data=data,
                                allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back to the portal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--portal", default="http://127.0.0.1:5000",
                        help="the portal's address (for the redirect URIs)")
    parser.add_argument("--demo", action="store_true", help="the demo's identities")
    args = parser.parse_args()
    # `make run` stops it with SIGTERM: leave through the block below, which stops Node too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    identities = DEMO_IDENTITIES if args.demo else TEST_IDENTITIES
    portal = args.portal.rstrip("/")
    with running_provider(identities, port=args.port, portal_urls=(portal,),
                          backchannel_logout_uri=portal + BACKCHANNEL_PATH) as provider:
        print(f"Provedor gov.br de teste em {provider.issuer} (Ctrl+C para parar)")
        for key, value in provider.portal_config().items():
            print(f"  PORTAL_{key}={value}")
        for cpf, person in identities.items():
            print(f"  CPF {cpf} / senha {PASSWORD}: {person['email']} ({person['level']})")
        sys.stdout.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
