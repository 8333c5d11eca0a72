"""The S3 plugin: real S3 servers (moto's, on loopback; tests/support/s3_server.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def start_s3(tmp_path_factory):
    """Starts an S3 server for the module: `start_s3()`, or `start_s3(auth_after=3)` for one
    that checks credentials after three requests; each is stopped after the module."""
    from tests.support import s3_server  # boto3 is imported only by the tests that use it

    started: list[s3_server.S3Server] = []

    def start(auth_after: int | None = None) -> s3_server.S3Server:
        log = tmp_path_factory.mktemp("moto") / "requests.log"
        started.append(s3_server.start(log, auth_after=auth_after))
        return started[-1]

    yield start
    for server in started:
        server.stop()
