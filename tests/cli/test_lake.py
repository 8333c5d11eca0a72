"""`sparkify lake`: what is wrong, in one line (cli/lake.py)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

# without Java every test here skips, saying so, or fails under CI (support/prerequisites.py)
pytestmark = [pytest.mark.usefixtures("java"), pytest.mark.slow]


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
    # a master Spark cannot take: one line, before its JVM starts (which printed a Java stack
    # trace, or for local[x] no reason at all)
    from tests.support.helpers import event, write_log

    write_log(tmp_path / "root", "a.json", [event()])
    for master in ("bogus", "local[x]", "local[0]"):
        bad = CliRunner().invoke(cli, ["lake", "build", str(tmp_path / "root"),
                                       str(tmp_path / "m"), "--master", master])
        assert bad.exit_code == 2 and bad.stderr == (
            "sparkify: error: --master is local, local[N], local[*], spark://HOST:PORT, yarn or "
            f"k8s://URL; not {master!r}\n"), bad.stderr
    from sparkify.spark.session import SPARK_MASTER

    assert all(SPARK_MASTER.fullmatch(master) for master in (
        "local", "local[*]", "local[2]", "local[2, 3]", "local-cluster[2,1,1024]",
        "spark://127.0.0.1:7077", "spark://a:7077,b:7077", "yarn", "k8s://https://h:6443"))


def test_a_java_home_without_java_is_one_line(tmp_path, sample_root):
    """Spark starts JAVA_HOME's java when it is set: one with no bin/java is said in one line
    before Spark is started (else: spark-class's shell errors, then a gateway error)."""
    from tests.support.faults import CLI

    env = dict(os.environ, JAVA_HOME=str(tmp_path / "no-jdk"))
    done = subprocess.run([*CLI, "lake", "build", str(sample_root), str(tmp_path / "lake")],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    said = (f"sparkify: error: JAVA_HOME is {tmp_path / 'no-jdk'}, which has no bin/java: "
            "point it at a Java 17 or later, or unset it to use the java on PATH")
    assert done.stderr.splitlines() == [said], done.stderr
    assert [p.name for p in (tmp_path / "lake").iterdir()] == [".lock"]  # no version begun


def test_a_build_ends_with_its_jvm(tmp_path):
    """A successful `lake build` exits without stopping Spark (cli/lake.py _exit_now): its JVM
    ends by itself, at once. (One writing the class archive is stopped, to keep it: that takes
    a minute, and every fresh machine's first session does it. So this build maps the archive
    when there is one, starting 5 s sooner, and else does without.)"""
    from sparkify.spark.session import CLASS_ARCHIVE_VARIABLE, _class_archive
    from tests.support.helpers import event, song, write_log, write_song

    root = tmp_path / "root"
    write_song(root, "A/a.json", song(song_id="S1", title="T", artist_name="B", duration=1.0))
    write_log(root, "2018/11/a.json", [event(song="T", artist="B", length=1.0)])
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    if _class_archive()[1] is not None:  # none written yet: this JVM would write it
        env[CLASS_ARCHIVE_VARIABLE] = "off"
    jvms = _build_watching_jvms(root, tmp_path / "lake", env)
    _, alive = psutil.wait_procs(jvms, timeout=30)
    assert not alive, "the build's JVM outlived it"


def _build_watching_jvms(root: Path, lake: Path, env: dict[str, str]) -> list[psutil.Process]:
    """Run `sparkify lake build` to its successful end; the JVMs it started."""
    from tests.support.engines import FAST_START_ARGS
    from tests.support.faults import CLI

    # files, not pipes: a reader of a pipe would wait for the JVM too, which inherits it
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = psutil.Popen([*CLI, "lake", "build", str(root), str(lake), "--master",
                             "local[1]", "--json", *FAST_START_ARGS], env=env, stdout=out,
                            stderr=err)
        jvms: dict[int, psutil.Process] = {}
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                jvms |= {p.pid: p for p in proc.children(recursive=True) if p.name() == "java"}
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        assert proc.returncode == 0, err.read()[-2000:]
        assert json.loads(out.read())["built"] and jvms
    return list(jvms.values())
