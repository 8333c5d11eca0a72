# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lock run dagster test test-quick fuzz lint bench bench-large bench-s3 bench-external bench-spark bench-publish clean

# The Spark engine needs Java 17: Debian's, installed here when `java` is missing and we are root.
$(STAMP): pyproject.toml requirements.lock
	@if ! command -v java >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Java 17 for the Spark engine"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			openjdk-17-jre-headless >/dev/null) || echo "could not install Java"; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --no-index -e .
	touch $(STAMP)

install: $(STAMP)

# Re-resolve requirements.lock from pyproject.toml's ranges, on purpose (README: "Upgrading a
# dependency"). uv resolves in seconds and for every platform; pip installs from the result.
UV_VERSION := 0.13.9
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet 'uv==$(UV_VERSION)'
	echo 'setuptools>=68' | .venv-lock/bin/uv pip compile pyproject.toml - \
		--extra dev --extra spark --extra dagster --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command 'make lock' $(LOCK_ARGS) -o requirements.lock

# The main job: load ./data into the embedded PostgreSQL and print the summary. Without a
# data/ folder (a fresh clone), first generate a demo month of about 30,000 events into it.
run: install
	@if [ ! -d data ]; then $(BIN)/sparkify generate data --demo; fi
	$(BIN)/sparkify load data

# Dagster's UI and daemon on 127.0.0.1 with sparkify.orchestration, its state on the warehouse's
# server (`sparkify dagster init`); the data root is SPARKIFY_DATA (default ./data).
DAGSTER_HOME ?= $(CURDIR)/.dagster
DAGSTER_PORT ?= 3000
dagster: install
	$(BIN)/sparkify dagster init --home "$(DAGSTER_HOME)"
	DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/dagster dev -m sparkify.orchestration -h 127.0.0.1 -p $(DAGSTER_PORT)

PG15 := /usr/lib/postgresql/15/bin/postgres

# The suite runs twice, both passes at once (tests/passes.py): on the embedded PostgreSQL 18, and
# on Debian's PostgreSQL 15 started on a loopback port with scram passwords (tests/support/pg15.py).
# Debian packages the tests need, when missing and we are root: chromium (the browser tests;
# skipped without it) and postgresql-15.
test: install
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x $(PG15) ] || missing="$$missing postgresql-15"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing for the tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			$$missing >/dev/null) || echo "could not install$$missing"; \
	fi
	$(MAKE) lint
	$(BIN)/python tests/passes.py $(PG15)

# The quick loop while working: lint, then the suite on the embedded server without the tests
# marked slow (Spark, clusters, chromium, moto, Dagster, notebook kernels).
test-quick: install
	$(MAKE) lint
	$(BIN)/pytest -q -m "not slow"

# ruff (style, bugs, complexity) and mypy (types of src/): both clean, and run by `make test`
# Any bytes as input, at length: the property tests of tests/faults/test_any_bytes.py with many more
# generated roots than `make test` runs (SPARKIFY_FUZZ_EXAMPLES, default here 2000), then both
# engines on FUZZ_SPARK_EXAMPLES roots (tests/faults/test_any_bytes_engines.py: 400 a Spark build).
FUZZ_EXAMPLES ?= 2000
FUZZ_SPARK_EXAMPLES ?= 800
fuzz: install
	SPARKIFY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s tests/faults/test_any_bytes.py
	SPARKIFY_FUZZ_EXAMPLES=$(FUZZ_SPARK_EXAMPLES) $(BIN)/pytest -q -s tests/faults/test_any_bytes_engines.py

lint: install
	$(BIN)/ruff check src tests bench *.py
	$(BIN)/mypy

# Loader vs floor vs row-by-row at K = 1, 10, 100; writes bench/RESULTS.md (bench/README.md).
bench: install
	$(BIN)/python bench/run.py --scales 1,10,100

# K = 100 and 1,000 (8 million events) in one run, so that K=1000 is compared with a K=100
# measured beside it; in its own section of bench/RESULTS.md.
bench-large: install
	$(BIN)/python bench/run.py --scales 100,1000 --section large

# K = 10 loaded from a local S3 server (moto) and from disk, same run; the `s3` section.
bench-s3: install
	$(BIN)/python bench/s3.py --scale 10

# K = 10 and 100 into Debian's PostgreSQL 15 as an owner-only role, beside the embedded server,
# same run; the `external` section (needs postgresql-15: `make test` installs it as root).
bench-external: install
	$(BIN)/python bench/external.py --scales 10,100

# The Spark engine at K = 1, 10, 100: local[2], clusters of one and two workers, publish,
# beside `sparkify load` in the same run; the `spark` section.
bench-spark: install
	$(BIN)/python bench/spark_lake.py --scales 1,10,100

# Publishing a lake by COPY (`sparkify lake publish`) against Spark's JDBC writer, K = 10 and 100,
# into PostgreSQL 15 (JDBC needs TCP); the `publish` section. Debian's JDBC driver is installed
# here when missing and we are root.
bench-publish: install
	@if [ ! -f /usr/share/java/postgresql.jar ] && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpostgresql-jdbc-java >/dev/null; \
	fi
	$(BIN)/python bench/spark_publish.py --scales 10,100

clean:
	rm -rf $(VENV) .pytest_cache
