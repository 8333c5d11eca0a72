-- Dagster's own database (runs, event logs, schedules and sensor ticks): its owner, the role
-- that loads, alone may connect. A reader role (grant-read) cannot see it at all.
REVOKE ALL ON DATABASE {database} FROM PUBLIC;
