"""`make run GOVBR_DEV=1`: the local provider's demo identities let the demo's people in."""

import pytest

from portal.auth.models import User
from portal.extensions import db
from tests.govbr_provider import DEMO_IDENTITIES, provider_sign_in, running_provider


@pytest.fixture
def demo(app, govbr_provider):  # govbr_provider: skipped (or failed on CI) without Node
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demonstracao-segura"])
    assert result.exit_code == 0, result.output


def test_the_demo_identities_enter_as_the_demo_accounts(app, client, demo):
    with running_provider(DEMO_IDENTITIES) as provider:
        app.config.update(provider.portal_config())
        by_email = {person["email"]: cpf for cpf, person in DEMO_IDENTITIES.items()}
        for email, cpf in by_email.items():
            start = client.get("/login/govbr")
            response = client.get(provider_sign_in(start.headers["Location"], cpf))
            assert response.status_code == 302, (email, response.get_data(as_text=True)[:300])
            user = db.session.scalar(db.select(User).where(User.email == email))
            assert user.cpf == cpf and user.govbr_linked
            client.post("/logout")
