"""gov.br fixtures: the local OpenID provider (tests/oidc_provider/, one per xdist worker) and
the app pointed at it; helpers to go through the flow with the test client."""

import pytest

from tests import factories
from tests.govbr_provider import PASSWORD, PRATA_CPF, provider_for_tests, provider_sign_in


@pytest.fixture(scope="session")
def govbr_provider():
    yield from provider_for_tests()


@pytest.fixture
def govbr(app, govbr_provider):
    """The app configured for the local provider (restored after the test)."""
    app.config.update(govbr_provider.portal_config())
    return govbr_provider


@pytest.fixture
def govbr_sign_in(client, govbr):
    """``govbr_sign_in(cpf)``: "Entrar com gov.br", the person signs in at the provider and
    consents; returns the portal's answer to the callback."""

    def sign_in(cpf: str, password: str = PASSWORD, *, start: str = "/login/govbr"):
        return client.get(govbr_callback_url(client, cpf, password, start=start))

    return sign_in


def govbr_callback_url(client, cpf: str, password: str = PASSWORD, *,
                       start: str = "/login/govbr", method: str = "GET") -> str:
    """Where the provider sends the browser back (the callback, not yet opened)."""
    response = client.open(start, method=method)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return provider_sign_in(response.headers["Location"], cpf, password)


@pytest.fixture
def mg(users):
    return users["partner_manager"].institution


@pytest.fixture
def manager_with_cpf(mg):
    return factories.user("gestora@mg.test", "partner_manager", mg, cpf=PRATA_CPF,
                          name="Gabriela Gestora")
