"""A real S3 server for the tests: moto's, on a free loopback port, with its request log.

Every request the server answers is a line of its log (werkzeug's access log), so a test can
count the objects a load read from the server's side, where the loader cannot fake it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3

REGION = "us-east-1"
_REQUEST = re.compile(r'"(?:\x1b\[[0-9;]*m)*(GET|HEAD|PUT|POST|DELETE) (\S+) HTTP/[0-9.]+')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def boto_client(url: str, key: str, secret: str):
    return boto3.client("s3", endpoint_url=url, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret)


@dataclass
class S3Server:
    process: subprocess.Popen
    url: str
    log: Path

    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request answered so far."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return _REQUEST.findall(text)

    def object_reads(self, bucket: str) -> list[str]:
        """Object GETs and HEADs (not listings) in `bucket` so far, as paths."""
        return [path for method, path in self.requests()
                if method in ("GET", "HEAD") and path.startswith(f"/{bucket}/")
                and "?" not in path]

    def client(self, key: str = "test", secret: str = "test"):
        return boto_client(self.url, key, secret)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(log: Path, auth_after: int | None = None) -> S3Server:
    """moto_server on 127.0.0.1; with `auth_after`, requests after that many are checked
    against moto's IAM (unknown keys, missing permissions are refused as S3 would)."""
    port = free_port()
    env = dict(os.environ)
    if auth_after is not None:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(auth_after)
    moto = Path(sys.executable).with_name("moto_server")
    with open(log, "wb") as handle:
        process = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=handle, stderr=subprocess.STDOUT, env=env)
    server = S3Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("moto_server did not start within 30 s")


def upload_tree(client, bucket: str, prefix: str, root: Path) -> int:
    """Put every file under `root` at `prefix`/<its relative path>; return how many."""
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")
            count += 1
    return count


def make_users(server: S3Server) -> dict[str, tuple[str, str]]:
    """On a server started with auth_after=3: an `admin` allowed everything, a `nobody`
    allowed nothing and a `lister` allowed to list buckets but not to read objects, as
    (access key id, secret) each."""
    iam = boto3.client("iam", endpoint_url=server.url, region_name=REGION,
                       aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="admin")  # the three requests before auth is enforced
    iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    admin = iam.create_access_key(UserName="admin")["AccessKey"]
    keys = {"admin": (admin["AccessKeyId"], admin["SecretAccessKey"])}
    iam = boto3.client("iam", endpoint_url=server.url, region_name=REGION,
                       aws_access_key_id=keys["admin"][0],
                       aws_secret_access_key=keys["admin"][1])
    for name in ("nobody", "lister"):
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        keys[name] = (key["AccessKeyId"], key["SecretAccessKey"])
    # "list, don't read": S3 itself authorizes a listing as the IAM action s3:ListBucket;
    # moto (5.2 on) checks the API operation's name instead (s3:ListObjectsV2, s3:HeadObject),
    # so the policy names both spellings of listing and nothing that reads an object
    iam.put_user_policy(UserName="lister", PolicyName="list", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Resource": "*",
                        "Action": ["s3:ListBucket", "s3:ListObjectsV2", "s3:ListObjects"]}]}))
    return keys
