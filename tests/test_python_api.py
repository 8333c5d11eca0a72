"""docs/python-api.md: every example runs, in order, against a real server."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_document_has_an_example_for_every_function():
    from sparkify import api

    text = "\n".join(examples())
    for name in ("settings", "load", "check", "report", "recommend", "generate"):
        assert callable(getattr(api, name))
        assert f"api.{name}(" in text, f"no example calls api.{name}"


def test_every_example_runs(settings, sample_root, tmp_path, capsys):
    namespace: dict = {"DATA": sample_root, "OUT": tmp_path / "generated"}
    for number, code in enumerate(examples(), start=1):
        exec(compile(code, f"{DOC.name} example {number}", "exec"), namespace)  # noqa: S102
    assert "song" in capsys.readouterr().out  # the examples print what they show
