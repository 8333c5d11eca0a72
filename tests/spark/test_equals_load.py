"""The Spark engine against the PostgreSQL loader: `lake build` + `lake publish` give the same
warehouse as `sparkify load` of the same root, row for row (surrogate ids aside; each row's
file named by its manifest path), on the real sample and on every kind of bad record and tie.
"""

from __future__ import annotations

import pytest

from sparkify import api
from sparkify.generate.ids import mojibake
from sparkify.postgres.load.pipeline import load
from sparkify.postgres.publish import publish
from sparkify.spark.build import build
from sparkify.spark.lake import Lake
from tests.support.engines import assert_same_warehouse, spark_conf
from tests.support.helpers import query
from tests.support.lakes import LAKE_TABLES, lake_rows

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


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
    for table in ("songplays", "events", "time"):  # Hive partitions of Parquet files, a day each
        days = (lake / "versions" / built.version / table).glob("year=2018/month=11/day=*")
        assert len([day for day in days if list(day.glob("*.parquet"))]) == 30, table
    assert list((lake / "versions" / built.version / "songs").glob(
        "year=*/*.parquet"))
    assert api.report(settings=settings).top_songs  # every view answers
    assert api.recommend(15, settings=settings)
    plays = Lake(lake).dataset(built.version, "songplays").to_table().to_pylist()
    assert sum(p["artist_name_repaired"] == "Bj\u00f6rk" for p in plays) == 33  # the lake reads
    assert not [p for p in plays if "\u00c3" in p["artist_name_repaired"]]  # names repaired
    assert {p["artist_name"] for p in plays if p["artist_name_repaired"] == "Bj\u00f6rk"} == {
        mojibake("Bj\u00f6rk")}  # and keeps the text as received


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


# on the second server, the bad records and ties above are the publish's equality: a root ten
# times the sample's adds volume there, not a case (and takes a minute)
@pytest.mark.first_pass
def test_a_generated_k10_root_as_sparkify_load(k10_root, k10_lake, settings, second):
    """Ten times the sample's size, generated (`sparkify generate --scale 10`): built in
    local[2] and published, it is the warehouse `sparkify load` makes of it. Its log files
    (about 1.2 MB each) were read in splits of 300 kB, several tasks a file, as big files are
    (tests/plugins/spark.py): each line keeps its number in its file (events.source_line,
    rejects.line_number)."""
    lake, built = k10_lake
    assert built.built and built.files_loaded == 740
    publish(settings, str(lake))
    loaded = load(second, k10_root, notify=lambda message: None)
    assert built.tables == loaded.tables and built.events == loaded.events
    assert_same_warehouse(settings, second)


@pytest.mark.first_pass
@pytest.mark.parametrize("mode", ["auto", "driver", "arrow", "python"])
def test_every_parse_mode_builds_the_same_lake(mode, adversarial_lake, shared_spark, tmp_path):
    """`--conf spark.sparkify.parse=driver` (files read and validated on the driver, the
    default for small inputs: `auto`), `=arrow` (every record through the validator, files
    read by Spark) and `=python` (files read by the validator on the workers, as from an
    object store) build the lake the native path builds of the bad records and ties, which
    equals `sparkify load`'s."""
    root, native_lake, native = adversarial_lake
    with spark_conf(shared_spark.live(), {"spark.sparkify.parse": mode}) as spark:
        built = build(spark, root, str(tmp_path / "lake"))
    assert (built.tables, built.events, built.songs) == (native.tables, native.events,
                                                         native.songs)
    for table in (*LAKE_TABLES, "manifest", "names"):
        mine = lake_rows(tmp_path / "lake", built.version, table)
        assert mine == lake_rows(native_lake, native.version, table), table
