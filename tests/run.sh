#!/usr/bin/env bash
# Install what the tests need (the package with its test extras, Debian's chromium and haproxy,
# axe-core) and run the whole suite: unit, query, page and real-browser tests, the failover test
# through HAProxy. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

# Debian's chromium (the browser tests, chart images) and haproxy (the failover test drives two
# replicas through it, with deploy/haproxy.cfg).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/sbin/haproxy ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium chromium-driver haproxy >/dev/null
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  npm install --no-save --no-audit --no-fund --silent axe-core@4.14.1
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
