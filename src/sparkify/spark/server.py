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
and removed when the server stops, so it also says that a server is ready. The key exchange
runs in each connection's own thread, under a deadline (HANDSHAKE_SECONDS): a connection that
says nothing holds neither the accept loop nor anything else for long.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import stat
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import (
    Client,
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path
from socket import AF_UNIX, SO_PEERCRED, SO_RCVTIMEO, SOL_SOCKET
from socket import socket as Socket
from typing import Any

from sparkify.errors import SparkifyError
from sparkify.sources.files import is_url

Notify = Callable[[str], None]
WATCH_SECONDS = 0.2  # how often a build checks that its client is still there
# A client answers the key's challenge and sends its request in milliseconds (it read the key
# before connecting); a connection silent for this long is not one (a stray or stuck process)
# and is dropped. Seconds, not less: a machine busy with a build can hold a client up a while.
HANDSHAKE_SECONDS = 5.0
# A server stopping cancels the build under way and waits this long for it to end (its client
# told) before it goes on stopping: cancelled jobs end in seconds, a stuck write need not.
STOP_WAIT_SECONDS = 120


def key_file(socket: str | Path) -> Path:
    return _beside(socket, ".key")


def lock_file(socket: str | Path) -> Path:
    return _beside(socket, ".lock")


def _beside(socket: str | Path, suffix: str) -> Path:
    path = Path(socket)
    return path.with_name(path.name + suffix)


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
            _Server(path, spark, say, stop or threading.Event()).run()
        finally:
            session.stop(spark)


class _Server:
    def __init__(self, path: Path, spark: Any, say: Notify, stop: threading.Event) -> None:
        self.path, self.spark, self.say, self.stop = path, spark, say, stop
        self.key = secrets.token_bytes(32)
        self.one_at_a_time = threading.Lock()
        self.stopping = threading.Event()  # set once the server ends: a build under way stops

    def run(self) -> None:
        main = threading.current_thread() is threading.main_thread()  # where signals go
        previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
        try:
            listener = _listen(self.path, self.key)
            try:
                threading.Thread(target=_wake_when_set, args=(self.stop, self.path),
                                 daemon=True).start()
                self.say(f"lake server ready on {self.path} (Ctrl-C stops it)")
                self._accept(listener)
            except KeyboardInterrupt:
                self.say("lake server stopping")
            finally:
                key_file(self.path).unlink(missing_ok=True)  # no new client from here on
                self._end_the_build()
                listener.close()  # removes the socket
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)

    def _accept(self, listener: Listener) -> None:
        """Take each connection and hand it to a thread at once: the listener has no key, so
        accept() waits for no peer (its key's challenge, which a silent peer would hold up for
        ever, is the thread's: _answer)."""
        while not self.stop.is_set():
            try:
                connection = listener.accept()
            except OSError:
                time.sleep(0.1)  # out of file descriptors, say: not a busy loop
                continue
            if self.stop.is_set():
                connection.close()
                break
            threading.Thread(target=self._answer, args=(connection,), daemon=True,
                             name="sparkify-lake-request").start()

    def _end_the_build(self) -> None:
        """Cancel the build under way, if any, and wait for it to end (its client told)."""
        self.stopping.set()
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while not self.one_at_a_time.acquire(timeout=WATCH_SECONDS):
            with contextlib.suppress(Exception):
                self.spark.sparkContext.cancelAllJobs()
            if time.monotonic() > deadline:
                return

    def _answer(self, connection: Connection) -> None:
        """One request: the key checked both ways (as Listener.accept would), then the build,
        telling the client each stage, then the result or the error."""
        with connection:
            try:
                _receive_within(connection, HANDSHAKE_SECONDS)
                deliver_challenge(connection, self.key)
                answer_challenge(connection, self.key)
                request = connection.recv()
                _receive_within(connection, 0)  # a build's client may be quiet for hours
                root, lake = str(request["root"]), str(request["lake"])
            except Exception:  # noqa: BLE001 - a wrong key, silent, gone, or not a request
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
                if not self.one_at_a_time.acquire(blocking=False):
                    tell("waiting for the build under way")
                    self.one_at_a_time.acquire()
            except ClientGone:
                return
            try:
                answer = self._build(root, lake, tell, connection, gone)
            finally:
                with contextlib.suppress(Exception):  # what a failed build left cached
                    self.spark.catalog.clearCache()
                self.one_at_a_time.release()
            if not gone.is_set():
                with contextlib.suppress(OSError):
                    connection.send(answer)
            with contextlib.suppress(Exception):  # the log is the server's: never the client's
                self.say(f"{lake}: {_outcome(answer, gone.is_set())}")
            if answer[0] == "error" and not _alive(self.spark):
                with contextlib.suppress(Exception):
                    self.say("Spark has stopped: the lake server ends")
                self.stop.set()

    def _build(self, root: str, lake: str, tell: Notify, connection: Connection,
               gone: threading.Event) -> tuple[str, Any]:
        if self.stopping.is_set():
            return ("error", f"the lake server on {self.path} is stopping")
        from sparkify.spark.build import build
        from sparkify.spark.failure import one_line

        try:
            with _watching(self.spark, connection, gone), one_line(lake):
                return ("result", build(self.spark.newSession(), root, lake, tell))
        except SparkifyError as exc:
            if self.stopping.is_set():
                return ("error", (f"the lake server on {self.path} stopped during the build; "
                                  f"the lake {lake} is as it was"))
            return ("error", str(exc))
        except Exception as exc:  # noqa: BLE001 - a fault of ours: its trace in the log only
            traceback.print_exc(file=sys.stderr)
            return ("error", f"the lake server failed: {type(exc).__name__}: {exc}")


def _outcome(answer: tuple[str, Any], client_gone: bool) -> str:
    """A build's end, as the server's log says it."""
    kind, value = answer
    if client_gone:
        return "the client went away; the build stopped"
    if kind == "error":
        return str(value)
    return f"version {value.version}, {value.seconds:.1f} s" if value.built else "up to date"


def _alive(spark: Any) -> bool:
    try:
        return not spark.sparkContext._jsc.sc().isStopped()
    except Exception:  # noqa: BLE001 - its JVM gone
        return False


def _receive_within(connection: Connection, seconds: float) -> None:
    """Each read of `connection` fails (BlockingIOError) after `seconds` without a byte; 0: it
    waits for ever. (The socket's own option: Connection reads its descriptor with os.read,
    which a Python-level socket timeout would not bound.)"""
    whole = int(seconds)
    with Socket(fileno=os.dup(connection.fileno())) as peer:
        peer.setsockopt(SOL_SOCKET, SO_RCVTIMEO,
                        struct.pack("@ll", whole, int((seconds - whole) * 1e6)))


def _listen(path: Path, key: bytes) -> Listener:
    """The socket, then its key (whole, at once: a client never reads half of it), both for
    the server's user alone. The listener itself checks no key: _answer does, per connection."""
    mask = os.umask(0o077)
    try:
        listener = Listener(str(path), family="AF_UNIX")
    except OSError as exc:
        raise SparkifyError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    finally:
        os.umask(mask)
    pending = key_file(path).with_name(f"{key_file(path).name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                             0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        os.replace(pending, key_file(path))
    except OSError as exc:
        listener.close()
        pending.unlink(missing_ok=True)
        raise SparkifyError(f"cannot write {key_file(path)}: {exc.strerror or exc}") from exc
    return listener


def _wake_when_set(stop: threading.Event, path: Path) -> None:
    """Once `stop` is set, a connection of its own wakes the server's accept() to see it."""
    stop.wait()
    with contextlib.suppress(OSError), Socket(AF_UNIX) as waker:
        waker.connect(str(path))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _claimed(path: Path) -> Iterator[None]:
    """`path` for this server alone while the block runs: a lock the kernel releases when the
    process ends, however it ends; the socket and key a server killed left there are removed
    (nothing else: a path that is not a socket is refused)."""
    for found, kind in ((path, stat.S_ISSOCK), (key_file(path), stat.S_ISREG)):
        with contextlib.suppress(FileNotFoundError):
            if not kind(os.lstat(found).st_mode):
                raise SparkifyError(f"{found} exists and is not a lake server's: give "
                                    "another path")
    try:
        descriptor = os.open(lock_file(path), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise SparkifyError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise SparkifyError(f"a lake server already runs on {path}") from exc
        key_file(path).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        yield


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
    """A connection to the server on `socket`, once sure it is this user's: its key readable
    by this user alone, the process at the other end this user's (a key or a socket someone
    else put there is refused: what the server sends is unpickled)."""
    key = _own_key(socket)
    try:
        connection = Client(str(socket), family="AF_UNIX", authkey=key)
    except (FileNotFoundError, ConnectionRefusedError) as exc:  # its key left by a killed one
        raise _no_server(socket) from exc
    except (AuthenticationError, EOFError, OSError) as exc:
        raise SparkifyError(f"the lake server on {socket} did not let this client in: "
                            f"{exc}") from exc
    with connection:
        if _peer_user(connection) != os.geteuid():
            raise SparkifyError(f"the lake server on {socket} runs as another user: refused")
        yield connection


def _own_key(socket: Path) -> bytes:
    try:
        descriptor = os.open(key_file(socket), os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError as exc:
        raise _no_server(socket) from exc
    except OSError as exc:
        raise SparkifyError(f"cannot read {key_file(socket)}: {exc.strerror or exc}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        facts = os.fstat(handle.fileno())
        if facts.st_uid != os.geteuid() or facts.st_mode & 0o077:
            raise SparkifyError(f"{key_file(socket)} is not this user's alone: not a lake "
                                "server of ours")
        return handle.read()


def _no_server(socket: Path) -> SparkifyError:
    return SparkifyError(f"no lake server on {socket}: start one with "
                         f"`sparkify lake serve {socket}`")


def _peer_user(connection: Connection) -> int:
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED)."""
    with Socket(fileno=os.dup(connection.fileno())) as peer:
        credentials = peer.getsockopt(SOL_SOCKET, SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", credentials)[1])


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
                raise SparkifyError(f"the lake server on {path} stopped before the build "
                                    "ended: run it again (a build cut short leaves the lake "
                                    "as it was)") from exc
            except Exception as exc:  # an answer this sparkify cannot read
                raise SparkifyError(f"cannot read the answer of the lake server on {path} "
                                    f"(another version of sparkify?): {exc}") from exc
            if kind == "stage":
                notify(value)
            elif kind == "error":
                raise SparkifyError(value)
            else:
                return value
