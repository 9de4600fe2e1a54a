"""Hostile input for fuzzing: hypothesis strategies producing raw form/query values.

Values are ``bytes`` so that anything a browser (or an attacker's script) can put on the wire
can be sent: NUL and control characters, invalid UTF-8, UTF-8-encoded surrogates (CESU),
overlong encodings. ``encode(pairs)`` turns (name, value) pairs into an urlencoded body or
query string, repeating a name for a list (the "list instead of a scalar" case).
"""

from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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
