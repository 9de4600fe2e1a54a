"""Fixtures for the security checks: one object of each kind and the forms the app renders."""

import pytest

from tests.deliverables.conftest import act, painel  # noqa: F401 - shared fixtures
from tests.security import surface


@pytest.fixture
def objects(users):
    return surface.world(users)


@pytest.fixture
def forms(client, login, users, objects):
    """endpoint → forms found by GETting every page as each role (and the anonymous pages)."""
    return surface.crawl(client, login, users, objects)


@pytest.fixture
def generous_limits(app):
    """Rate limits out of the way, for checks that send many requests on purpose."""
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            app.config[key] = "100000 per minute"
