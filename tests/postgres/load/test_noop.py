"""A load that finds nothing new changes nothing and does no more work than the diff."""

import json

from click.testing import CliRunner

from sparkify.cli import cli
from tests.support.helpers import event, write_log


def test_noop_load_skips_the_checks_and_says_so(settings, tmp_path):
    write_log(tmp_path, "a.json", [event()])
    first = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["checks"]["passed"] is True

    again = CliRunner().invoke(cli, ["load", str(tmp_path), "--json"])
    payload = json.loads(again.stdout)
    assert payload["files"] == {"loaded": 0, "skipped": 1}
    assert "checks" not in payload

    human = CliRunner().invoke(cli, ["load", str(tmp_path)])
    assert human.exit_code == 0
    assert "checks were not run again" in human.stdout
