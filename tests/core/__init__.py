"""Tests of sparkify.core: records, names, sqltext."""
