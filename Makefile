# Two commands on a fresh machine: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PY := .venv/bin/python
UV := .tools/bin/uv
UV_VERSION := 0.13.8
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup lint check-ledger demo-code clean FORCE

setup: .venv/.synced node_modules/.installed

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python python3.11
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian packages: chromium for the browser tests (Playwright never downloads a browser here), pango
# for WeasyPrint's PDFs, poppler-utils (pdftoppm) so the impact browser test can render its PDF, and
# postgresql-client (pg_dump, pg_restore) for `manage.py backup` and `restore` on PostgreSQL. A stamp,
# re-made whenever one is missing, so a machine set up before one was needed gets it on the next
# `make test`.
DEBIAN_PACKAGES := chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b poppler-utils postgresql-client
var/.debian-packages: $(if $(and $(wildcard /usr/bin/chromium),$(wildcard /usr/bin/pdftoppm),$(wildcard /usr/bin/pg_dump),$(shell PATH="$$PATH:/usr/sbin:/sbin" ldconfig -p 2>/dev/null | grep -q libpangoft2 && echo y)),,FORCE)
	mkdir -p var
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES)
	touch $@

FORCE:

run: setup
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py build_demo_hub --if-new
	$(PY) manage.py runserver 127.0.0.1:8000

TYPED := core/roles.py core/audit.py core/errors.py $(wildcard */services.py */permissions.py */queries.py */validators.py */ledger.py)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy $(TYPED)

test: setup var/.debian-packages lint
	$(PY) manage.py makemigrations --check --dry-run -v0
	.venv/bin/pytest $(PYTEST_ARGS)

# The current sign-in code for a demo staff login: make demo-code USER=coordinator
demo-code: setup
	$(PY) manage.py demo_code $(USER)

clean:
	rm -rf .venv .tools node_modules var
