"""The venv holds exactly what requirements.lock pins: `make install` installs from the lock
with hashes, so a fresh machine runs what the developer tested, whatever PyPI released since."""

from __future__ import annotations

import re
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.prerequisites import REPO

LOCK = REPO / "requirements.lock"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==")


def entries() -> list[str]:
    """The lock's pins, each joined with its continuation lines (its hashes)."""
    text = LOCK.read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if PIN.match(line)]


def locked() -> dict[str, str]:
    """Name -> version of every pin whose markers hold on this machine."""
    pins = {}
    for line in entries():
        requirement = Requirement(line.split("--hash")[0].strip())
        if requirement.marker is None or requirement.marker.evaluate():
            pins[canonicalize_name(requirement.name)] = str(requirement.specifier)[2:]
    return pins


def installed() -> dict[str, str]:
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in frozen.splitlines():
        name, _, version = line.partition("==")
        if version:
            pins[canonicalize_name(name)] = version
    return pins


def test_every_locked_package_is_pinned_with_hashes():
    pins = entries()
    assert len(pins) > 100
    assert all("--hash=sha256:" in line for line in pins)


def test_the_venv_matches_the_lock_exactly():
    have, want = installed(), locked()
    have.pop("pip", None)  # the venv's own installer, which the lock does not manage
    assert have == want
