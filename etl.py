"""Load the song and log JSON into the star schema (the classic second step).

    python etl.py [DATA_ROOT]      # DATA_ROOT holds song_data/ and log_data/; default: data
                                   # (a folder, or a URL: s3://bucket/prefix)

Runs the same loader as `sparkify load`: bulk, incremental (files already loaded are skipped),
bad records kept in sparkify.rejects with the reason.
"""

import sys
from pathlib import Path

import psycopg

from sparkify.config import load_settings
from sparkify.errors import SparkifyError
from sparkify.postgres.load.pipeline import load


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip())
        sys.exit(0 if args and args[0] in ("-h", "--help") else 2)
    root = args[0] if args else Path("data")  # a folder, or a URL such as s3://bucket/prefix
    try:
        result = load(load_settings(), root)
    except SparkifyError as exc:
        print(f"etl.py: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except psycopg.Error as exc:  # what `sparkify load` reports the same way
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"etl.py: error: database error: {first}; batches already committed stay loaded",
              file=sys.stderr)
        sys.exit(2)
    except OSError as exc:  # a file that went away or became unreadable during the load
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"etl.py: error: {where}{exc.strerror or exc}", file=sys.stderr)
        sys.exit(2)
    songs, events = result.songs, result.events
    print(f"{result.files_loaded} files loaded, {result.files_skipped} unchanged, "
          f"in {result.seconds:.1f} s")
    print(f"songs: {songs['read']} read, {songs['loaded']} loaded, {songs['rejected']} rejected")
    print(f"events: {events['read']} read, {events['song_plays']} song plays, "
          f"{events['other_pages']} other pages, {events['rejected']} rejected")
    print("rows: " + ", ".join(f"{name} {count}" for name, count in result.tables.items()))


if __name__ == "__main__":
    main()
