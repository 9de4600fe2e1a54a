"""The shape of the code: features depend downward only, ``core`` on no feature, no cycles.

Read from the modules' own imports (every ``import``, also inside functions), so a new arrow
running back up fails here before it becomes a tangle.
"""

import ast
from collections import defaultdict
from pathlib import Path

import portal

ROOT = Path(portal.__file__).parent

# Lowest first: a feature may import itself, the floor and the features listed before it.
FEATURES = [
    "schedule", "institutions", "auth", "agreements", "forum", "deliverables", "training",
    "focal_points", "events", "calendar_feed", "courses", "plans", "panel", "reports",
    "notifications", "audit", "privacy", "ops", "dev",
]
FLOOR = {"core", "extensions", "config", "data"}
COMPOSITION_ROOT = {"", "cli", "models"}  # portal/__init__.py, cli.py, models.py: wire it all


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _imports(name: str, path: Path, modules: dict) -> list[tuple[str, bool]]:
    """(imported portal module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "portal" or target.startswith("portal."):
                found.append((target, id(node) in top_level))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for target, _top in _imports(name, path, modules):
            graph[name].add(target)
    return graph


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_is_placed_in_the_layers():
    areas = {_area(name) for name in _modules()}
    assert areas - set(FEATURES) - FLOOR - COMPOSITION_ROOT == set(), (
        "place the new package in FEATURES (by what it may import)"
    )


def test_core_imports_no_feature():
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in _graph().items() if _area(source) in FLOOR
        for target in targets if _area(target) not in FLOOR
    )
    assert wrong == []


def test_features_import_only_lower_features():
    rank = {feature: position for position, feature in enumerate(FEATURES)}
    wrong = sorted(
        f"{source} -> {target}"
        for source, targets in _graph().items() if _area(source) in rank
        for target in targets
        if (_area(target) in rank and rank[_area(target)] > rank[_area(source)])
        or _area(target) in COMPOSITION_ROOT
    )
    assert wrong == []


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_portal_import_hides_inside_a_function():
    """Except in the app factory, which imports the blueprints as Flask's tutorial does."""
    modules = _modules()
    hidden = sorted({
        f"{name} imports {target}"
        for name, path in modules.items() if name != "portal"
        for target, top in _imports(name, path, modules) if not top
    })
    assert hidden == []


def test_no_test_module_imports_another():
    """Shared helpers live in helper modules (tests/factories.py, tests/browser/axe.py…): a
    test module imported by another runs its module-level code twice and ties them together."""
    tests = Path(__file__).parents[1]
    offenders = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offenders += [f"{path.relative_to(tests)} imports {name}" for name in names
                          if name.rpartition(".")[2].startswith("test_")]
    assert offenders == []
