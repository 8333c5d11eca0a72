"""Tests of sparkify.checks."""
