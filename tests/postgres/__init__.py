"""Tests of sparkify.postgres: the server, access, schema, readers during writes."""
