-- Dagster's tables in a schema of the warehouse's database, for a role that may not create a
-- database: its owner alone may use it; grant-read gives readers public and sparkify only.
CREATE SCHEMA IF NOT EXISTS {schema};
REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
