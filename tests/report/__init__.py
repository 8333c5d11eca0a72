"""Tests of sparkify.report: the views, the report, in a browser."""
