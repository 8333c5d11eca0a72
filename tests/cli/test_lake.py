"""`sparkify lake`: what is wrong, in one line (cli/lake.py)."""

from __future__ import annotations

import pytest

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


def test_lake_commands_say_what_is_wrong_in_one_line(tmp_path):
    from click.testing import CliRunner

    from sparkify.cli import cli

    missing = CliRunner().invoke(cli, ["lake", "publish", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "holds no lake yet" in missing.stderr
    wrong = CliRunner().invoke(cli, ["lake", "build", str(tmp_path / "nowhere"),
                                     str(tmp_path / "lake")])
    assert wrong.exit_code == 2 and "does not exist" in wrong.stderr
    conf = CliRunner().invoke(cli, ["lake", "build", str(tmp_path), str(tmp_path / "l"),
                                    "--conf", "novalue"])
    assert conf.exit_code == 2 and "KEY=VALUE" in conf.stderr
