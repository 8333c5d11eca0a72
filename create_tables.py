"""Drop and recreate the sparkifydb database and its tables (the classic first step).

    python create_tables.py

Uses the server `sparkify` uses: DATABASE_URL when set, else the embedded PostgreSQL. On a
server of your own the database itself is kept (your role may not be able to create it again):
the project's tables, views and bookkeeping in it are dropped and recreated, in one
transaction, after checking that the role may do so.
"""

import sys

import psycopg

from sparkify.config import load_settings
from sparkify.errors import SparkifyError
from sparkify.postgres.db import database_name
from sparkify.postgres.schema import rebuilding
from sql_queries import create_table_queries, drop_table_queries


def create_database():
    """Start from an empty database: a context giving a connection to it, one transaction in
    which the drops and creates that follow land together (or not at all)."""
    return rebuilding(load_settings())


def drop_tables(cur, conn):
    for query in drop_table_queries:
        cur.execute(query)


def create_tables(cur, conn):
    for query in create_table_queries:
        cur.execute(query)


def main():
    try:
        with create_database() as conn:
            cur = conn.cursor()
            drop_tables(cur, conn)
            create_tables(cur, conn)
    except SparkifyError as exc:
        print(f"create_tables.py: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"create_tables.py: error: database error: {first}", file=sys.stderr)
        sys.exit(2)
    settings = load_settings()
    what = "emptied database" if settings.external else "created database"
    print(f"{what} {database_name(settings)} and its tables")


if __name__ == "__main__":
    main()
