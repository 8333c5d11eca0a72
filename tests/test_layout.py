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

PACKAGE = Path(sparkify.__file__).parent


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
