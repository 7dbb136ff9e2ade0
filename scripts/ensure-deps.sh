#!/usr/bin/env bash
# Installs the system packages Polybot needs when they are missing (we run as root on CI and dev boxes):
# libsecp256k1-dev (order signing), PostgreSQL (embedded cluster for `polybot` and the test harness), Python with venv
# (the official Polymarket client's test), Chart.js (libjs-chart.js: the dashboard's charts, served by the daemon), and
# Chromium with chromedriver for the dashboard's browser test (skip with POLYBOT_SKIP_BROWSER=1).
set -euo pipefail
need=()
if ! { [ -f /usr/include/secp256k1_recovery.h ] && ldconfig -p 2>/dev/null | grep libsecp256k1 >/dev/null; }; then   # not grep -q: an early exit SIGPIPEs ldconfig under pipefail
  need+=(libsecp256k1-dev)
fi
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then need+=(postgresql); fi
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v curl >/dev/null 2>&1 || need+=(curl)
# The official-client test builds a Python virtual environment (py-clob-client-v2 from PyPI).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need+=(python3 python3-venv); fi
# The dashboard's charts: Debian's Chart.js, served by the daemon at /vendor/chart.min.js.
[ -f /usr/share/javascript/chart.js/chart.min.js ] || need+=(libjs-chart.js)
# The dashboard's browser test drives headless Chromium through chromedriver (WebDriver over loopback HTTP).
if [ "${POLYBOT_SKIP_BROWSER:-0}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages: ${need[*]} (run as root, or: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "the postgres system user is missing; reinstall the postgresql package" >&2
  exit 1
fi
