"""Issue 20, point 6: no 500 from a URL. A query string can never become ``url_for``'s own
arguments (``_method``, ``_external``, ``_anchor``, ``_scheme``…): the links a page builds from
the current filters (pagination, tabs, exports) carry them as plain query arguments.

Every GET route without URL parameters, from the app's URL map, as anonymous and as each role,
is sent each control argument alone and all of them together: never a 500, and no link on the
page points to a host or scheme the same page without them does not.
"""

import html.parser
from urllib.parse import urlencode, urlsplit

import pytest
from flask import current_app

from tests import factories

CONTROL_ARGUMENTS = [
    ("_method", "POST"),
    ("_external", "1"),
    ("_anchor", "//evil.example/x"),
    ("_scheme", "javascript"),
    ("_host", "evil.example"),
    ("_external_host", "evil.example"),
]
ROLES = [None, "seges_admin", "seges_reviewer", "partner_manager", "partner_member"]
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-push-url"}


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.targets: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value and value not in ("true", "false"):
                parts = urlsplit(value.strip())
                if parts.scheme or parts.netloc:
                    self.targets.add(f"{parts.scheme}://{parts.netloc}")


def absolute_targets(response) -> set[str]:
    if response.mimetype != "text/html":
        return set()
    parser = _Links()
    parser.feed(response.get_data(as_text=True))
    return parser.targets


def fetch(client, url: str):
    """GET ``url`` and read the whole body (exports stream: their generator must finish here)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def get_routes() -> list[str]:
    return sorted(
        rule.rule for rule in current_app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_control_arguments_in_the_query_never_answer_500_nor_link_elsewhere(
    app, client, login, users, act, role
):
    for key in ("RATELIMIT_LOGIN_PER_IP", "RATELIMIT_LOGIN_PER_ACCOUNT"):
        app.config[key] = "100000 per minute"
    factories.topic(users["partner_member"])
    if role:
        login(users[role])
    queries = [urlencode([pair]) for pair in CONTROL_ARGUMENTS]
    queries.append(urlencode([*CONTROL_ARGUMENTS, ("page", "2"), ("grupo", "atrasadas")]))
    problems = []
    for path in get_routes():
        if path == "/logout":
            continue
        baseline = fetch(client, path)
        allowed = absolute_targets(baseline)
        for query in queries:
            try:
                response = fetch(client, f"{path}?{query}")
            except Exception as error:  # TESTING propagates what would be a 500
                problems.append(f"{path}?{query}: {error!r}"[:300])
                continue
            if response.status_code >= 500:
                problems.append(f"{path}?{query}: {response.status_code}")
                continue
            foreign = absolute_targets(response) - allowed
            if foreign:
                problems.append(f"{path}?{query}: links to {sorted(foreign)}")
    assert not problems, "\n".join(problems)
