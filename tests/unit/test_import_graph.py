"""Data flows one way: entry points → services → domain, with ports between services and
adapters. Read from the source with `ast`, so a lazy import inside a function counts too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "functions"

# What each layer may import from this project (anything else: standard library, packages).
ALLOWED = {
    "domain": {"domain"},
    "mail": {"domain", "mail"},
    "ports": {"domain", "ports"},
    "services": {"domain", "mail", "ports", "services"},
    "adapters": {"domain", "mail", "ports", "adapters"},
    # Entry points reach collaborators only through bootstrap: never an adapter (nor a port).
    "entrypoints": {"entrypoints", "bootstrap", "config", "services", "domain", "mail"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(path: Path, root: Path) -> list[str]:
    """Every project module that `path` imports, resolved to its absolute name."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found += [f"{target}.{a.name}" if target.count(".") < 1 else target
                      for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [name for name in found if name.startswith("functions.")]


def violations(root: Path) -> list[str]:
    wrong = []
    for path in sorted(root.rglob("*.py")):
        own = layer_of(".".join(path.relative_to(root.parent).with_suffix("").parts))
        if own not in ALLOWED:
            continue
        for target in imports(path, root):
            if layer_of(target) not in ALLOWED[own]:
                wrong.append(f"{path.relative_to(root.parent)} imports {target}")
    return wrong


# Inside services, groups point one way: each may import the groups after it, never one
# before it. `jobs` schedule (the tick reads the inbox first), `replies` and `changes`
# decide, `reads` only read, `delivery` sends (the outbox, the notifier, the calendar
# builder). Modules directly in services/ (rotas, deps, lookup, activity) are the base
# every group shares, and import no group.
GROUPS = ["jobs", "replies", "changes", "reads", "delivery"]


def group_of(module: str) -> str | None:
    """The service group of `functions.services.GROUP.…`; "" for a base module."""
    parts = module.split(".")
    if parts[1:2] != ["services"]:
        return None
    return parts[2] if len(parts) > 3 and parts[2] in GROUPS else ""


def group_violations(root: Path) -> list[str]:
    wrong = []
    for path in sorted((root / "services").rglob("*.py")):
        own = group_of(".".join(path.relative_to(root.parent).with_suffix("").parts))
        for target in imports(path, root):
            theirs = group_of(target)
            if theirs is None or theirs == own or (own and not theirs):
                continue
            if not own or GROUPS.index(theirs) < GROUPS.index(own):
                wrong.append(f"{path.relative_to(root.parent)} imports {target}")
    return wrong


def test_service_groups_point_one_way():
    assert group_violations(PACKAGE) == []


@pytest.mark.parametrize("group, line", [
    ("delivery", "from ..jobs.digest import digests"),
    ("reads", "from ..changes.members import join"),
    ("changes", "from ..replies.inbox import read_inbox"),
    ("", "from .jobs.tick import tick"),
])
def test_a_service_group_pointing_back_is_caught(tmp_path, group, line):
    folder = tmp_path / "functions" / "services" / group
    folder.mkdir(parents=True)
    (folder / "bad.py").write_text(line + "\n")
    assert group_violations(tmp_path / "functions")


def test_each_layer_imports_only_what_is_below_it():
    assert violations(PACKAGE) == []


@pytest.mark.parametrize("layer, line", [
    ("domain", "from ..services import rotas"),
    ("services", "from ..adapters.sqlite_store import SqliteStore"),
    ("services/jobs", "from ...adapters import maildir"),
    ("mail", "from ..services.delivery import outbox"),
    ("adapters", "from ..entrypoints import cli"),
    ("domain", "import functions.adapters.clock"),
    ("entrypoints", "from ..adapters.clock import FixedClock"),
    ("entrypoints/cli", "from ...adapters.records import to_record"),
])
def test_a_wrong_import_is_caught(tmp_path, layer, line):
    """The check itself fails when someone breaks the rule."""
    root = tmp_path / "functions"
    (root / layer).mkdir(parents=True)
    (root / layer / "bad.py").write_text(line + "\n")
    assert violations(root)
