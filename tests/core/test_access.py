"""Access by declaration: actions are an enum, every action has its rule, and a misspelt
action fails before any request (at import in Python, here for templates)."""

import ast
import re
from pathlib import Path

import pytest

import portal
from portal.core.access import RULES, Action, authorise, can, rule

ROOT = Path(portal.__file__).parent
TEMPLATES = ROOT.parent / "templates"
ACTION_POSITION = {"can": 1, "require": 1, "authorise": 0, "rule": 0}


def test_every_action_has_exactly_one_rule(app):
    assert {action.value for action in Action} == set(RULES)


def test_every_action_named_in_a_template_exists():
    named = set()
    for path in TEMPLATES.rglob("*.html"):
        named |= set(re.findall(r"\bcan\(\s*current_user\s*,\s*'([^']+)'", path.read_text()))
    assert named, "the templates ask can() about something"
    assert named - {action.value for action in Action} == set()


def test_python_code_names_actions_by_the_enum_never_by_text():
    by_text = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            position = ACTION_POSITION.get(getattr(node.func, "id", None))
            if position is None or len(node.args) <= position:
                continue
            action = node.args[position]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                by_text.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert by_text == []


def test_rules_and_decorators_refuse_plain_text():
    with pytest.raises(TypeError):
        rule("forum.view")
    with pytest.raises(TypeError):
        authorise("forum.view")
    with pytest.raises(TypeError):
        authorise(Action.FORUM_VIEW, load=object)  # the URL argument is missing


def test_a_misspelt_action_in_a_template_is_an_error_not_a_refusal(app, users):
    with pytest.raises(KeyError):
        can(users["seges_admin"], "forum.veiw")
