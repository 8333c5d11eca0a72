"""The layout keeps its promises: the core imports neither engine, the Spark engine never
imports the PostgreSQL one (a worker unpickling a function would import psycopg), and the
command line reaches the library only through the API."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sparkify
from tests.support.prerequisites import REPO

PACKAGE = Path(sparkify.__file__).parent
TESTS = REPO / "tests"
# the folders of tests/ that are no package's: suites across packages, fixtures, helpers
CROSS_CUTTING = {"faults", "project", "plugins", "support"}


def modules_of(package: str) -> list[str]:
    path = PACKAGE.joinpath(*package.split(".")[1:])
    return [package] + [f"{package}.{m.name}" for m in pkgutil.walk_packages([str(path)])]


def imported_after(modules: list[str]) -> set[str]:
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize("package, forbidden", [
    ("sparkify.core", {"psycopg", "pyspark"}),
    ("sparkify.spark", {"psycopg"}),
    ("sparkify.sources", {"psycopg", "pyspark"}),
])
def test_a_package_imports_no_engine_it_does_not_need(package, forbidden):
    assert not imported_after(modules_of(package)) & forbidden


def test_the_spark_package_imports_nothing_of_the_postgres_engine():
    for path in PACKAGE.joinpath("spark").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("sparkify.postgres"), (path, node.module)


def test_the_command_line_calls_only_the_api():
    allowed = ("sparkify.api", "sparkify.errors", "sparkify.config", "sparkify.cli")
    for path in PACKAGE.joinpath("cli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.startswith("sparkify."):
                    assert name.startswith(allowed), (path.name, name)
                if name == "sparkify" and isinstance(node, ast.ImportFrom):
                    assert all(a.name == "api" for a in node.names), (path.name, node.names)


# The generator's inner loop keeps its state in local variables for speed (bench_generate.py
# measures it); split, it would pay a call and an attribute look-up per simulated page.
HOT_LOOPS = {("simulation.py", "_browse")}


def test_every_module_is_small():
    """A module past 400 lines, or a function past 60, is one to split."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        assert len(path.read_text().splitlines()) <= 400, path
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if (path.name, node.name) not in HOT_LOOPS:
                    assert length <= 60, (path.name, node.name, length)


def test_the_tests_mirror_the_packages():
    """tests/<path>/ holds the tests of sparkify.<path> (tests/postgres/load/: sparkify.postgres
    .load), or is declared cross-cutting; a test file at tests/ names a top-level module."""
    for folder in sorted(path for path in TESTS.rglob("*") if path.is_dir()):
        relative = folder.relative_to(TESTS)
        if relative.parts[0] in CROSS_CUTTING or "__pycache__" in relative.parts:
            continue
        assert (folder / "__init__.py").is_file(), f"tests/{relative}/ is no package"
        assert (PACKAGE / relative / "__init__.py").is_file(), (
            f"tests/{relative}/ mirrors no package of src/sparkify/ (nor is it cross-cutting)")
    for path in TESTS.glob("test_*.py"):
        assert (PACKAGE / f"{path.stem.removeprefix('test_')}.py").is_file(), (
            f"tests/{path.name} names no top-level module: it belongs in a package's folder")
