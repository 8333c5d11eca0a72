"""The suite's fixtures, as plugins (tests/plugins/): one module per thing a test needs."""

pytest_plugins = [
    "tests.plugins.postgres",
    "tests.plugins.sample",
    "tests.plugins.spark",
    "tests.plugins.s3",
]
