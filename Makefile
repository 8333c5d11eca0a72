# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench bench-large bench-s3 clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job: load ./data into the embedded PostgreSQL and print the summary. Without a
# data/ folder (a fresh clone), first generate a demo month of about 30,000 events into it.
run: install
	@if [ ! -d data ]; then $(BIN)/sparkify generate data --demo; fi
	$(BIN)/sparkify load data

# The browser tests need Debian's chromium: installed here when missing and we are root.
test: install
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: the browser tests will be skipped"; \
	fi
	$(MAKE) lint
	$(BIN)/pytest -q

# ruff (style, bugs, complexity) and mypy (types of src/): both clean, and run by `make test`
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

clean:
	rm -rf $(VENV) .pytest_cache
