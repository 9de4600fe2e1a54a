"""Role × route matrix: every route of ``app.url_map`` with the expected status per role.

The matrix itself (``MATRIX`` in tests/factories.py, shared with tests/security) lists, for each
endpoint, the method, the url arguments and the statuses for anonymous, seges_admin,
seges_reviewer, partner_manager (MG) and partner_member (MG). A new route without a row there
fails ``test_every_route_has_a_declared_rule``. Objects belong to Minas Gerais;
other-institution access is covered per domain (IDOR tests).
"""

import pytest
from flask import url_for

from tests.factories import MATRIX, ROLES, UNSAFE_METHODS, resolve, signed_in


def test_every_route_has_a_declared_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "declare the new routes in tests/factories.py"
    assert MATRIX.keys() - endpoints == set(), "MATRIX lists routes that no longer exist"


def _answers(app, users, endpoint: str, roles) -> tuple[str, dict, dict]:
    """The URL, and what each of ``roles`` answered and should have, asking in turn with a
    client of its own, on one set of objects."""
    method, arguments, statuses = MATRIX[endpoint]
    url = url_for(endpoint, **resolve(arguments, users))
    answered = {}
    for role in roles:
        client = app.test_client() if role == "anonymous" else signed_in(app, users[role].email)
        response = client.open(url, method=method)
        response.close()
        answered[role] = response.status_code
    expected = dict(zip(ROLES, map(int, statuses.split()), strict=True))
    return f"{method} {url}", answered, {role: expected[role] for role in roles}


@pytest.mark.parametrize("endpoint", sorted(e for e, row in MATRIX.items() if row[0] == "GET"))
def test_page_answers_each_role_as_declared(app, users, endpoint):
    """A GET changes nothing a status depends on: the five roles ask for the same objects."""
    asked, answered, expected = _answers(app, users, endpoint, ROLES)
    assert answered == expected, asked


def _actions():
    """(endpoint, roles) for each state-changing route: each role that may act on its own
    objects, and the roles refused it (403) together: a refusal changes nothing."""
    for endpoint, (method, _arguments, statuses) in sorted(MATRIX.items()):
        if method == "GET":
            continue
        refused = tuple(r for r, s in zip(ROLES, statuses.split(), strict=True) if s == "403")
        if refused:
            yield pytest.param(endpoint, refused, id=f"{endpoint}-refused")
        for role in ROLES:
            if role not in refused:
                yield pytest.param(endpoint, (role,), id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "roles"), list(_actions()))
def test_action_answers_each_role_as_declared(app, users, endpoint, roles):
    asked, answered, expected = _answers(app, users, endpoint, roles)
    assert answered == expected, asked


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
