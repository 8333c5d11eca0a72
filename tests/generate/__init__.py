"""Tests of sparkify.generate."""
