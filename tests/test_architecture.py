"""The house rules on the code's shape that a linter does not check by itself.

`lint-imports` (make test) checks the import contracts in pyproject.toml; these tests keep the
contracts honest (every project package is under them) and check what they cannot say.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import grimp
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MAX_LINES = 400
# Folders whose modules may be longer: generated migrations, tests, benchmarks. The settings
# module is one flat list of every environment variable, read top to bottom.
LONG_ALLOWED_DIRS = {"migrations", "tests", "bench"}
LONG_ALLOWED_FILES = {Path("clinic/settings.py")}
NOT_PROJECT = {"tests", "bench"}


def _import_linter() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]


def _project_packages() -> set[str]:
    return {
        init.parent.name
        for init in ROOT.glob("*/__init__.py")
        if init.parent.name not in NOT_PROJECT and not init.parent.name.startswith(".")
    }


def test_every_project_package_is_under_the_import_contracts():
    # A new app (care/, say) is checked by the contracts only once it is a root package; the
    # contracts that name it already (booking-below-apps) then apply at once.
    config = _import_linter()
    assert set(config["root_packages"]) == _project_packages()
    acyclic = [c for c in config["contracts"] if c["type"] == "acyclic_siblings"]
    assert [set(c["ancestors"]) for c in acyclic] == [_project_packages()]


def test_no_import_cycle_between_project_modules():
    # The acyclic contract checks siblings inside each package; this checks single modules
    # across packages too (clinic -> booking -> clinic), without any exception.
    graph = grimp.build_graph(*sorted(_project_packages()), cache_dir=None)
    cycles = _strongly_connected(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of two or more modules importing each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_strongly_connected_finds_a_cycle():
    # The cycle test above passes on an empty answer; prove the search can answer otherwise.
    graph = grimp.ImportGraph()
    for importer, imported in [("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w")]:
        graph.add_import(importer=importer, imported=imported)
    assert _strongly_connected(graph) == [["a.x", "a.y", "a.z"]]


def test_every_module_is_at_most_400_lines():
    too_long = {}
    for folder, subfolders, files in os.walk(ROOT):
        # Not into .venv, .git and other tools' folders, nor where long modules are allowed.
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".") and name not in LONG_ALLOWED_DIRS
        ]
        for name in files:
            path = Path(folder, name)
            relative = path.relative_to(ROOT)
            if name.endswith(".py") and relative not in LONG_ALLOWED_FILES:
                lines = len(path.read_text(encoding="utf-8").splitlines())
                if lines > MAX_LINES:
                    too_long[str(relative)] = lines
    assert too_long == {}, f"split these modules (at most {MAX_LINES} lines): {too_long}"
