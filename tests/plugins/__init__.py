"""Fixtures and hooks as pytest plugins, loaded by tests/conftest.py's `pytest_plugins`:
postgres (the server, a fresh database per test, the PostgreSQL 15 pass), sample (the real
sample), spark (Java, a local Spark session), s3 (a real S3 server, moto's)."""
