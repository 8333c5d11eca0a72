"""The rules of the data, once for both engines: imports neither psycopg nor pyspark."""
