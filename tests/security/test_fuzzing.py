"""Hostile input into every form and every filter: never a 500.

Nothing is listed by hand: every POST route of the URL map is fuzzed with the fields of the
form that posts to it (found by GETting each page as each role, see ``crawl`` in conftest); every
GET page with the filters of the GET forms it renders, plus the usual pagination keys.
Each form is first filled the way a person would (so the other fields are valid and the
hostile one reaches the service and the database), then:

- a sweep puts each of ``EACH_FIELD`` (a number beyond INTEGER, NUL, 31/12/9999) into
  each field in turn, then each of ``ALL_FIELDS`` (a number beyond a float, a
  surrogate, 31/02/2026, 2026-13-45, two values for one) into all fields at once;
- hypothesis replaces one or two fields by generated values: control characters, invalid
  UTF-8, very long strings, huge numbers, impossible dates (2026-13-45), lists where a single
  value is expected (the name repeated), or leaves them out; with and without ``HX-Request``.

A crash is raised by the test client (PROPAGATE_EXCEPTIONS); every route's failures are
collected and reported together.
"""

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    MATRIX,
    ROLES,
    SESSION_ENDING,
    UNSAFE_METHODS,
    matrix_url,
    routes_accepting,
)

# Hostile input -----------------------------------------------------------------------------
# Hypothesis strategies producing raw form/query values.
#
# Values are ``bytes`` so that anything a browser (or an attacker's script) can put on the wire
# can be sent: NUL and control characters, invalid UTF-8, UTF-8-encoded surrogates (CESU),
# overlong encodings. ``encode(pairs)`` turns (name, value) pairs into an urlencoded body or
# query string, repeating a name for a list (the "list instead of a scalar" case).

# Deterministic and quick: CI sees the same examples on every run.
FUZZ = settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SPECIAL = [
    b"",
    b" ",
    b"\x00",
    b"a\x00b",
    b"\r\n\r\n",
    b"\x1b[31m\x07\x08\x7f",
    "\u202e\u200b\ufeff".encode(),
    "😀 ção ＡＢＣ İ ſ".encode(),
    b"\xed\xa0\x80",  # a lone surrogate, UTF-8 encoded (invalid UTF-8)
    b"\xed\xa0\xbd\xed\xb8\x80",  # a surrogate pair, CESU-8
    b"\xc0\xaf",  # overlong "/"
    b"\xff\xfe\xfd",
    b"0",
    b"-1",
    b"1e309",
    b"NaN",
    b"-inf",
    b"9" * 400,
    b"9" * 20,
    b"3000000000",
    b"-" + b"9" * 30,
    b"0x7fffffff",
    b"1.5",
    b"31/02/2026",
    b"2026-13-45",
    b"2026-02-31",
    b"00/00/0000",
    b"99/99/9999",
    b"0001-01-01",
    b"9999-12-31",
    b"10000-01-01",
    b"2026-01-01T25:61",
    b"true",
    b"null",
    b"[]",
    b"{\"a\": 1}",
    b"<script>alert(1)</script>",
    b"' OR '1'='1' --",
    b"%_\\",
    b"../../../etc/passwd",
    b"javascript:alert(1)",
    b"x" * 20_000,
]

scalar = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(st.characters(codec="utf-8"), max_size=40).map(str.encode),
    st.integers(min_value=-(2**80), max_value=2**80).map(lambda n: str(n).encode()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y").encode()),
    st.binary(max_size=20),
)
value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


# Values that pass a form's parsing but may break a column, by input type: tried in each field
# in turn with the other fields valid, so that they reach the service and the database.
EACH_FIELD = {
    "number": [b"3000000000"],  # beyond PostgreSQL's INTEGER
    "hidden": [b"3000000000"],
    "date": [b"31/12/9999", b"9999-12-31"],  # the last day: any "+ n days" overflows
    "month": [b"9999-12"],
    "datetime-local": [b"9999-12-31T23:59"],
    "text": [b"a\x00b"],  # PostgreSQL refuses NUL in text
    "textarea": [b"a\x00b"],
    "search": [b"a\x00b"],
    "email": [b"a\x00b@mg.test"],
    "url": [b"https://a\x00b.gov.br/"],
    "tel": [b"a\x00b"],
}
# Values that break parsers: put in every field at once (parsing happens field by field).
ALL_FIELDS = [
    [b"9" * 400],  # beyond a float
    [b"\xed\xa0\x80"],  # a UTF-8-encoded surrogate
    [b"31/02/2026"],
    [b"1", b"2"],  # a list where one value is expected
]


def pairs_of(data: dict) -> list[tuple[str, bytes]]:
    """(name, value) pairs of a form's data, a list value repeating its name."""
    return [
        (name, v.encode() if isinstance(v, str) else v)
        for name, value in data.items()
        for v in ([value] if isinstance(value, (str, bytes)) else value)
    ]


def form_values(names: list[str], base: dict) -> st.SearchStrategy[list[tuple[str, bytes]]]:
    """The form as a person fills it, with one or two fields replaced by a hostile value, a
    list of them, or left out: the other fields stay valid, so deep code paths are reached."""
    if not names:
        return st.just([])
    mutated = st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)
    replacement = st.one_of(
        scalar.map(lambda v: [v]), st.lists(scalar, min_size=2, max_size=3), st.just([])
    )

    def build(chosen, values):
        data = {n: v for n, v in base.items() if n not in chosen}
        pairs = pairs_of(data)
        for name, vs in zip(chosen, values, strict=True):
            pairs += [(name, v) for v in vs]
        return pairs

    return mutated.flatmap(
        lambda chosen: st.lists(replacement, min_size=len(chosen), max_size=len(chosen)).map(
            lambda values: build(chosen, values)
        )
    )


def encode(pairs: list[tuple[str, bytes | str]]) -> str:
    def q(v):
        return quote_from_bytes(v if isinstance(v, bytes) else v.encode(), safe="")

    return "&".join(f"{q(k)}={q(v)}" for k, v in pairs)


# Targets -------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
COMMON_QUERY_KEYS = ["page", "per_page", "q"]
# The annual report's PDFs render no form, so the sweep would send them only
# COMMON_QUERY_KEYS, which they never read: it would only reach the hooks every other page
# already puts it through, at ~0.1 s of PDF layout per request.
QUERY_BLIND = {"reports.annual_pdf", "reports.contribution_pdf"}
# The one state the fuzzing world does not render a form for: a deactivated user's
# "reactivate" button. It takes no fields; it is posted to as the matrix allows.
# Routes no rendered form posts to: reactivation (a deactivated user's page), the draft's
# autosave (the deliverable page's script posts the draft form there: data-autosave) and the
# revocation of a calendar address (shown only once the user has one), linking and unlinking
# gov.br (shown only with gov.br configured; tests/auth/test_govbr_login.py) and gov.br's
# back-channel logout (posted by gov.br's server, not by a form).
UNDISCOVERED_OK = {"auth.reactivate_user", "deliverables.autosave", "calendar_feed.revoke",
                   "auth.govbr.link", "auth.govbr.unlink", "auth.govbr.backchannel_logout"}


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
    for endpoint in routes_accepting(UNSAFE_METHODS):
        if endpoint in SESSION_ENDING:
            continue
        posted = [f for f in forms.get(endpoint, []) if f.method == "POST"]
        if posted:
            form = posted[0]
            path = form.action + (f"?{form.query}" if form.query else "")
            kinds = {n: form.fields[n].kind for n in form.names()}
            targets.append((endpoint, form.role, path, kinds, form.plausible()))
        else:
            url = matrix_url(endpoint, objects)
            targets.append((endpoint, _allowed_role(endpoint), url, {}, {}))
    return targets


def _get_targets(forms: dict, objects: dict) -> list[tuple[str, str, str, dict, dict]]:
    """(endpoint, role, url, {parameter: "search"}, {}) for every page: its own filters (as the
    admin and as MG's manager: results depend on who asks), else only the common keys."""
    targets = []
    for endpoint, (method, _arguments, statuses) in sorted(MATRIX.items()):
        if method != "GET" or endpoint == "static" or endpoint in QUERY_BLIND:
            continue
        keys = sorted({n for f in forms.get(endpoint, []) if f.method == "GET" for n in f.names()})
        allowed = [r for r, s in zip(ROLES, statuses.split(), strict=True) if s == "200"]
        roles = [r for r in ("seges_admin", "partner_manager") if r in allowed]
        url = matrix_url(endpoint, objects)
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
        response = client.get(f"{path}{separator}{encode(pairs)}", headers=headers)
    else:
        body = encode([("csrf_token", client.csrf_token()), *pairs])
        response = client.open(
            path, method="POST", data=body, content_type=FORM, headers=headers, csrf=False
        )
    response.close()
    return response


def _sweep(session, method, endpoint, role, path, kinds, base) -> None:
    for name, kind in kinds.items():
        for value in EACH_FIELD.get(kind, []):
            session.be(role)
            data = {n: v for n, v in base.items() if n != name}
            pairs = [*pairs_of(data), (name, value)]
            response = _send(session.client, method, path, pairs, htmx=True)
            assert response.status_code < 500, f"{name}={value[:20]!r}"
    for values in ALL_FIELDS if kinds else []:
        session.be(role)
        pairs = [(name, value) for name in kinds for value in values]
        response = _send(session.client, method, path, pairs, htmx=True)
        assert response.status_code < 500, f"every field = {values[0][:20]!r}"


def _hypothesis(session, method, endpoint, role, path, kinds, base) -> None:
    @FUZZ
    @given(pairs=form_values(list(kinds), base), htmx=st.booleans())
    def send(pairs, htmx):
        session.be(role)
        response = _send(session.client, method, path, pairs, htmx)
        assert response.status_code < 500, f"{endpoint} as {role}: {response.status_code}"

    send()


def _fuzz(app, session, targets, method: str) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True  # a crash surfaces as the exception itself
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


def test_hostile_form_input_never_answers_500(app, objects, forms, signed_in, generous_limits):
    missing = set(routes_accepting(UNSAFE_METHODS)) - set(forms) - SESSION_ENDING
    assert missing <= UNDISCOVERED_OK, f"no rendered form posts to {sorted(missing)}"
    targets = _post_targets(forms, objects)
    assert sum(len(t[3]) for t in targets) >= 150, "the crawl found the forms' fields"
    _fuzz(app, signed_in, targets, "POST")


def test_hostile_filters_never_answer_500(app, objects, forms, signed_in, generous_limits):
    targets = _get_targets(forms, objects)
    filters = {n for t in targets for n in t[3]}
    assert {"situacao", "ordem", "acao", "parceiro", "espera"} <= filters
    _fuzz(app, signed_in, targets, "GET")


@pytest.mark.parametrize(
    "value",
    [b"\x00", b"\xed\xa0\x80", b"\xff", b"9" * 4000, b"31/02/2026", b"-1"],
    ids=["nul", "surrogate", "invalid-utf8", "huge-number", "31-02", "negative"],
)
def test_hostile_ids_and_tokens_in_the_path_are_refused(app, client, users, login, value):
    app.config["PROPAGATE_EXCEPTIONS"] = True
    login(users["partner_manager"])
    quoted = encode([("x", value)])[2:]
    for path in [
        f"/entregas/{quoted}",
        f"/forum/topicos/{quoted}",
        f"/evidencias/{quoted}/arquivo",
        f"/senha/redefinir/{quoted}",
        f"/ativar/{quoted}",
    ]:
        assert client.get(path).status_code in (302, 400, 404), path  # 302: "invalid link"
