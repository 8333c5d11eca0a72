"""Tests of sparkify.orchestration: Dagster in-process and under dagster dev."""
