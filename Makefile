# The two commands: `make run` (set up and serve on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MO     := translations/ru/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo
DEV    := TRAINING_ENVIRONMENT=development
PYTEST_ARGS ?=

# Load benchmarks (bench/load.py): wrk from Debian, locust in a virtualenv of its own.
bench-load: install translations
	test -x .bench-venv/bin/locust || ($(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install --quiet -r bench/requirements.txt)
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# The same table on PostgreSQL with rate limits in Redis, as in production. BENCH_PG_URL names
# a database kept for the benchmark: its public schema is emptied first.
BENCH_PG_URL    ?= postgresql://postgres@127.0.0.1:5432/bench_load
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/15
bench-load-pg: install translations
	test -x .bench-venv/bin/locust || ($(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install --quiet -r bench/requirements.txt)
	$(BIN)/python bench/load.py --database-url $(BENCH_PG_URL) --redis-url $(BENCH_REDIS_URL) --reset-database $(BENCH_ARGS)

# Instructions per request under valgrind: steady figures to compare two checkouts
# (BENCH_ARGS="--root /tmp/base" measures another one with this one's virtualenv).
bench-instructions: install translations
	$(BIN)/python bench/instructions.py $(BENCH_ARGS)

# Where one path's time goes (cProfile over the same rounds): BENCH_ARGS="lesson --sort tottime".
bench-profile: install translations
	$(BIN)/python bench/profile_path.py $(BENCH_ARGS)

.PHONY: run serve bench-load bench-load-pg bench-instructions bench-profile test lint format install translations messages lock clean tools

run: install translations
	$(DEV) $(BIN)/flask --app app db upgrade
	$(DEV) $(BIN)/flask --app app demo load
	$(DEV) $(BIN)/flask --app app run --host 127.0.0.1 --port 5000

# Production-style: gunicorn with gunicorn.conf.py; settings come from the environment
# (SECRET_KEY, DATABASE_URL, REDIS_URL...; see docs/deploy.md).
serve: install translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py

test: install translations tools
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP)

# Reproducible installs: the exact versions in requirements.lock (regenerate with `make lock`).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

# Tools the tests run that are not Python: the Nu HTML checker, pinned in package-lock.json.
# --ignore-scripts: vnu-jar's own script would download a Java; Debian's JRE runs it.
# The Nu HTML checker for the browser tests; without npm (a newcomer's machine) its test skips
# locally and says how to get it, while CI (.ci/run installs npm and a JRE) always runs it.
tools:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/vnu-jar/build/dist/vnu.jar; \
	else echo "npm not found: the Nu HTML checker test is skipped (apt-get install npm default-jre-headless)"; fi

node_modules/vnu-jar/build/dist/vnu.jar: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

translations: install $(MO)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel -q compile -d translations -l $* -i $< -o $@

# After changing user-facing strings: extract them and update both catalogs.
messages: install
	$(BIN)/python scripts/i18n.py

# Resolve pyproject.toml's ranges to exact versions in a scratch environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^union-training' > requirements.lock
	rm -rf .lock-venv build *.egg-info

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache tests/browser/artifacts $(MO)
