# Every target sets itself up from nothing: a project virtual environment in .venv
# (the import names autograd/nn/viz shadow other PyPI projects, so never install globally).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.deltagrad-installed

.PHONY: all help venv dot demo test test-fast lint bench torch clean

all: test

help:
	@echo "make demo    train the two-moons demo and write its pictures to demo_out/"
	@echo "make test    the whole test suite and the notebooks (installs what it needs:"
	@echo "             a .venv, Graphviz dot when possible, the PyTorch CPU oracle)"
	@echo "make lint    ruff"
	@echo "make bench   the project's own benchmarks (the referee is ../shared/bench)"
	@echo "make clean   remove .venv and generated files"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

venv: $(STAMP)

# The system Graphviz `dot` is optional (viz falls back to an in-process renderer),
# but installed when we can so both paths get exercised.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "Graphviz 'dot' not found; trying apt-get install graphviz"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq graphviz >/dev/null || true; \
	  elif command -v sudo >/dev/null 2>&1; then sudo -n apt-get update -qq && sudo -n apt-get install -y -qq graphviz >/dev/null || true; fi; \
	  command -v dot >/dev/null 2>&1 || echo "still no 'dot': drawings use the in-process WebAssembly renderer"; }

# Optional PyTorch oracle for the equivalence tests (CPU wheel).
torch: $(STAMP)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "torch==2.13.0" || echo "torch not installable: PyTorch equivalence tests will be skipped"

demo: $(STAMP) dot
	$(BIN)/python -m viz demo --out demo_out

# Two pytest workers on two cores: one BLAS thread each, or they oversubscribe the CPU.
test: export OPENBLAS_NUM_THREADS = 1
test: export OMP_NUM_THREADS = 1
test: export MPLBACKEND = Agg
# The PyTorch oracle tests need torch: installed here too, so `make test` alone runs them.
test: $(STAMP) dot torch
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	$(BIN)/python -m pytest -n 2 --nbmake --nbmake-timeout=600 notebooks

lint: $(STAMP)
	$(BIN)/ruff check autograd nn viz tests bench

bench: $(STAMP) torch
	$(BIN)/python -m pip install -q -e '.[bench]' --config-settings editable_mode=compat
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo_out .pytest_cache .ruff_cache .hypothesis
