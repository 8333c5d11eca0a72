"""Tests of sparkify.cli: the commands."""
