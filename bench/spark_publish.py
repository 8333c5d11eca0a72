"""Publishing a lake: `sparkify lake publish` (pyarrow + COPY) against Spark's JDBC writer.

    python bench/spark_publish.py               # K = 10 and 100
    python bench/spark_publish.py --scales 1

The JDBC writer needs TCP (the embedded server listens on a socket only), so both publish into
Debian's PostgreSQL 15 on loopback (tests/support/pg15.py), as its superuser, into a fresh database
with the tables made: `sparkify lake publish LAKE` end to end, and a Spark job (local[2], the
PostgreSQL JDBC driver from Debian's libpostgresql-jdbc-java) that writes the same tables with
`batchsize=10000` and `reWriteBatchedInserts=true`, file ids mapped through the manifest it
wrote first, then recounts user_song_plays. The JDBC job commits per task: readers could see
half a warehouse, which is one reason publish uses COPY in one transaction. The figures go to
the `publish` section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO))  # the tests package: tests.support
from harness.measure import Bench, log, run_measured, sparkify  # noqa: E402
from harness.results import machine_facts  # noqa: E402
from harness.roots import generated_root  # noqa: E402
from harness.script import options, save  # noqa: E402

from tests.support import pg15  # noqa: E402

SECTION = "publish"
JDBC_JAR = Path("/usr/share/java/postgresql.jar")


def fresh(server: pg15.Pg15Server, database: str) -> str:
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = server.url(database=database)
    from sparkify.config import Settings
    from sparkify.postgres.db import connect
    from sparkify.postgres.schema import create_all

    with connect(Settings(Path("unused"), url, None, Path("data")), autocommit=True) as conn:
        create_all(conn)
    return url


def jdbc_publish(spark, lake: Path, version: str, server: pg15.Pg15Server,
                 database: str) -> float:
    from pyspark.sql import functions as F

    from sparkify.core.tables import MANIFEST_COLUMNS
    from sparkify.postgres.publish import COPIES

    url = f"jdbc:postgresql://127.0.0.1:{server.port}/{database}?reWriteBatchedInserts=true"
    props = {"user": pg15.SUPERUSER, "password": server.password, "batchsize": "10000",
             "driver": "org.postgresql.Driver",
             "sessionInitStatement": "SET session_replication_role = replica"}
    from sparkify.spark.lake import Lake

    layout = Lake(lake)  # its read() types the partition values again (year, month)
    started = time.perf_counter()
    with psycopg.connect(server.url(database=database), autocommit=True) as conn:
        conn.execute("SELECT sparkify.pause_user_song_plays()")
    layout.read(spark, version, "manifest").select(*MANIFEST_COLUMNS).write.jdbc(
        url, "sparkify.manifest", "append", props)
    ids = spark.read.jdbc(url, "sparkify.manifest", properties=props).select(
        F.col("path").alias("_path"), F.col("file_id"))
    for table, columns in COPIES:  # in the order the foreign keys want
        frame = layout.read(spark, version, table)
        if table in ("events", "songplays", "rejects"):
            key = "path" if table == "rejects" else "source_path"
            frame = frame.join(F.broadcast(ids), frame[key] == ids["_path"])
            if table != "rejects":
                frame = frame.withColumn("source_file_id", F.col("file_id"))
        target = "sparkify.rejects" if table == "rejects" else f"public.{table}"
        frame.select(*columns).write.jdbc(url, target, "append", props)
    with psycopg.connect(server.url(database=database), autocommit=True) as conn:
        conn.execute("SELECT sparkify.recount_user_song_plays()")
    return time.perf_counter() - started


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0]
                for t in ("songplays", "users", "songs", "artists", "time", "events")}


def bench_publish(args: argparse.Namespace) -> dict:
    bench = Bench.start(args.cache)
    loadavg = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    server = pg15.Pg15Server().start()
    env = {k: v for k, v in bench.env("postgres").items() if k != "SPARKIFY_DATABASE"}
    env["PYSPARK_PYTHON"] = sys.executable
    runs = {}
    try:
        from sparkify.spark import session

        spark = session.start("local[2]", {"spark.jars": str(JDBC_JAR)},
                              app_name="sparkify publish bench")
        for scale in args.scales:
            root, _ = generated_root(args.cache, scale, args.seed, bench.env("postgres"))
            lake = args.cache / "lakes" / f"k{scale}-seed{args.seed}"
            log(f"K={scale}: lake build (not timed)")
            from sparkify.spark.build import build

            built = build(spark, root, str(lake))
            row: dict = {"copy": [], "jdbc": []}
            for turn in range(args.repeat):
                log(f"K={scale}: publish by COPY, turn {turn + 1}")
                url = fresh(server, f"publish_copy_k{scale}")
                m = run_measured(sparkify("lake", "publish", str(lake), "--json"),
                                 {**env, "DATABASE_URL": url})
                m.json()
                row["copy"].append({"seconds": m.seconds, "peak_rss": m.peak_rss,
                                    "tables": counts(url)})
                log(f"K={scale}: publish by JDBC, turn {turn + 1}")
                url = fresh(server, f"publish_jdbc_k{scale}")
                seconds = jdbc_publish(spark, lake, built.version, server,
                                       f"publish_jdbc_k{scale}")
                row["jdbc"].append({"seconds": seconds, "tables": counts(url)})
            row["same_tables"] = all(r["tables"] == row["copy"][0]["tables"]
                                     for r in row["copy"] + row["jdbc"])
            runs[scale] = row
        spark.stop()
    finally:
        server.stop()
    return {"runs": runs, "loadavg": loadavg, "machine": machine_facts(bench),
            "command": " ".join(["python bench/spark_publish.py", *args.argv])}


def render(result: dict) -> str:
    machine = result["machine"]
    lines = [f"<!-- bench:{SECTION}:start -->",
             f"## Publishing a lake: COPY against Spark's JDBC writer (`{result['command']}`)",
             "", (f"{machine['date']}, commit {machine['commit']}, {machine['cores']} cores, "
                  f"load average {result['loadavg']} before the run. Into PostgreSQL 15 on "
                  "loopback as its superuser, a fresh database each time, best of "
                  f"{len(next(iter(result['runs'].values()))['copy'])}. COPY: the whole "
                  "`sparkify lake publish` command (its Python start included), one "
                  "transaction, analytics indexes rebuilt. JDBC: the writes of a Spark job "
                  "already running (local[2], batchsize 10000, reWriteBatchedInserts), "
                  "committed task by task, indexes kept up row by row."),
             "", "| K | rows (songplays + events) | COPY seconds | JDBC seconds | JDBC / COPY |",
             "|---:|---:|---:|---:|---:|"]
    for scale, row in result["runs"].items():
        copy = min(r["seconds"] for r in row["copy"])
        jdbc = min(r["seconds"] for r in row["jdbc"])
        tables = row["copy"][0]["tables"]
        lines.append(f"| {scale} | {tables['songplays'] + tables['events']:,} | {copy:.1f} "
                     f"| {jdbc:.1f} | {jdbc / copy:.2f}x |")
    same = all(row["same_tables"] for row in result["runs"].values())
    lines += ["", f"- Tables the same both ways: {'yes' if same else 'NO'}.",
              f"<!-- bench:{SECTION}:end -->", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = options(__doc__, SECTION, "10,100", repeat=2, argv=argv)
    for needed, package in ((pg15.BIN / "postgres", "postgresql-15"),
                            (JDBC_JAR, "libpostgresql-jdbc-java")):
        if not needed.exists():
            raise SystemExit(f"{needed} is missing: apt-get install {package}")
    result = bench_publish(args)
    save(args, SECTION, result, render)
    return 0 if all(row["same_tables"] for row in result["runs"].values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
