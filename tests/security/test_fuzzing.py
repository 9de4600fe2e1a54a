"""Hostile input into every form and every filter: never a 500.

Nothing is listed by hand: every POST route of the URL map is fuzzed with the fields of the
form that posts to it (found by GETting each page as each role, see ``surface.crawl``); every
GET page with the filters of the GET forms it renders, plus the usual pagination keys.
Each form is first filled the way a person would (so the other fields are valid and the
hostile one reaches the service and the database), then:

- a sweep puts each of ``hostile.EACH_FIELD`` (a number beyond INTEGER, NUL, 31/12/9999) into
  each field in turn, then each of ``hostile.ALL_FIELDS`` (a number beyond a float, a
  surrogate, 31/02/2026, 2026-13-45, two values for one) into all fields at once;
- hypothesis replaces one or two fields by generated values: control characters, invalid
  UTF-8, very long strings, huge numbers, impossible dates (2026-13-45), lists where a single
  value is expected (the name repeated), or leaves them out; with and without ``HX-Request``.

A crash is raised by the test client (PROPAGATE_EXCEPTIONS); every route's failures are
collected and reported together.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security import hostile, surface
from tests.test_route_matrix import MATRIX, ROLES

FORM = "application/x-www-form-urlencoded"
COMMON_QUERY_KEYS = ["page", "per_page", "q"]
# The one state the fuzzing world does not render a form for: a deactivated user's
# "reactivate" button. It takes no fields; it is posted to as the matrix allows.
UNDISCOVERED_OK = {"auth.reactivate_user"}


def _allowed_role(endpoint: str) -> str:
    statuses = MATRIX[endpoint][2].split()
    for role, status in zip(ROLES, statuses, strict=True):
        if role != "anonymous" and status[0] in "23":
            return role
    return "seges_admin"


def _post_targets(forms: dict, objects: dict) -> list[tuple[str, str, str, dict, dict]]:
    """(endpoint, role, url, {field: input type}, plausible data) for every POST route but
    logout."""
    targets = []
    for endpoint in surface.routes(surface.UNSAFE):
        if endpoint in surface.SESSION_ENDING:
            continue
        posted = [f for f in forms.get(endpoint, []) if f.method == "POST"]
        if posted:
            form = posted[0]
            path = form.action + (f"?{form.query}" if form.query else "")
            kinds = {n: form.fields[n].kind for n in form.names()}
            targets.append((endpoint, form.role, path, kinds, form.plausible()))
        else:
            url = surface.url(endpoint, objects)
            targets.append((endpoint, _allowed_role(endpoint), url, {}, {}))
    return targets


def _get_targets(forms: dict, objects: dict) -> list[tuple[str, str, str, dict, dict]]:
    """(endpoint, role, url, {parameter: "search"}, {}) for every page: its own filters (as the
    admin and as MG's manager: results depend on who asks), else only the common keys."""
    targets = []
    for endpoint, (method, _arguments, statuses) in sorted(MATRIX.items()):
        if method != "GET" or endpoint == "static":
            continue
        keys = sorted({n for f in forms.get(endpoint, []) if f.method == "GET" for n in f.names()})
        allowed = [r for r, s in zip(ROLES, statuses.split(), strict=True) if s == "200"]
        roles = [r for r in ("seges_admin", "partner_manager") if r in allowed]
        url = surface.url(endpoint, objects)
        if keys:
            names = dict.fromkeys([*keys, *COMMON_QUERY_KEYS], "search")
            targets += [(endpoint, role, url, names, {}) for role in roles]
        elif roles:
            targets.append((endpoint, roles[0], url, dict.fromkeys(COMMON_QUERY_KEYS, "other"), {}))
    return targets


def _send(client, method: str, path: str, pairs, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        separator = "&" if "?" in path else "?"
        response = client.get(f"{path}{separator}{hostile.encode(pairs)}", headers=headers)
    else:
        body = hostile.encode([("csrf_token", client.csrf_token()), *pairs])
        response = client.open(
            path, method="POST", data=body, content_type=FORM, headers=headers, csrf=False
        )
    response.close()
    return response


def _sweep(session, method, endpoint, role, path, kinds, base) -> None:
    for name, kind in kinds.items():
        for value in hostile.EACH_FIELD.get(kind, []):
            session.be(role)
            data = {n: v for n, v in base.items() if n != name}
            pairs = [*hostile.pairs_of(data), (name, value)]
            response = _send(session.client, method, path, pairs, htmx=True)
            assert response.status_code < 500, f"{name}={value[:20]!r}"
    for values in hostile.ALL_FIELDS if kinds else []:
        session.be(role)
        pairs = [(name, value) for name in kinds for value in values]
        response = _send(session.client, method, path, pairs, htmx=True)
        assert response.status_code < 500, f"every field = {values[0][:20]!r}"


def _hypothesis(session, method, endpoint, role, path, kinds, base) -> None:
    @hostile.FUZZ
    @given(pairs=hostile.form_values(list(kinds), base), htmx=st.booleans())
    def send(pairs, htmx):
        session.be(role)
        response = _send(session.client, method, path, pairs, htmx)
        assert response.status_code < 500, f"{endpoint} as {role}: {response.status_code}"

    send()


def _fuzz(app, client, users, targets, method: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True  # a crash surfaces as the exception itself
    session = surface.Session(client, users)
    failures = []
    for target in targets:
        # Pages without filters of their own only get the parser-breaking sweep on ?page= & co.
        checks = (_sweep,) if "other" in target[3].values() else (_sweep, _hypothesis)
        for check in checks:
            try:
                check(session, method, *target)
            except Exception as error:  # collect every route's failure, then report them all
                failures.append(f"{method} {target[0]} as {target[1]}: {error!r}"[:900])
    assert not failures, "\n".join(failures)


def test_hostile_form_input_never_answers_500(app, client, users, objects, forms, generous_limits):
    missing = set(surface.routes(surface.UNSAFE)) - set(forms) - surface.SESSION_ENDING
    assert missing <= UNDISCOVERED_OK, f"no rendered form posts to {sorted(missing)}"
    targets = _post_targets(forms, objects)
    assert sum(len(t[3]) for t in targets) >= 150, "the crawl found the forms' fields"
    _fuzz(app, client, users, targets, "POST")


def test_hostile_filters_never_answer_500(app, client, users, objects, forms, generous_limits):
    targets = _get_targets(forms, objects)
    filters = {n for t in targets for n in t[3]}
    assert {"situacao", "ordem", "acao", "parceiro", "espera"} <= filters
    _fuzz(app, client, users, targets, "GET")


@pytest.mark.parametrize(
    "value",
    [b"\x00", b"\xed\xa0\x80", b"\xff", b"9" * 4000, b"31/02/2026", b"-1"],
    ids=["nul", "surrogate", "invalid-utf8", "huge-number", "31-02", "negative"],
)
def test_hostile_ids_and_tokens_in_the_path_are_refused(app, client, users, login, value):
    app.config["PROPAGATE_EXCEPTIONS"] = True
    login(users["partner_manager"])
    quoted = hostile.encode([("x", value)])[2:]
    for path in [
        f"/entregas/{quoted}",
        f"/forum/topicos/{quoted}",
        f"/evidencias/{quoted}/arquivo",
        f"/senha/redefinir/{quoted}",
        f"/ativar/{quoted}",
    ]:
        assert client.get(path).status_code in (302, 400, 404), path  # 302: "invalid link"
