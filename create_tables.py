"""Drop and recreate the sparkifydb database and its tables (the classic first step).

    python create_tables.py

Uses the server `sparkify` uses: DATABASE_URL when set, else the embedded PostgreSQL.
"""

import sys

import psycopg

from sparkify.config import load_settings
from sparkify.db import connect, database_name, ensure_database
from sparkify.errors import SparkifyError
from sql_queries import create_table_queries, drop_table_queries


def create_database():
    """Drop and recreate the database; return a cursor and connection to it."""
    settings = load_settings()
    ensure_database(settings, drop=True)
    conn = connect(settings, autocommit=True)
    return conn.cursor(), conn


def drop_tables(cur, conn):
    for query in drop_table_queries:
        cur.execute(query)


def create_tables(cur, conn):
    for query in create_table_queries:
        cur.execute(query)


def main():
    try:
        cur, conn = create_database()
        with conn:
            drop_tables(cur, conn)
            create_tables(cur, conn)
    except SparkifyError as exc:
        print(f"create_tables.py: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"create_tables.py: error: database error: {first}", file=sys.stderr)
        sys.exit(2)
    print(f"created database {database_name(load_settings())} and its tables")


if __name__ == "__main__":
    main()
