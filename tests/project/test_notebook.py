"""test.ipynb runs headless on a real Jupyter kernel against the loaded sample.

The kernel inherits os.environ, where the fixtures put SPARKIFY_HOME and SPARKIFY_DATABASE: the
notebook finds the test's database through the project's own configuration, as a person's would.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from sparkify.postgres.db import database_name
from tests.support.helpers import scalar
from tests.support.prerequisites import REPO

pytestmark = pytest.mark.slow  # starts a Jupyter kernel

NOTEBOOK = REPO / "test.ipynb"


def _run(settings) -> tuple[nbformat.NotebookNode, int, int]:
    """Execute every cell (an error raises); and the kernel's connections to the test's database
    just before the last cell and after it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=180, kernel_name="python3")
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    count = ("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
             "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
    with client.setup_kernel(cwd=str(NOTEBOOK.parent), env=dict(os.environ)):
        for index, cell in enumerate(nb.cells):
            if index == code[-1]:
                before = scalar(settings, count, [database_name(settings)])
            client.execute_cell(cell, index)
        after = scalar(settings, count, [database_name(settings)])
    return nb, before, after


def _html(nb: nbformat.NotebookNode) -> str:
    return "\n".join(output.get("data", {}).get("text/html", "")
                     for cell in nb.cells if cell.cell_type == "code"
                     for output in cell.outputs)


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "test.ipynb has no code"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebook_holds_no_credentials():
    text = NOTEBOOK.read_text(encoding="utf-8").lower()
    for secret in ("password", "postgresql://", "host=", "student"):
        assert secret not in text


def test_notebook_on_the_sample_shows_tables_and_passes_every_check(sample_settings):
    nb, before, after = _run(sample_settings)
    html = _html(nb)
    for table in ("songplays", "users", "songs", "artists", "time", "events"):
        assert f"<h4>{table}: first 5 rows</h4>" in html
    assert "<th>songplay_id</th>" in html and "<th>weekday</th>" in html
    assert "sparkify-check-failed" not in html and "sparkify-check-warning" not in html
    assert 'class="sparkify-checks-passed" style="color: green"' in html
    assert "✓ 59 of 59 checks passed" in html
    # the notebook held a connection, and its last cell closed it
    assert (before, after) == (1, 0)


def test_notebook_shows_a_failed_check_as_an_orange_warning(sample_settings):
    from tests.support.helpers import break_db

    break_db(sample_settings, "UPDATE users SET level = 'gold' WHERE user_id = 15")
    nb, _, _ = _run(sample_settings)
    html = _html(nb)
    assert ('class="sparkify-check-failed" style="color: orange; font-weight: bold">'
            "⚠ data.users.level failed: 1 at fault: user_id 15 is gold") in html
    assert html.count("sparkify-check-failed") == 1
    assert "✓ 58 of 59 checks passed" in html


@pytest.fixture(autouse=True)
def _no_outputs_left_behind():
    """Executing works on a copy in memory: the committed file must stay as it was."""
    before = NOTEBOOK.read_bytes()
    yield
    assert NOTEBOOK.read_bytes() == before
