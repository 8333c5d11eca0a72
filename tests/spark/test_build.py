"""The Spark engine against the PostgreSQL loader: `lake build` + `lake publish` give the same
warehouse as `sparkify load` of the same root, row for row (surrogate ids aside; each row's
file named by its manifest path), on the real sample, on every kind of bad record, in two
steps, after a kill -9, and on a real two-worker standalone cluster.

One local[2] session serves the module (a session takes seconds to start).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparkify import api
from sparkify.generate.ids import mojibake
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.publish import publish
from sparkify.spark.build import build
from sparkify.spark.lake import Lake
from tests.support.engines import FAST_START, FAST_START_ARGS, assert_same_warehouse
from tests.support.helpers import copy_sample, event, query, song, write_log, write_song
from tests.support.lakes import LAKE_TABLES, assert_same_lake, lake_rows
from tests.support.prerequisites import REPO
from tests.support.spark_cluster import StandaloneCluster

# without Java every test here skips, saying so, or fails under CI (tests/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]

@pytest.fixture(scope="module")
def sample_lake(spark, sample_root, tmp_path_factory):
    """The real sample built in one go, for the tests that compare other builds with it."""
    lake = tmp_path_factory.mktemp("sample-lake")
    return lake, build(spark, sample_root, str(lake))


@pytest.mark.first_pass
def test_the_sample_published_equals_sparkify_load(sample_lake, sample_settings, settings):
    lake, built = sample_lake
    assert built.built and built.files_loaded == 101
    assert built.tables == {"songplays": 6820, "users": 97, "songs": 71, "artists": 69,
                            "time": 6813}
    published = publish(settings, str(lake))
    assert published.tables == built.tables
    assert_same_warehouse(settings, sample_settings)  # the sample, loaded by `sparkify load`
    assert api.check(settings=settings).passed
    for table in ("songplays", "events", "time"):  # Hive partitions of Parquet files
        assert list((lake / "versions" / built.version / table).glob(
            "year=2018/month=11/*.parquet"))
    assert list((lake / "versions" / built.version / "songs").glob(
        "year=*/artist_id=*/*.parquet"))
    assert api.report(settings=settings).top_songs  # every view answers
    assert api.recommend(15, settings=settings)
    plays = Lake(lake).dataset(built.version, "songplays").to_table().to_pylist()
    assert sum(p["artist_name_repaired"] == "Bj\u00f6rk" for p in plays) == 33  # the lake reads
    assert not [p for p in plays if "\u00c3" in p["artist_name_repaired"]]  # names repaired
    assert {p["artist_name"] for p in plays if p["artist_name_repaired"] == "Bj\u00f6rk"} == {
        mojibake("Bj\u00f6rk")}  # and keeps the text as received


def test_two_steps_with_a_kill_between_equal_one_build_in_one_go(spark, sample_lake,
                                                                  sample_root, tmp_path):
    """Build 20 days, then kill -9 a build of all 30 midway: the lake is as it was; the rerun
    completes it, equal to the sample built in one go; then a rebuild writes nothing."""
    root, lake = tmp_path / "root", tmp_path / "lake"
    copy_sample(sample_root, root, range(1, 21))
    first = build(spark, root, str(lake))
    assert first.built and first.files_loaded == 71 + 20
    copy_sample(sample_root, root, range(21, 31))
    proc = subprocess.Popen([sys.executable, "-m", "sparkify", "lake", "build", str(root),
                             str(lake), "--master", "local[1]", "--json", *FAST_START_ARGS],
                            env=dict(os.environ, PYSPARK_PYTHON=sys.executable),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    versions = lake / "versions"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name > first.version and list(p.glob("*/_SUCCESS"))
               for p in versions.iterdir()):
            break  # a table of the new version is written: the build is midway
        time.sleep(0.1)
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its JVM and its Python workers
    proc.wait()
    layout = Lake(lake)
    assert layout.current() == first.version  # as it was, and readable
    assert layout.counts(first.version) == first.tables
    then = build(spark, root, str(lake))  # the rerun completes it
    assert then.built and (then.files_loaded, then.files_skipped) == (10, 91)
    assert max(p.name for p in versions.iterdir()) == then.version
    late = sum(1 for path in (root / "log_data").rglob("*.json") if path.name >= "2018-11-21"
               for line in path.read_bytes().splitlines() if line.strip())
    assert then.events["read"] == late  # the second step counts its own files
    assert then.partitions["songplays"] == {"written": 1, "kept": 0}  # November: touched
    assert_same_lake(lake, then.version, root, sample_lake, sample_root)
    again = build(spark, root, str(lake))  # nothing changed: nothing written
    assert not again.built and again.version == then.version


def adversarial_root(root: Path) -> None:
    """Every kind of bad record the loader's tests use, and the ties the rules settle."""
    write_song(root, "A/a.json", song(song_id="S1", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.0))
    write_song(root, "A/b.json", song(song_id="S2", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.004))
    write_song(root, "B/c.json", song(song_id="S1", artist_id="AR1", title="Tie",
                                      artist_name="Band", duration=200.001, year=1999))
    write_song(root, "B/odd.json", song(song_id="S/3=%", artist_id="007", title="Ids",
                                        artist_name="Digits", duration=10.0,
                                        artist_location="Tab\there, \\back\\ \"q\"",
                                        artist_latitude=45.5, artist_longitude=-73.6))
    write_song(root, "B/empty.json", "")
    write_song(root, "B/broken.json", '{"song_id": "S9", "title": ')
    write_song(root, "B/noid.json", song(song_id=""))
    write_song(root, "B/lines.json", "\n".join([json.dumps(song(song_id="S4", artist_id="AR4")),
                                                '["not", "an", "object"]']))
    # a catalog song the log names mis-encoded, as the real logs do (core/names.py)
    write_song(root, "C/d.json", song(song_id="S5", artist_id="AR5", title="Repr\u00e9sente",
                                      artist_name="Bj\u00f6rk", duration=230.0))
    base = 1541105830796
    good = [event(ts=base, userId="5", level="free", song="Tie", artist="Band", length=200.003),
            event(ts=base + 1000, userId="5", level="paid", itemInSession=1, song="Ids",
                  artist="Digits", length=10.0, location="São Paulo, SP"),
            event(ts=base + 2000, userId="6", itemInSession=2, page="Home", song=None,
                  artist=None, length=None),
            event(ts=base + 3000, userId="", auth="Logged Out", itemInSession=3, page="Home",
                  song=None, artist=None, length=None),
            event(ts=base + 4000, userId="7", itemInSession=4, firstName="",
                  userAgent="\"Mozilla\" \\ x", song="Nothing", artist="Nobody", length=1.5),
            event(ts=base + 5000, userId="9", itemInSession=5, song=mojibake("Repr\u00e9sente"),
                  artist=mojibake("Bj\u00f6rk"), length=230.004, firstName=mojibake("Ren\u00e9e"),
                  location=mojibake("Montr\u00e9al, QC")),
            event(ts=base + 6000, userId="9", itemInSession=6, song="\u00c3GUA",
                  artist="S\u00e3o Paulo Band", length=99.0)]
    bad = [
        "{not json", "[1, 2]", json.dumps(event(ts=None)), json.dumps({"ts": base}),
        json.dumps(event(sessionId="x")), json.dumps(event(status=99)),
        json.dumps(event(userId="", page="NextSong")), json.dumps(event(song="a\u0000b")),
        json.dumps(event(ts=-5)), json.dumps(event(length=2e6)),
    ]
    write_log(root, "2018/11/a.json", [*good, *bad, "   "])
    # a replay of the first event (a duplicate) and a user tie at the same ts, in a later file
    write_log(root, "2018/11/b.json", [event(ts=base, userId="5", level="free", song="Tie",
                                             artist="Band", length=200.003),
                                       event(ts=base + 4000, userId="7", sessionId=2,
                                             lastName="Later", song="Tie", artist="Band",
                                             length=200.02)])
    path = root / "log_data" / "2018/12/c.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(event(ts=base + 40 * 86400_000, userId="8"))
                     .encode() + b"\r\n\xff\xfe bad bytes\r\n")


@pytest.fixture(scope="module")
def adversarial_lake(spark, tmp_path_factory):
    """adversarial_root built in local mode: (root, lake, result)."""
    base = tmp_path_factory.mktemp("adversarial")
    root, lake = base / "root", base / "lake"
    adversarial_root(root)
    return root, lake, build(spark, root, str(lake))


def test_every_kind_of_bad_record_and_tie_as_sparkify_load(adversarial_lake, settings, second):
    root, lake, built = adversarial_lake
    assert built.built and built.rejected > 10
    publish(settings, str(lake))
    load(second, root, notify=lambda message: None)
    assert_same_warehouse(settings, second)
    assert {row[0] for row in query(settings, "SELECT DISTINCT month FROM time")} == {11, 12}
    assert query(settings, "SELECT song_id FROM songplays WHERE user_id = 9 AND "
                 "song_id IS NOT NULL") == [("S5",)]  # found through its repaired name
    reasons = {row[0] for row in query(settings, "SELECT reason_code FROM sparkify.rejects")}
    assert {"not_json", "not_object", "missing_field", "wrong_type", "out_of_range",
            "nul_character", "empty_id", "play_without_user", "duplicate"} <= reasons


def test_a_two_worker_standalone_cluster_builds_what_local_mode_builds(
        sample_lake, adversarial_lake, sample_root, tmp_path):
    """On a real cluster, in one application: the sample; the bad records and ties; the sample
    in two steps and rebuilt. Each lake equals its local-mode twin (which equals `sparkify
    load`, above)."""
    adv_root, adv_lake, adv_built = adversarial_lake
    steps = [["build", str(sample_root), str(tmp_path / "sample")],
             ["build", str(adv_root), str(tmp_path / "adversarial")],
             ["days", str(sample_root), str(tmp_path / "root"), 1, 20],
             ["build", str(tmp_path / "root"), str(tmp_path / "steps")],
             ["days", str(sample_root), str(tmp_path / "root"), 21, 30],
             ["build", str(tmp_path / "root"), str(tmp_path / "steps")],
             ["build", str(tmp_path / "root"), str(tmp_path / "steps")]]
    conf = {**FAST_START, "spark.executor.memory": "768m"}
    with StandaloneCluster(workers=2) as cluster:
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.cluster_job", cluster.url,
             json.dumps(steps)], env={**cluster.env(), "SPARKIFY_TEST_SPARK_CONF":
                                      json.dumps(conf)},
            cwd=REPO, capture_output=True, text=True, timeout=400, check=False)
        executors = (cluster.logs / "master.log").read_text().count("Launching executor")
    assert done.returncode == 0, done.stderr[-2000:]
    sample, adversarial, first, then, again = json.loads(done.stdout.strip().splitlines()[-1])
    assert executors >= 2  # the job ran on both workers
    assert sample["built"] and sample["tables"] == sample_lake[1].tables
    assert_same_lake(tmp_path / "sample", sample["version"], sample_root, sample_lake,
                     sample_root, (*LAKE_TABLES, "manifest"))
    for table in (*LAKE_TABLES, "manifest"):
        assert lake_rows(tmp_path / "adversarial", adversarial["version"], table) == lake_rows(
            adv_lake, adv_built.version, table), table
    assert first["files"]["loaded"] == 91 and then["files"] == {"loaded": 10, "skipped": 91}
    assert_same_lake(tmp_path / "steps", then["version"], tmp_path / "root", sample_lake,
                     sample_root)
    assert not again["built"] and again["version"] == then["version"]


def test_lake_commands_say_what_is_wrong_in_one_line(tmp_path):
    from click.testing import CliRunner

    from sparkify.cli import cli

    missing = CliRunner().invoke(cli, ["lake", "publish", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "holds no lake yet" in missing.stderr
    wrong = CliRunner().invoke(cli, ["lake", "build", str(tmp_path / "nowhere"),
                                     str(tmp_path / "lake")])
    assert wrong.exit_code == 2 and "does not exist" in wrong.stderr
    conf = CliRunner().invoke(cli, ["lake", "build", str(tmp_path), str(tmp_path / "l"),
                                    "--conf", "novalue"])
    assert conf.exit_code == 2 and "KEY=VALUE" in conf.stderr


def test_an_up_to_date_lake_or_a_wrong_root_starts_no_spark(sample_lake, sample_root):
    lake, built = sample_lake

    def no_spark():
        raise AssertionError("Spark was started")

    again = build(no_spark, sample_root, str(lake))
    assert not again.built and again.version == built.version
    from sparkify.errors import SparkifyError

    with pytest.raises(SparkifyError, match="does not exist"):
        build(no_spark, sample_root / "nowhere", str(lake))
