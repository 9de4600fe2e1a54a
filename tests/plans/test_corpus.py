"""Every partner's plan read right: a corpus of Planos de Trabalho against their answer keys.

``tests/data/plans/`` holds plans as different clerks write them — states, capitals, small
municipalities, consortia, federal bodies, universities, courts, legislatures, an OSC; SEI
text exports with tabs, "|" tables or aligned spaces, and SEI HTML exports (``<p>`` in
cells, merged cells); UTF-8 with and without BOM, UTF-16, Windows-1252, ISO-8859-1. Each
``name.expected.json`` says what a careful reader understands from every row: eixos,
schedule, hours target, responsible, whether adherents execute it, and whether the row
must be reviewed (the prazo says nothing a date can be made of, a code appears twice…).

The bar: at least 97 % of the prazo cells read into a dated (non-manual) kind with the
right parameters, and no silent misreading — a row read differently from the key must
carry a warning. Run with ``-rA`` (or ``-s``) to see the recognition rate.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.plans.importer import parse_plan
from portal.schedule.engine import validate_schedule

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"
PLANS = sorted(path for path in CORPUS.iterdir() if path.suffix in (".txt", ".html"))
MIN_RECOGNITION = 0.97
FIELDS = ("axes", "schedule", "hours", "responsible", "adherent")


def _key(plan: Path) -> dict:
    return json.loads(plan.with_name(f"{plan.stem}.expected.json").read_text(encoding="utf-8"))


@dataclass
class Reading:
    """How one plan was read against its key."""

    prazos: int = 0
    recognised: int = 0
    misread: list[str] = field(default_factory=list)  # "code: field" read unlike the key
    silent: list[str] = field(default_factory=list)  # the same, without a warning
    review_mismatch: list[str] = field(default_factory=list)


def _read(plan: Path) -> tuple[dict, dict, Reading]:
    key = _key(plan)
    result = parse_plan(plan.read_bytes())
    reading = Reading()
    adherent = set(result["adherent_goal_codes"])
    for goal in result["goals"]:
        expected = key["goals"].get(goal["code"])
        if expected is None:
            continue
        got = {
            "axes": goal["axes"],
            "schedule": validate_schedule(goal["schedule"]),
            "hours": goal["schedule"].get("min_hours"),
            "responsible": goal["responsible"],
            "adherent": goal["code"] in adherent,
        }
        want = {**expected, "schedule": validate_schedule(expected["schedule"])}
        if expected["prazo"].strip():
            reading.prazos += 1
            if got["schedule"]["kind"] != "manual" and got["schedule"] == want["schedule"]:
                reading.recognised += 1
        wrong = [name for name in FIELDS if got[name] != want[name]]
        reading.misread += [f"{goal['code']}: {name}" for name in wrong]
        if wrong and not goal["needs_review"]:
            reading.silent += [
                f"{goal['code']}: {name} {got[name]!r} ≠ {want[name]!r}" for name in wrong
            ]
        if goal["needs_review"] != expected["needs_review"]:
            reading.review_mismatch.append(f"{goal['code']}: {goal['warnings']}")
    return key, result, reading


def test_the_corpus_is_varied():
    keys = [_key(plan) for plan in PLANS]
    assert len(PLANS) >= 40
    assert {plan.suffix for plan in PLANS} == {".txt", ".html"}
    assert {key["encoding"] for key in keys} >= {
        "utf-8", "utf-8-sig", "utf-16", "cp1252", "iso-8859-1"
    }
    assert len({key["layout"] for key in keys}) >= 6
    kinds = {goal["schedule"]["kind"] for key in keys for goal in key["goals"].values()}
    assert kinds >= {"before_end", "after_end", "fixed_date", "annual_date", "after_event"}
    prazos = {goal["prazo"] for key in keys for goal in key["goals"].values()}
    assert len(prazos) >= 150  # clerks' wordings, not clones


@pytest.mark.parametrize("plan", PLANS, ids=[plan.name for plan in PLANS])
def test_plan_reads_as_its_key_says(plan):
    key, result, reading = _read(plan)
    assert [goal["code"] for goal in result["goals"]] == key["codes"]
    assert reading.silent == [], "read unlike the key without a warning"
    assert reading.misread == [], "read unlike the key"
    assert reading.review_mismatch == [], "needs_review unlike the key"
    for warning in key["plan_warnings_contain"]:
        assert warning in result["warnings"]
    for goal in result["goals"]:
        assert goal["needs_review"] == bool(goal["warnings"])
        assert all(f"Meta {goal['code']}: {w}" in result["warnings"] for w in goal["warnings"])


def test_recognition_rate_and_no_silent_misreading():
    prazos = recognised = 0
    silent: list[str] = []
    for plan in PLANS:
        reading = _read(plan)[2]
        prazos += reading.prazos
        recognised += reading.recognised
        silent += [f"{plan.name} {entry}" for entry in reading.silent]
    rate = recognised / prazos
    print(
        f"\nCorpus: {len(PLANS)} planos, {prazos} células de prazo, {recognised} lidas com os "
        f"parâmetros certos ({rate:.1%}); leituras erradas sem aviso: {len(silent)}"
    )
    assert silent == []
    assert rate >= MIN_RECOGNITION, f"{rate:.1%} of {prazos} prazo cells recognised"
