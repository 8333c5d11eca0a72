"""docs/python-api.md: every function of sparkify.api has an example, and every example runs, in
order, against a real server (the Spark section's in a test of its own: it starts Spark)."""

from __future__ import annotations

import inspect
import re

import pytest

from sparkify import api
from tests.support.prerequisites import REPO

DOC = REPO / "docs" / "python-api.md"
SPARK_SECTION = "## The Spark engine"


def examples(*, spark: bool) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    before, _, after = text.partition(SPARK_SECTION)
    return re.findall(r"```python\n(.*?)```", after if spark else before, flags=re.DOTALL)


def functions() -> list[str]:
    return [name for name in api.__all__ if inspect.isfunction(getattr(api, name))]


def test_the_document_has_an_example_for_every_function():
    text = "\n".join(examples(spark=False) + examples(spark=True))
    assert len(functions()) >= 16
    for name in functions():
        assert f"api.{name}(" in text, f"no example calls api.{name}"


def run(blocks: list[str], namespace: dict) -> None:
    for number, code in enumerate(blocks, start=1):
        exec(compile(code, f"{DOC.name} example {number}", "exec"), namespace)  # noqa: S102


def test_every_example_runs(settings, sample_root, tmp_path, capsys):
    run(examples(spark=False), {"DATA": sample_root, "OUT": tmp_path / "generated"})
    assert "song" in capsys.readouterr().out  # the examples print what they show


@pytest.mark.slow
# Spark's equality on the second server is tests/spark/test_equals_load.py's
@pytest.mark.first_pass
# the run's shared session stopped first: the example starts Spark itself, as a reader's would
@pytest.mark.usefixtures("java", "no_spark_session")
def test_the_spark_examples_run(settings, sample_root, tmp_path):
    namespace = {"DATA": sample_root, "OUT": tmp_path}
    run(examples(spark=False)[:2], namespace)  # `server` and a first load
    run(examples(spark=True), namespace)
