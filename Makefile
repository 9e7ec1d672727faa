# vision-course: `make app` and `make test` do all set-up themselves (Python 3.10+ is all they need).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT ?=
APP_ARGS := $(if $(PORT),--port $(PORT),)

.PHONY: app lab test test-slow demo bench setup check-sync browser axe proxy clean-venv

## set-up: a venv in .venv with the package (editable) and its dependencies, redone only when pyproject.toml changes
setup: $(STAMP)

$(STAMP):  # named by the hash of pyproject.toml, so only a change of its content re-installs
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

## the main job: the app in the browser, served by Voila on 127.0.0.1
app: setup
	$(BIN)/vision-course app $(APP_ARGS)

## JupyterLab on a folder with the lessons and the start notebook (copied once; your edits there are kept)
LAB_DIR ?= lab
lab: setup
	$(BIN)/vision-course lessons $(LAB_DIR)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_DIR)/start.ipynb

## a headless run of all nine steps with a report in demo-out/
demo: setup
	$(BIN)/vision-course demo --out demo-out

## benchmarks, results in bench/RESULTS.md
bench: setup
	$(BIN)/python bench/run.py

## Chromium for the browser tests (Debian's package; needs root the first time)
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install it (e.g. sudo apt-get install chromium) to run the browser tests"; exit 1; fi; }

## axe-core (npm) for the accessibility test, into .venv/npm (needs npm; `apt-get install npm` where it is missing)
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js
axe: $(AXE)

$(AXE):
	@command -v npm >/dev/null || { echo "npm is missing: install it (e.g. sudo apt-get install npm) for tests/test_a11y.py"; exit 1; }
	npm install --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@4

## JupyterHub's proxy (npm's configurable-http-proxy) for `vision-course hub`, into .venv/npm-proxy (its own prefix: an
## `npm install` into .venv/npm would remove axe-core, which is not in a package.json there)
PROXY := $(VENV)/npm-proxy/node_modules/.bin/configurable-http-proxy
proxy: $(PROXY)

$(PROXY):
	@command -v npm >/dev/null || { echo "npm is missing: install it (e.g. sudo apt-get install npm) for vision-course hub and tests/test_hub.py"; exit 1; }
	npm install --no-save --no-audit --no-fund --prefix $(VENV)/npm-proxy configurable-http-proxy@4

## exported modules must match the notebooks, and notebooks must be clean
check-sync: setup
	@tmp=$$(mktemp -d) && cp -r vision_course nbs "$$tmp"/ && \
	  $(BIN)/nbdev-export && $(BIN)/nbdev-clean && $(BIN)/nbdev-clean --fname vision_course/lessons && \
	  if ! diff -r "$$tmp/vision_course" vision_course >/dev/null || ! diff -r "$$tmp/nbs" nbs >/dev/null; then \
	    diff -r "$$tmp/vision_course" vision_course; diff -r "$$tmp/nbs" nbs; \
	    echo "FAILED: vision_course/ or nbs/ were out of sync (nbdev-export / nbdev-clean changed them; review and commit)"; exit 1; fi; \
	  rm -rf "$$tmp"; echo "exported modules match the notebooks; notebooks are clean"

## the tests' temporary folders (run folders, saved stages, exports: several GB) go to .test-tmp, removed when all pass
test: setup browser axe check-sync
	@rm -rf .test-tmp && mkdir -p .test-tmp
	# one torch thread per notebook: two notebooks with two spinning OpenMP threads each on two cores run ~6x slower
	TMPDIR=$(CURDIR)/.test-tmp OMP_NUM_THREADS=1 $(BIN)/nbdev-test --n-workers 2 --timing
	# the lessons and the start notebook live in the package (a plain `pip install` has them): run them too
	TMPDIR=$(CURDIR)/.test-tmp OMP_NUM_THREADS=1 $(BIN)/nbdev-test --n-workers 2 --timing vision_course/lessons
	TMPDIR=$(CURDIR)/.test-tmp $(BIN)/python -m pytest -q -m "not slow" tests
	@rm -rf .test-tmp

## the slow tests (pytest -m slow): JupyterHub with five learners walking the wizard at once in Chromium (~4 min), and
## fastai's course-v3 lesson notebooks run unchanged through vision_course.v1 (~5-10 min)
test-slow: setup browser proxy
	@rm -rf .test-tmp-slow && mkdir -p .test-tmp-slow
	TMPDIR=$(CURDIR)/.test-tmp-slow $(BIN)/python -m pytest -q -m slow tests
	@rm -rf .test-tmp-slow

clean-venv:
	rm -rf $(VENV)
