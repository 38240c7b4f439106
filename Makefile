# papergym: `make demo` and `make test` each work on a fresh machine (they create .venv).
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.papergym-installed

.PHONY: install demo test bench lint mutate clean

# The CPU torch wheel goes in first: a plain resolve of torch pulls multi-GB CUDA builds.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[all]'
	touch $(STAMP)

install: $(STAMP)

demo: install  ## a small leaderboard: every env, its reference agents, 3 seeds; prints the table
	$(VENV)/bin/papergym leaderboard --quick --db results/demo.sqlite

test: install  ## the fast test suite (slow reproductions excluded), in parallel
	$(PY) -m pytest -n auto -q

bench: install  ## slow reproductions of the papers' claims, then the speed benchmarks
	$(PY) -m pytest -n auto -q -m slow
	$(PY) benchmarks/run_all.py

mutate: install  ## mutation testing of the spine and the paging family (slow; not in CI)
	$(PY) -m pip install -q 'mutmut>=3,<4'
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 || true
	$(PY) benchmarks/mutation.py --write

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) results/*.sqlite* wandb .pytest_cache mutants
