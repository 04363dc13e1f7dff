"""The import graph runs one way: ``pht`` ← ``assessments`` ← ``rehab`` ← ``exports``.

Every import statement of the project's own code is read from its syntax tree, including the
ones inside functions and under ``TYPE_CHECKING`` (a hidden import is still an arrow). A module
may import its own app and the apps below it, never one above; and the graph of modules has no
cycle. The project package knows clinics, users and roles; patients belong to ``assessments``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("pht", "assessments", "rehab", "exports")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            modules[_module_name(path)] = path
    return modules


def _imports(path: Path, module: str) -> set[str]:
    """The project modules ``path`` imports, resolved to the longest known module name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.split(".")[0] in LAYERS}


def _graph() -> dict[str, set[str]]:
    modules = _project_modules()
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in _imports(path, module):
            # "from assessments import selectors" names a module; "from x.y import func" names
            # x.y: keep the longest prefix that is a module of the project.
            parts = name.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != module:
                targets.add(".".join(parts))
        graph[module] = targets
    return graph


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_graph_reads_every_app():
    graph = _graph()
    assert {module.split(".")[0] for module in graph} == set(LAYERS)
    assert "assessments.selectors" in graph["assessments.views.patients"]


@pytest.mark.parametrize("lower", LAYERS[:-1])
def test_no_module_imports_an_app_above_its_own(lower):
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.split(".")[0] == lower
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert upward == []


def test_the_module_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, str] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
