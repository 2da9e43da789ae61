# Every target sets itself up from nothing: a project virtual environment in .venv
# (the import names autograd/nn/viz shadow other PyPI projects, so never install globally).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.deltagrad-installed
DOCS_STAMP := $(VENV)/.deltagrad-docs-installed

.PHONY: all help venv dot demo test test-fast test-matrix install-check style lint typecheck docs bench torch ja images-ja package-description clean

all: test

help:
	@echo "make demo    train the two-moons demo and write its pictures to demo_out/"
	@echo "make test    the whole test suite and the notebooks (installs what it needs:"
	@echo "             a .venv, Graphviz dot when possible, the PyTorch CPU oracle)"
	@echo "make test-matrix  the test suite (no notebooks) on every Python >= 3.11 found"
	@echo "             here and on NumPy 1.26 and 2.x (one venv each under .matrix/)"
	@echo "make install-check  the built wheel in a fresh venv on every Python that"
	@echo "             test-matrix finds, with no extras, [render] and [dev]: install,"
	@echo "             import, backward, deltagrad --version, viz doctor, a PNG; twine check"
	@echo "make style   ruff check and ruff format --check (make test runs it first)"
	@echo "make lint    make style, then pyright (basic) and mypy on the packages"
	@echo "make typecheck  pyright (basic mode, [tool.pyright] in pyproject.toml) on the"
	@echo "             packages, then on the README's and the notebooks' code"
	@echo "make docs    the documentation site into site/ (MkDocs, offline, warnings are"
	@echo "             errors; make test builds it too)"
	@echo "make ja      regenerate the Japanese notebooks (notebooks/ja/) from the English"
	@echo "             ones and notebooks/i18n/ja/*.toml, and the glossary GLOSSARY.ja.md"
	@echo "             (tests fail when they drift)"
	@echo "make images-ja  redraw docs/images/ja_graph.png and ja_plot.png (README.ja.md)"
	@echo "make package-description  regenerate docs/PACKAGE.md, the package index's page:"
	@echo "             README.md with pictures and links to files as paths (tests fail"
	@echo "             when it drifts)"
	@echo "make bench   speed: the referee's ratios vs the targets (bench/guard.py, flags"
	@echo "             misses), time per op (bench/op_times.py), drawing (bench/viz.py)"
	@echo "make clean   remove .venv and generated files"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "deltagrad needs Python >= 3.11 ($(PYTHON) is $$($(PYTHON) -V 2>&1));" \
	  "run e.g. make test PYTHON=python3.11"; exit 1; }
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
test: $(STAMP) dot torch style
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	$(BIN)/python -m pytest -n 2 --nbmake --nbmake-timeout=600 notebooks
	@$(MAKE) --no-print-directory docs

# Supported: Python >= 3.11 (3.10 reached its end of life in October 2026, and the
# in-process renderer needs 3.11) with NumPy 1.26 (Python <= 3.12) or 2.x.
MATRIX_PYTHONS ?= $(shell for v in 3.11 3.12 3.13 3.14; do python$$v -V >/dev/null 2>&1 && echo python$$v || { p=$$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python 2>/dev/null | tail -1); [ -n "$$p" ] && echo $$p; }; done)
test-matrix: export OPENBLAS_NUM_THREADS = 1
test-matrix: export MPLBACKEND = Agg
test-matrix:
	@failed=""; for py in $(MATRIX_PYTHONS); do \
	  v=$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	  for np in "numpy>=2,<3" "numpy==1.26.*"; do \
	    case "$$v $$np" in 3.1[3-9]\ numpy==1*) continue;; esac; \
	    env=.matrix/py$$v-np$$(echo "$$np" | sed 's/numpy[>=]*\([0-9]\).*/\1/'); \
	    echo "== Python $$v with $$np ($$env)"; \
	    { test -x $$env/bin/python || $$py -m venv $$env; } && \
	    $$env/bin/python -m pip install -q -e '.[dev]' "$$np" --config-settings editable_mode=compat && \
	    $$env/bin/python -c 'import numpy, sys; print("numpy", numpy.__version__, "python", sys.version.split()[0])' && \
	    $$env/bin/python -m pytest -n 2 -q -p no:cacheprovider tests || failed="$$failed $$env"; \
	  done; done; \
	if [ -n "$$failed" ]; then echo "test-matrix: failed in$$failed"; exit 1; fi; echo "test-matrix: all passed"

# The wheel as a user gets it: built once (with the sdist; both twine-checked), then installed
# into a fresh venv per Python of MATRIX_PYTHONS and per extra (none, [render], [dev]) and
# smoke-tested from an empty folder (tests/install_check.py). Several minutes: not in `make test`.
install-check: $(STAMP)
	$(BIN)/python tests/install_check.py $(MATRIX_PYTHONS)

# pyright runs on Node.js, which the pyright package fetches on first use.
# The packages (as in lint), then the code learners read: README and notebooks.
typecheck: $(STAMP)
	$(BIN)/python -c "import pyright" 2>/dev/null || $(BIN)/python -m pip install -q pyright
	$(BIN)/pyright --pythonpath $(BIN)/python
	$(BIN)/python tests/typecheck_examples.py

# The documentation site: README (home), API reference from the docstrings, the notebooks as
# stored (not executed), CONTRIBUTING and CHANGELOG. Offline; --strict makes every warning
# (a broken link, a docstring griffe cannot parse) an error. About 10-15 s here.
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[docs]' --config-settings editable_mode=compat
	touch $(DOCS_STAMP)

# The Japanese notebooks are generated: never edit notebooks/ja/*.ipynb by hand.
ja: $(STAMP)
	$(BIN)/python notebooks/i18n/edition.py build
	$(BIN)/python notebooks/i18n/glossary.py build

# The two pictures of README.ja.md (Japanese labels, bundled font only).
images-ja: $(STAMP) dot
	MPLBACKEND=Agg $(BIN)/python -m viz.cli.ja_images docs/images

# pyproject.toml's readme is generated from README.md: the package index cannot show its
# relative pictures and links, so they become paths. Never edit docs/PACKAGE.md by hand.
package-description: $(STAMP)
	$(BIN)/python docs/package_description.py build

docs: export NO_MKDOCS_2_WARNING = 1
docs: $(DOCS_STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

# ruff's lint rules and its formatter (the codebase is formatted; the pinned ruff keeps it
# so): a second, so `make test` runs it first.
style: $(STAMP)
	$(BIN)/ruff check autograd nn viz deltagrad tests bench notebooks/course notebooks/i18n
	$(BIN)/ruff format --check --quiet . || { echo "run: $(BIN)/ruff format ."; exit 1; }

# ruff, then pyright (basic) and mypy ([tool.mypy] in pyproject.toml) on the packages:
# all must be clean.
lint: style
	$(BIN)/python -c "import pyright" 2>/dev/null || $(BIN)/python -m pip install -q pyright
	$(BIN)/pyright --pythonpath $(BIN)/python
	$(BIN)/mypy

# The referee's ratios against the speed targets (one process per library; needs
# ../shared/bench or REFEREE_DIR), then where deltagrad's time goes, then the drawings.
bench: $(STAMP) torch
	$(BIN)/python bench/guard.py --pairs 3
	$(BIN)/python bench/op_times.py
	$(BIN)/python bench/viz.py
	$(BIN)/python bench/explorer.py

clean:
	rm -rf $(VENV) .matrix demo_out site .cache .pytest_cache .ruff_cache .hypothesis
