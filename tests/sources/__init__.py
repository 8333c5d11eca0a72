"""Tests of sparkify.sources: discovery, parsing, object stores (S3)."""
