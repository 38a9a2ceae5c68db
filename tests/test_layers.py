"""The packages form layers: each imports only the packages below it, at the top of its modules."""

import ast
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PLAYGROUND = Path(__file__).resolve().parent.parent / "playground"
# Bottom to top. A package may import any package listed before it (and the foundations).
LAYERS = ["teams", "providers", "params", "runs", "conversations", "experiments", "core"]
FOUNDATIONS = {"ids", "env", "jsonsafe", "spec", "ops", "settings"}
# Allowed outside the layers: the fake provider uses only the spec; ops only itself.
STANDALONE = {"fakeprovider": {"spec"}, "ops": set(), "spec": set()}


def imports_of(path: Path):
    """(imported playground package, inside a function?) for every import in a module."""
    # Parsed on a fresh thread: CPython 3.11 can raise "AST constructor recursion depth mismatch"
    # on a thread where an earlier test caught a RecursionError (the deep-JSON tests do).
    with ThreadPoolExecutor(1) as fresh:
        tree = fresh.submit(ast.parse, path.read_text()).result()
    in_functions = {id(node) for function in ast.walk(tree) if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for node in ast.walk(function)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("playground."):
                yield name.split(".")[1], id(node) in in_functions


def modules():
    for path in PLAYGROUND.rglob("*.py"):
        parts = path.relative_to(PLAYGROUND).parts
        if len(parts) > 1 and "migrations" not in parts:
            yield parts[0], path


def test_each_package_imports_only_the_layers_below_it():
    wrong = []
    for package, path in modules():
        if package in LAYERS:
            allowed = set(LAYERS[: LAYERS.index(package)]) | FOUNDATIONS
        else:
            allowed = STANDALONE.get(package, set()) | {"ids", "env"}
        for imported, _inside in imports_of(path):
            if imported != package and imported not in allowed:
                wrong.append(f"{path.relative_to(PLAYGROUND)} imports playground.{imported}")
    assert wrong == []


def test_no_module_hides_an_import_of_another_package_inside_a_function():
    # AppConfig.ready() is where Django wants signal receivers connected: the app registry is
    # only ready there, so that one place may import.
    hidden = [f"{path.relative_to(PLAYGROUND)} imports playground.{imported} inside a function"
              for package, path in modules() if path.name != "apps.py"
              for imported, inside in imports_of(path) if inside and imported != package]
    assert hidden == []
