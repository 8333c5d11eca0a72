"""Object stores through fsspec: the file system of a URL, and its errors as one line.

The credentials and the endpoint are the AWS tools' own (AWS_PROFILE, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, ~/.aws):
botocore finds them; nothing here reads or prints one. What is set here is how long to wait:
every request has a connect and a read timeout and a few retries, so a dead endpoint ends in
an error, not a hang.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from typing import Any

from sparkify.errors import SparkifyError

ANON_VARIABLE = "SPARKIFY_ANON"  # 1: read without credentials (public buckets); --anon sets it
TIMEOUT_VARIABLE = "SPARKIFY_STORE_TIMEOUT"  # seconds to connect; reads wait 3x as long
DEFAULT_TIMEOUT = 5.0
S3FS_TRIES = 1  # no retries of s3fs around botocore's own (AWS_MAX_ATTEMPTS, default 3)
FETCH_CONNECTIONS = 16  # as many as sources.FETCH_THREADS fetch at once


def anonymous() -> bool:
    return os.environ.get(ANON_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def _timeout() -> float:
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    try:
        value = float(text) if text else DEFAULT_TIMEOUT
    except ValueError:
        raise SparkifyError(f"{TIMEOUT_VARIABLE}={text!r} is not a number of seconds") from None
    if not value > 0:
        raise SparkifyError(f"{TIMEOUT_VARIABLE} must be more than 0 seconds")
    return value


def storage_options(protocol: str) -> dict[str, Any]:
    """fsspec options for a protocol: timeouts, retries, anonymous access."""
    if protocol in ("s3", "s3a"):
        timeout = _timeout()
        attempts = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
        return {
            "anon": anonymous(),
            "config_kwargs": {
                "connect_timeout": timeout,
                "read_timeout": 3 * timeout,
                "max_pool_connections": FETCH_CONNECTIONS,
                "retries": {"max_attempts": max(1, int(attempts)) if attempts.isdigit() else 3,
                            "mode": os.environ.get("AWS_RETRY_MODE") or "standard"},
            },
        }
    if protocol in ("gs", "gcs"):
        return {"token": "anon"} if anonymous() else {}
    if protocol in ("az", "abfs", "abfss"):
        return {"anon": True} if anonymous() else {}
    return {}


# What botocore reads from the environment: a file system made under other values is not reused.
_AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                  "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                  "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")
_filesystems: dict[tuple, Any] = {}
# The fetch threads ask for their file system at once: without the lock each made its own
# (a client and its connection pool each: 16 of them took a staging process to 290 MB).
_filesystems_lock = threading.Lock()


def filesystem(url: str):
    """(file system, path inside it) of a URL; one file system per protocol and settings."""
    import fsspec

    protocol = url.split("://", 1)[0].lower()
    options = storage_options(protocol)
    cache_key = (protocol, repr(options), tuple(os.environ.get(name) for name in _AWS_VARIABLES))
    try:
        with _filesystems_lock:
            if cache_key not in _filesystems:
                cls = fsspec.get_filesystem_class(protocol)
                _filesystems[cache_key] = cls(skip_instance_cache=True, **options)
            fs = _filesystems[cache_key]
        path = fs._strip_protocol(url)
    except ImportError as exc:  # the protocol's package (gcsfs, adlfs, …) is not installed
        raise SparkifyError(f"{protocol}:// needs a package that is not installed ({exc}); "
                            "install it into the same environment") from None
    except ValueError as exc:
        raise SparkifyError(f"cannot read {url}: {_first_line(exc)}") from None
    if protocol in ("s3", "s3a"):
        fs.retries = S3FS_TRIES  # s3fs's own tries, each of them botocore's attempts
        # one GET per whole object, without a HEAD first for its size: the objects fetched
        # side by side are sources.opened's concurrency
        fs.max_concurrency = 1
    return fs, path


@contextlib.contextmanager
def store_errors(url: str) -> Iterator[None]:
    """Errors of a store's client as one SparkifyError that names the URL and the fix."""
    try:
        yield
    except SparkifyError:
        raise
    except Exception as exc:  # each kind is named below, the rest in one line
        raise SparkifyError(_message(url, exc)) from exc


def _message(url: str, exc: Exception) -> str:
    name = type(exc).__name__
    text = _first_line(exc)
    if name == "NoCredentialsError":
        return (f"no credentials to read {url}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY, or pass --anon ({ANON_VARIABLE}=1) for a public bucket")
    if isinstance(exc, PermissionError) or name in ("ClientError", "NoAuthTokenError"):
        if any(word in text for word in ("Key Id", "signature", "token", "Token")):
            return (f"the store refused the credentials for {url} ({text}): check "
                    "AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        return (f"access denied to {url} ({text}): use credentials allowed to list and read "
                f"it, or --anon ({ANON_VARIABLE}=1) for a public bucket")
    if isinstance(exc, FileNotFoundError):
        if "bucket" in text.lower():
            return f"{url}: no such bucket ({text})"
        return f"{url} does not exist (nothing is stored under it)"
    if _unreachable(exc):
        endpoint = (os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
                    or "the store's default endpoint")
        return (f"cannot reach {endpoint} to read {url} ({text}); check the network and "
                "AWS_ENDPOINT_URL")
    if isinstance(exc, OSError) and exc.errno == errno.EREMOTEIO:  # a 5xx, after the retries
        return f"the store failed to answer for {url} ({text}); try again later"
    return f"cannot read {url}: {name}: {text}"


def _unreachable(exc: BaseException) -> bool:
    names = {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
             "ConnectionClosedError", "ClientConnectorError", "ServerTimeoutError",
             "TimeoutError", "ConnectionRefusedError", "ConnectionError", "FSTimeoutError"}
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:  # the exception and its causes
        seen.add(id(current))
        if type(current).__name__ in names or isinstance(current, TimeoutError | ConnectionError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _first_line(exc: BaseException) -> str:
    """The exception's first line, without any secret the environment holds."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        secret = os.environ.get(name)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
