"""Tests of sparkify.postgres.load: plan, stage, transform, finish, tied by pipeline."""
