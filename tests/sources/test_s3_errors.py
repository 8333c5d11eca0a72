"""An S3 server that checks credentials (moto's IAM): a refused key, a wrong secret and a user
allowed nothing each end a load in one line, exit 2, with no secret in it."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from sparkify.cli import cli
from tests.support import s3_server
from tests.support.helpers import event

pytestmark = pytest.mark.slow  # starts moto's S3 server

BUCKET = "sparkify-private"
ROOT = f"s3://{BUCKET}/data"


@pytest.fixture(scope="module")
def keys(start_s3):
    """(server, users) where `admin` may do anything and `nobody` nothing."""
    server = start_s3(auth_after=3)
    users = s3_server.make_users(server)
    client = server.client(*users["admin"])
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="data/log_data/a.json",
                      Body=json.dumps(event()).encode())
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "SPARKIFY_ANON"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ENDPOINT_URL", server.url)
        patch.setenv("AWS_DEFAULT_REGION", s3_server.REGION)
        # no instance metadata service: credentials come from here or nowhere, and no request
        # leaves the loopback
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield users


def load_as(key: str, secret: str):
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    return CliRunner().invoke(cli, ["load", ROOT, "--no-check", "--json"], env=env,
                              catch_exceptions=False)


def one_line(done, secret: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.exit_code == 2, done.output
    assert len(lines) == 1 and lines[0].startswith("sparkify: error: "), done.stderr
    assert secret not in done.output
    return lines[0]


@pytest.mark.parametrize("who, words", [
    ("unknown key", ("refused the credentials", "AWS_ACCESS_KEY_ID")),
    ("wrong secret", ("refused the credentials", "AWS_SECRET_ACCESS_KEY")),
    ("nobody", ("access denied", ROOT)),
    ("lister", ("access denied", f"{ROOT}/log_data/a.json")),  # lists, then may not read
])
def test_credentials_the_store_refuses_end_in_one_line_without_the_secret(keys, settings,
                                                                          who, words):
    if who == "unknown key":
        key, secret = "AKIAUNKNOWNKEY000000", "an-unknown-secret-value"
    elif who == "wrong secret":
        key, secret = keys["admin"][0], "a-wrong-secret-value"
    else:
        key, secret = keys[who]
    line = one_line(load_as(key, secret), secret)
    for word in words:
        assert word in line


def test_the_admin_key_loads_from_the_same_server(keys, settings):
    done = load_as(*keys["admin"])
    assert done.exit_code == 0, done.output
    assert '"song_plays": 1' in done.stdout


def test_the_lister_may_list_the_bucket_and_read_no_object(keys):
    """The premise of the lister case, on the server itself: its listing succeeds and its read
    is refused, so the load must get past the root and stop at the object."""
    from botocore.exceptions import ClientError

    client = s3_server.boto_client(os.environ["AWS_ENDPOINT_URL"], *keys["lister"])
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="data/")
    assert [item["Key"] for item in listed["Contents"]] == ["data/log_data/a.json"]
    for read in (client.get_object, client.head_object):
        with pytest.raises(ClientError) as refused:
            read(Bucket=BUCKET, Key="data/log_data/a.json")
        assert refused.value.response["Error"]["Code"] in ("AccessDenied", "403")
