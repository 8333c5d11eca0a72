"""Loading from S3: a real S3 server (moto's) on loopback, holding the real sample.

The server's own request log says which objects a load read, so "reads no object" is counted
where the loader cannot fake it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from sparkify.postgres.load.pipeline import LoadOptions, load
from sparkify.sources.files import discover, find_sources
from tests.support import s3_server
from tests.support.helpers import event, query, scalar
from tests.support.prerequisites import REPO

pytestmark = pytest.mark.slow  # starts moto's S3 server

BUCKET = "sparkify-sample"
SAMPLE_URL = f"s3://{BUCKET}/data"
FIGURES = {"songplays": 6820, "users": 97, "songs": 71, "artists": 69, "time": 6813}
AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION")


@pytest.fixture(scope="module")
def s3(start_s3, sample_root):
    """An S3 server with the sample under s3://sparkify-sample/data; the AWS variables of the
    process point at it for the module's tests."""
    server = start_s3()
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    assert s3_server.upload_tree(client, BUCKET, "data", sample_root) == 101
    with pytest.MonkeyPatch.context() as patch:
        for name in AWS_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ENDPOINT_URL", server.url)
        patch.setenv("AWS_ACCESS_KEY_ID", "test")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-of-the-module")
        patch.setenv("AWS_DEFAULT_REGION", s3_server.REGION)
        # no instance metadata service: credentials come from here or nowhere, and no request
        # leaves the loopback
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.delenv("SPARKIFY_ANON", raising=False)
        yield server


def put_log(s3, key: str, records: list, **extra) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    s3.client().put_object(Bucket=BUCKET, Key=key, Body="\n".join(lines).encode(), **extra)


def test_a_load_from_s3_gives_the_figures_of_a_local_load_and_a_rerun_reads_no_object(
        s3, settings, sample_settings):
    # in 3 batches, staged by a second process (which reads the objects) as big loads are
    result = load(settings, SAMPLE_URL, notify=lambda message: None, parallel=True,
                  options=LoadOptions(batch_files=50))
    assert result.tables == FIGURES
    assert query(sample_settings, "SELECT count(*) FROM songplays") == [(FIGURES["songplays"],)]
    assert result.data_root == SAMPLE_URL
    assert (result.files_loaded, result.files_skipped) == (101, 0)
    # the manifest keys each object by its URL, with its ETag
    keys = query(settings, "SELECT path, etag FROM sparkify.manifest ORDER BY path")
    assert len(keys) == 101
    assert all(path.startswith(SAMPLE_URL + "/") and etag for path, etag in keys)
    # the same rows as the local load: every songplay, but for its file's key
    plays = """SELECT p.start_time, p.user_id, p.level, p.song_id, p.artist_id, p.session_id,
                      p.location, p.user_agent, regexp_replace(m.path, '^.*/log_data/', '')
               FROM songplays p JOIN sparkify.manifest m ON m.file_id = p.source_file_id
               ORDER BY 1, 2, 6"""
    assert query(settings, plays) == query(sample_settings, plays)

    reads_before = len(s3.object_reads(BUCKET))
    lists_before = len(s3.requests())
    again = load(settings, SAMPLE_URL, notify=lambda message: None)
    assert (again.files_loaded, again.files_skipped) == (0, 101)
    assert again.tables == FIGURES
    assert len(s3.requests()) > lists_before  # it did ask the server: for the listing
    assert s3.object_reads(BUCKET)[reads_before:] == []


def test_a_changed_object_reloads_in_place_and_an_unchanged_copy_is_not_read(s3, settings):
    key = "small/log_data/2018-11-01-events.json"
    url = f"s3://{BUCKET}/{key}"
    root = f"s3://{BUCKET}/small"
    first = [event(sessionId=1, itemInSession=i, ts=1541105830796 + i, userId="7")
             for i in range(3)]
    put_log(s3, key, first)
    assert load(settings, root, notify=lambda m: None).events["song_plays"] == 3
    file_id = scalar(settings, "SELECT file_id FROM sparkify.manifest WHERE path = %s", [url])

    # the same bytes put again: a new last-modified time, the same size and ETag: not read
    time.sleep(1.1)  # S3 keeps last-modified to the second
    put_log(s3, key, first)
    reads = len(s3.object_reads(BUCKET))
    assert load(settings, root, notify=lambda m: None).files_loaded == 0
    assert s3.object_reads(BUCKET)[reads:] == []

    # the same size, other bytes (a new ETag): reloaded, in place
    second = [dict(record) for record in first]
    second[0]["level"], second[1]["level"] = "fre1", "paid"  # each as long as "free"
    put_log(s3, key, second)
    result = load(settings, root, notify=lambda m: None)
    assert result.files_loaded == 1
    assert s3.object_reads(BUCKET)[reads:] == [f"/{BUCKET}/{key}"]
    assert query(settings, "SELECT item_in_session, level FROM songplays ORDER BY 1") == [
        (0, "fre1"), (1, "paid"), (2, "free")]
    assert scalar(settings, "SELECT file_id FROM sparkify.manifest WHERE path = %s",
                  [url]) == file_id

    # a broken line: a reject that names the object's URL and the line
    put_log(s3, key, [*second, '{"ts": 1541105830799, "page": "NextSong"'])
    result = load(settings, root, notify=lambda m: None)
    assert result.events["rejected"] == 1
    assert query(settings, "SELECT path, line_number FROM sparkify.rejects") == [(url, 4)]
    assert scalar(settings, "SELECT count(*) FROM songplays") == 3


def test_sparkify_load_takes_an_s3_url_as_argument_or_sparkify_data(s3, settings):
    put_log(s3, "cli/log_data/a.json", [event(sessionId=5, itemInSession=0)])
    done = CliRunner().invoke(cli, ["load", f"s3://{BUCKET}/cli", "--json", "--no-check"],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["events"]["song_plays"] == 1
    os.environ["SPARKIFY_DATA"] = f"s3://{BUCKET}/cli"
    try:
        done = CliRunner().invoke(cli, ["load", "--json", "--no-check"], catch_exceptions=False)
    finally:
        del os.environ["SPARKIFY_DATA"]
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["files"] == {"loaded": 0, "skipped": 1}


def test_etl_py_takes_an_s3_url(s3, settings):
    put_log(s3, "etl/log_data/a.json", [event(sessionId=6, itemInSession=0)])
    done = subprocess.run([sys.executable, str(REPO / "etl.py"), f"s3://{BUCKET}/etl"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "1 files loaded" in done.stdout
    assert scalar(settings, "SELECT count(*) FROM songplays") == 1


def fail(args: list[str], env: dict | None = None):
    done = CliRunner().invoke(cli, ["load", *args, "--no-check"], env=env,
                              catch_exceptions=False)
    lines = done.stderr.strip().splitlines()
    assert done.exit_code == 2, done.output
    assert len(lines) == 1 and lines[0].startswith("sparkify: error: "), done.stderr
    assert "test-secret-of-the-module" not in done.output
    return lines[0]


def test_without_credentials_an_error_names_anon_and_anon_reads_public_objects(s3, settings):
    put_log(s3, "public/log_data/a.json", [event(sessionId=7, itemInSession=0)],
            ACL="public-read")
    unsigned = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
    line = fail([f"s3://{BUCKET}/public"], env=unsigned)
    assert "no credentials" in line and "--anon" in line
    # the server tells anonymous requests apart: a private object is refused to them
    line = fail([f"s3://{BUCKET}/data", "--anon"], env=unsigned)
    os.environ.pop("SPARKIFY_ANON", None)
    assert "access denied" in line and f"s3://{BUCKET}/data/" in line
    done = CliRunner().invoke(cli, ["load", f"s3://{BUCKET}/public", "--anon", "--json",
                                    "--no-check"], env=unsigned, catch_exceptions=False)
    os.environ.pop("SPARKIFY_ANON", None)  # the flag sets it for the staging process
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["events"]["song_plays"] == 1


def test_a_missing_bucket_or_prefix_is_one_line(s3, settings):
    assert "no such bucket" in fail(["s3://no-such-bucket-here/data"])
    line = fail([f"s3://{BUCKET}/no/such/prefix"])
    assert f"s3://{BUCKET}/no/such/prefix" in line and "does not exist" in line
    put_log(s3, "neither/other/a.json", [event()])
    assert "holds neither song_data/ nor log_data/" in fail([f"s3://{BUCKET}/neither"])


def test_an_endpoint_that_refuses_or_never_answers_ends_in_an_error_not_a_hang(s3, settings):
    closed = s3_server.free_port()  # nothing listens there
    started = time.monotonic()
    line = fail([SAMPLE_URL], env={"AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed}",
                                   "SPARKIFY_STORE_TIMEOUT": "1"})
    assert "cannot reach" in line and f"127.0.0.1:{closed}" in line
    assert time.monotonic() - started < 30

    silent = socket.socket()  # accepts connections, never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        line = fail([SAMPLE_URL], env={
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{silent.getsockname()[1]}",
            "SPARKIFY_STORE_TIMEOUT": "0.3", "AWS_MAX_ATTEMPTS": "2"})
        assert "cannot reach" in line
        assert time.monotonic() - started < 30
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()


def test_other_fsspec_file_systems_are_walked_in_key_order_and_file_urls_are_paths(tmp_path):
    import fsspec

    memory = fsspec.filesystem("memory")
    for name in ("log_data/b.json", "log_data/a/z.json", "log_data/.hidden/x.json",
                 "log_data/notes.txt", "song_data/A/s.json", "other/o.json"):
        memory.pipe(f"/sparkify-walk/{name}", b"{}\n")
    found = [(f.kind, f.key) for f in discover("memory://sparkify-walk")]
    assert found == [("song", "memory:///sparkify-walk/song_data/A/s.json"),
                     ("log", "memory:///sparkify-walk/log_data/a/z.json"),
                     ("log", "memory:///sparkify-walk/log_data/b.json")]
    assert all(size == 3 for size in (f.size for f in discover("memory://sparkify-walk")))

    (tmp_path / "log_data").mkdir()
    (tmp_path / "log_data" / "a.json").write_text("{}")
    assert [f.key for f in discover(f"file://{tmp_path}")] == [
        f.key for f in discover(tmp_path)] == [str(tmp_path.resolve() / "log_data" / "a.json")]


def test_the_listing_streams_a_page_of_keys_at_a_time(s3):
    from concurrent.futures import ThreadPoolExecutor

    client = s3.client()
    keys = [f"many/song_data/{i // 100:02d}/{i:04d}.json" for i in range(1001)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=BUCKET, Key=key, Body=b"{}"), keys))

    def listings() -> int:
        return sum(1 for method, path in s3.requests()
                   if method == "GET" and path.startswith(f"/{BUCKET}?list-type=2&prefix=many"))

    before = listings()
    found = find_sources(f"s3://{BUCKET}/many")
    first = next(found)
    assert first[0] == f"s3://{BUCKET}/many/song_data/00/0000.json"
    assert listings() - before == 2  # the root's folders, then the first page of 1,000 keys
    rest = list(found)
    assert listings() - before == 3  # the second page only once the first was used up
    assert [key for key, *_ in [first, *rest]] == [f"s3://{BUCKET}/{key}" for key in keys]


def test_a_replayed_event_in_another_object_is_a_reject_holding_its_raw_line(s3, settings):
    replayed = event(sessionId=40, itemInSession=3, ts=1541105830900)
    put_log(s3, "replay/log_data/a.json", [replayed])
    put_log(s3, "replay/log_data/b.json", [event(sessionId=41, itemInSession=0), replayed])
    result = load(settings, f"s3://{BUCKET}/replay", notify=lambda m: None)
    assert result.events["rejected"] == 1
    assert query(settings, "SELECT path, line_number, raw::jsonb = %s::jsonb, reason_code "
                           "FROM sparkify.rejects", [json.dumps(replayed)]) == [
        (f"s3://{BUCKET}/replay/log_data/b.json", 2, True, "duplicate")]


def test_an_object_larger_than_a_whole_fetch_streams_in_blocks(s3):
    from sparkify.core.records import FileStats
    from sparkify.sources.extract import parse_file
    from sparkify.sources.files import FETCH_WHOLE_MAX, READ_BLOCK

    line = json.dumps(event()).encode() + b"\n"
    count = FETCH_WHOLE_MAX // len(line) + 1000
    key = "big/log_data/big.json"
    s3.client().put_object(Bucket=BUCKET, Key=key, Body=line * count)
    [source] = discover(f"s3://{BUCKET}/big")
    assert source.size > FETCH_WHOLE_MAX
    reads = len(s3.object_reads(BUCKET))
    stats = FileStats()
    assert sum(1 for _ in parse_file(source, 0, stats)) == count == stats.read
    gets = s3.object_reads(BUCKET)[reads:]
    assert gets == [f"/{BUCKET}/{key}"] * len(gets)
    assert len(gets) >= source.size // READ_BLOCK  # block by block, not in one piece


def test_fetch_threads_asking_at_once_share_one_file_system(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from sparkify.sources.store import filesystem

    monkeypatch.setenv("AWS_DEFAULT_REGION", f"eu-test-{time.monotonic_ns()}")  # none made yet
    with ThreadPoolExecutor(16) as pool:
        made = list(pool.map(lambda _: filesystem(f"s3://{BUCKET}/data")[0], range(16)))
    assert len({id(fs) for fs in made}) == 1  # one client and connection pool, not sixteen
