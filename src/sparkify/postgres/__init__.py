"""The PostgreSQL engine: the server, connections, schema, loader and publish."""
