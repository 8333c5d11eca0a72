"""Tests of sparkify.spark: build, lake, session, on local mode and a real cluster."""
