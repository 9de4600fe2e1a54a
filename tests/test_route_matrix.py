"""Role × route matrix: every route of ``app.url_map`` with the expected status per role.

The matrix itself (``MATRIX`` in tests/factories.py, shared with tests/security) lists, for each
endpoint, the method, the url arguments and the statuses for anonymous, seges_admin,
seges_reviewer, partner_manager (MG) and partner_member (MG). A new route without a row there
fails ``test_every_route_has_a_declared_rule``. Objects belong to Minas Gerais;
other-institution access is covered per domain (IDOR tests).
"""

import pytest
from flask import url_for

from tests.factories import MATRIX, ROLES, UNSAFE_METHODS, resolve


def test_every_route_has_a_declared_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "declare the new routes in tests/factories.py"
    assert MATRIX.keys() - endpoints == set(), "MATRIX lists routes that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(e for e, row in MATRIX.items() if row[0] == "GET"))
def test_page_answers_each_role_as_declared(app, users, login, endpoint):
    """A GET changes nothing a status depends on, so the five roles ask in turn, each with a
    client of its own, for the same objects."""
    _method, arguments, statuses = MATRIX[endpoint]
    url = url_for(endpoint, **resolve(arguments, users))
    answered = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(users[role], client=client)
        response = client.get(url)
        response.close()
        answered[role] = response.status_code
    assert answered == dict(zip(ROLES, map(int, statuses.split()), strict=True)), f"GET {url}"


@pytest.mark.parametrize(
    "endpoint", sorted(e for e, row in MATRIX.items() if row[0] != "GET"))
@pytest.mark.parametrize("role", ROLES)
def test_action_answers_each_role_as_declared(app, client, users, login, endpoint, role):
    """A POST may change what the next role finds: each role on objects of its own."""
    method, arguments, statuses = MATRIX[endpoint]
    expected = int(statuses.split()[ROLES.index(role)])
    if role != "anonymous":
        login(users[role])
    url = url_for(endpoint, **resolve(arguments, users))
    response = client.open(url, method=method)
    response.close()
    assert response.status_code == expected, f"{method} {url} as {role}"


@pytest.mark.parametrize("endpoint", sorted(e for e, row in MATRIX.items() if row[1] != {}))
def test_htmx_fragment_requests_are_refused_to_roles_refused_the_page(
    app, client, users, login, endpoint
):
    method, arguments, statuses = MATRIX[endpoint]
    for role, status in zip(ROLES[1:], statuses.split()[1:], strict=True):
        if status != "403":
            continue
        login(users[role])
        response = client.htmx(url_for(endpoint, **resolve(arguments, users)), method=method)
        assert response.status_code == 403, f"{endpoint} as {role}"
        client.post("/logout")


def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, client, users, login):
    """Enumerated from the URL map: any rule accepting POST/PUT/PATCH/DELETE."""
    login(users["seges_admin"])
    checked = 0
    for rule in app.url_map.iter_rules():
        unsafe = rule.methods & UNSAFE_METHODS
        for method in sorted(unsafe):
            arguments = MATRIX[rule.endpoint][1] if rule.endpoint in MATRIX else {}
            url = url_for(rule.endpoint, **resolve(arguments, users))
            response = client.open(url, method=method, data={}, csrf=False)
            assert response.status_code == 400, f"{method} {url} accepted a request without CSRF"
            checked += 1
    assert checked >= 8
