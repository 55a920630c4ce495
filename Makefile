# vehicle-to-vector — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
EXAMPLES ?= examples
OUT ?= out

.PHONY: run demo test lint typecheck pytest bench bench-speed clean cluster cluster-down chaos

$(VENV)/.base: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[server]'
	touch $@

$(VENV)/.test: $(VENV)/.base pyproject.toml Makefile
	$(PIP) install --quiet 'torch==2.13.0'
	$(PIP) install --quiet -e '.[server,gpu,train,dev,distributed]'
	touch $@

## run: start the REST API and web UI on http://127.0.0.1:8000 (SQLite, local workers, CPU)
run: $(VENV)/.base
	$(PY) run.py

## demo: convert the photos in examples/ into out/ and write out/index.html (a contact sheet)
demo: $(VENV)/.base
	$(PY) -m v2v.demo $(EXAMPLES) $(OUT)

$(VENV)/.cluster: $(VENV)/.base pyproject.toml Makefile
	$(PIP) install --quiet -e '.[server,distributed]'
	touch $@

## cluster: the distributed mode on this machine without Docker: Redis, PostgreSQL (throwaway,
## under data/cluster/), migrations, the API and CLUSTER_WORKERS (default 2) CPU workers
## (needs: apt-get install redis-server postgresql). Stop it all: make cluster-down
cluster: $(VENV)/.cluster
	$(PY) -m v2v.service.cluster up --workers $${CLUSTER_WORKERS:-2} --port $${PORT:-8000}

cluster-down:
	$(PY) -m v2v.service.cluster down

## test: lint, format check, type check, tests
test: lint typecheck pytest

## chaos: the slow part of the fault-injection suite (processes killed in every stage, two APIs
## and two workers on one store...; prints the table of faults, jobs lost, run twice, files left),
## then the long fuzzing run (docs/security.md): Schemathesis over the whole API, with and
## without keys, with many more examples; the figures are printed in the test summary
chaos: $(VENV)/.test
	$(PY) -m pytest -q -s -m chaos tests/chaos
	V2V_FUZZ_EXAMPLES=$${V2V_FUZZ_EXAMPLES:-60} V2V_FUZZ_STATEFUL=$${V2V_FUZZ_STATEFUL:-300} \
		$(PY) -m pytest -q tests/service/test_service_fuzz.py

lint: $(VENV)/.test
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(VENV)/.test
	$(VENV)/bin/mypy src/v2v

pytest: $(VENV)/.test
	$(PY) -m pytest -q

## bench: the quality/speed benchmark on the shared samples (default and primary-15 palettes)
bench: $(VENV)/.base
	$(PY) -m v2v.cli bench $${SAMPLES:-../shared/samples}
	$(PY) -m v2v.cli bench $${SAMPLES:-../shared/samples} --palette primary-15

## bench-speed: speed figures in one run (warm median vs plain vtracer, cold `v2v process`, the
## service's first job, batch --workers 1 vs 2, peak RSS per photo size) beside the quality
## figures (IoU, compliance, shapes), on the shared samples and devset (docs/performance.md)
bench-speed: $(VENV)/.base
	$(PY) -m benchmarks.bench_speed $${BENCH_SPEED_ARGS:-}

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
