# The two commands of the README. Both set up everything they need on a fresh Debian with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-quick _pytest install clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -q && apt-get install -y -q python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/qianyun serve --demo

# pytest exits 5 when it collected no test: that must fail, never pass as green.
PYTEST = $(BIN)/pytest -q -n 2 --dist loadfile $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "error: no tests were collected"; exit 1; fi; exit $$rc

# The whole suite with every real server: PostgreSQL, the loopback OpenStack, Prometheus, Chromium
# (Debian packages, installed and started by tests/servers/with-servers.sh on 127.0.0.1, stopped after).
test: install
	bash tests/servers/with-servers.sh $(MAKE) --no-print-directory _pytest

# The inner loop: SQLite only, no servers; the tests that need one skip (and fail under CI=true).
test-quick: install
	@$(MAKE) --no-print-directory _pytest

_pytest:
	@$(PYTEST)

clean:
	rm -rf $(VENV) *.egg-info qianyun.db* qianyun-sim.db* qianyun-demo-users.txt qianyun-secret.key
