"""A Spark session kept running to build lakes on request: `sparkify lake serve SOCKET`, and
`sparkify lake build ROOT LAKE --server SOCKET`.

A command that starts its own Spark pays for a cold JVM every time: the class loading, and
some 35 queries planned and compiled by a JVM that has compiled nothing yet. For a daily run,
that is most of the work (a new day on K=100: 20 s as its own command, 9–11 s in a session
that has built before; bench/RESULTS.md, session 24). The server keeps one session and runs
each build in it, one at a time, with the same code the command runs (spark/build.py), in a
session of its own (spark.newSession(): its own views and settings, the same SparkContext).

Client and server talk over a Unix socket by multiprocessing.connection (the standard
library's framed messages, the peer authenticated by a key). The key is in SOCKET.key, which
only the server's user can read; it is written once the session is up and the socket listens,
and removed when the server stops, so it also says that a server is ready.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from sparkify.errors import SparkifyError
from sparkify.sources.files import is_url

Notify = Callable[[str], None]
WATCH_SECONDS = 0.2  # how often a build checks that its client is still there


def key_file(socket: str | Path) -> Path:
    path = Path(socket)
    return path.with_name(path.name + ".key")


def lock_file(socket: str | Path) -> Path:
    path = Path(socket)
    return path.with_name(path.name + ".lock")


class ClientGone(SparkifyError):
    """The client of a build went away (Ctrl-C, killed): the build stops."""


def serve(socket: str, start_session: Callable[[], Any], say: Notify,
          stop: threading.Event | None = None) -> None:
    """Listen on `socket` until SIGTERM or SIGINT (or `stop` is set), building each request in
    one session started by `start_session` once; the session is stopped, the socket removed
    at the end."""
    from sparkify.spark import session

    path = Path(socket).absolute()
    with _claimed(path):
        spark = start_session()
        try:
            _serve(path, spark, say, stop or threading.Event())
        finally:
            session.stop(spark)


def _serve(path: Path, spark: Any, say: Notify, stop: threading.Event) -> None:
    key = secrets.token_bytes(32)
    mask = os.umask(0o077)  # the socket and its key: the server's user only
    try:
        listener = Listener(str(path), family="AF_UNIX", authkey=key)
        with open(key_file(path), "xb") as handle:
            handle.write(key)
    except OSError as exc:
        raise SparkifyError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    finally:
        os.umask(mask)
    one_at_a_time = threading.Lock()
    main = threading.current_thread() is threading.main_thread()  # where signals are handled
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    waking = threading.Thread(target=_wake_when_set, args=(stop, path, key), daemon=True)
    waking.start()
    say(f"lake server ready on {path} (Ctrl-C stops it)")
    try:
        while True:
            try:
                connection = listener.accept()
            except (AuthenticationError, EOFError, OSError):
                continue  # a client with the wrong key, or gone before it spoke
            if stop.is_set():
                connection.close()
                break
            threading.Thread(target=_answer, args=(spark, connection, one_at_a_time, say),
                             name="sparkify-lake-request", daemon=True).start()
    except KeyboardInterrupt:
        say("lake server stopping")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        key_file(path).unlink(missing_ok=True)
        listener.close()  # removes the socket


def _wake_when_set(stop: threading.Event, path: Path, key: bytes) -> None:
    """Once `stop` is set, a connection of its own wakes the server's accept() to see it."""
    stop.wait()
    with contextlib.suppress(OSError, EOFError, AuthenticationError):
        Client(str(path), family="AF_UNIX", authkey=key).close()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _claimed(path: Path) -> Iterator[None]:
    """`path` for this server alone while the block runs: a lock the kernel releases when the
    process ends, however it ends; what a server killed left there is removed."""
    try:
        handle = open(lock_file(path), "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise SparkifyError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise SparkifyError(f"a lake server already runs on {path}") from exc
        key_file(path).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        yield


def _answer(spark: Any, connection: Connection, one_at_a_time: threading.Lock,
            say: Notify) -> None:
    """One request: build, telling the client each stage, then the result or the error."""
    with connection:
        try:
            request = connection.recv()
            root, lake = request["root"], request["lake"]
        except (EOFError, OSError, KeyError, TypeError):
            return
        gone = threading.Event()

        def tell(message: str) -> None:
            if gone.is_set():
                raise ClientGone("the client went away")
            try:
                connection.send(("stage", message))
            except OSError as exc:
                gone.set()
                raise ClientGone("the client went away") from exc

        try:
            if not one_at_a_time.acquire(blocking=False):
                tell("waiting for the build under way")
                one_at_a_time.acquire()
        except ClientGone:
            return
        try:
            with _watching(spark, connection, gone):
                answer = ("result", _build(spark.newSession(), root, lake, tell))
        except SparkifyError as exc:
            answer = ("error", str(exc))
        except Exception as exc:  # noqa: BLE001 - a fault of ours: its trace in the log only
            traceback.print_exc(file=sys.stderr)
            answer = ("error", f"the lake server failed: {type(exc).__name__}: {exc}")
        finally:
            one_at_a_time.release()
        if gone.is_set():
            say(f"{lake}: the client went away; the build stopped")
            return
        kind, value = answer
        say(f"{lake}: " + (value if kind == "error" else f"version {value.version}, "
                           f"{value.seconds:.1f} s" if value.built else "up to date"))
        with contextlib.suppress(OSError):
            connection.send(answer)


def _build(spark: Any, root: str, lake: str, tell: Notify) -> Any:
    from sparkify.spark.build import build
    from sparkify.spark.failure import one_line

    with one_line(lake):
        return build(spark, root, lake, tell)


@contextlib.contextmanager
def _watching(spark: Any, connection: Connection, gone: threading.Event) -> Iterator[None]:
    """While the block runs: once the client has gone (its end of the socket closed), every
    Spark job is cancelled, those started later too, until the block ends (the build fails)."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(WATCH_SECONDS):
            if not gone.is_set():
                try:
                    if not connection.poll(0):
                        continue
                    connection.recv()  # the client sends nothing more: only its end
                    continue
                except (EOFError, OSError):
                    gone.set()
            spark.sparkContext.cancelAllJobs()

    watcher = threading.Thread(target=watch, name="sparkify-lake-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


@contextlib.contextmanager
def _connect(socket: Path) -> Iterator[Connection]:
    try:
        key = key_file(socket).read_bytes()
        connection = Client(str(socket), family="AF_UNIX", authkey=key)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise SparkifyError(f"no lake server on {socket}: start one with "
                            f"`sparkify lake serve {socket}`") from exc
    except (AuthenticationError, PermissionError, EOFError, OSError) as exc:
        raise SparkifyError(f"the lake server on {socket} did not let this client in: "
                            f"{exc}") from exc
    with connection:
        yield connection


def build_on(socket: str, root: str, lake: str, notify: Notify) -> Any:
    """Build `lake` from `root` on the server listening on `socket`; its BuildResult."""
    path = Path(socket).absolute()
    where = root if is_url(root) else os.path.abspath(root)  # the server's folder is not ours
    with _connect(path) as connection:
        connection.send({"root": where, "lake": os.path.abspath(lake)})
        while True:
            try:
                kind, value = connection.recv()
            except (EOFError, OSError) as exc:
                raise SparkifyError(f"the lake server on {path} stopped during the build; "
                                    "a build cut short leaves the lake as it was") from exc
            if kind == "stage":
                notify(value)
            elif kind == "error":
                raise SparkifyError(value)
            else:
                return value
