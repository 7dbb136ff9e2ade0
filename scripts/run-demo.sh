#!/usr/bin/env bash
# The demo behind `make run`: polymarket-sim on 127.0.0.1 replaying ../shared/data (or a generated history), and
# polybot on the embedded database pointed at it, in paper mode, with a demo basket and the dashboard.
# Ctrl-C stops both (the embedded cluster stops with polybot).
set -euo pipefail
BIN=${1:?bin dir}
PORT=${PORT:-8080}
SIM_PORT=${SIM_PORT:-8090}
DATA="$(cd "$(dirname "$0")/.." && pwd)/../shared/data"
GEN=$(mktemp -d /tmp/polybot-demo.XXXXXX)
if [ -f "$DATA/nobel2025_trades.data-api.csv" ]; then
  TRADES="$DATA/nobel2025_trades.data-api.csv"; MARKETS="$DATA/nobel2025_resolutions.derived.csv"
  echo "replaying the Nobel 2025 history (../shared/data) at 60× real time"
  SPEED=60; BACKTEST_EVERY=30m
  # The Nobel trades are small: whale = $1,000 here, two members agreeing (the defaults are $10,000 and three).
  export POLYBOT_WHALE_MIN_NOTIONAL=${POLYBOT_WHALE_MIN_NOTIONAL:-1000} MIN_MEMBERS=2
else
  echo "../shared/data is absent: replaying a generated history"
  "$BIN/polymarket-sim" generate --trades 20000 --wallets 2000 --seed 7 --out "$GEN/trades.csv" --resolutions "$GEN/res.csv" >/dev/null
  TRADES="$GEN/trades.csv"; MARKETS="$GEN/res.csv"; SPEED=600; MIN_MEMBERS=3; BACKTEST_EVERY=1d
fi
# Fees as the venue charges them in 2026 (decision 0009): politics 0.04, crypto 0.07, sports 0.03, exponent 1,
# takers only — shown on Gamma and /clob-markets, charged by the simulator, paid by every paper fill.
echo "fees: the venue's 2026 taker schedule by category (politics 0.04, crypto 0.07, sports 0.03; exponent 1)"
# After the recorded history ends the simulator loops it, shifted by whole days with fresh transaction hashes, so the
# feed stays live; the resolutions file's times gate what Gamma shows, so markets resolve as the replay passes them.
echo "live feed: the history loops (shifted by whole days) after it ends; resolutions appear on Gamma at their time"
# Whale trades come from the simulator's chain (V2 OrderFilled logs over /rpc), cross-checked with the Data API: RTDS
# `activity` is silent here, as Polymarket no longer supports it (changelog 2026-01-16).
echo "trades: from the chain (OrderFilled logs, 3 confirmations) and the Data API; RTDS activity is off, as on the venue"
"$BIN/polymarket-sim" serve --port "$SIM_PORT" --replay "$TRADES" --resolutions "$MARKETS" --loop --speed "$SPEED" \
  --fees 2026 --fault rtds-activity=off &
SIM=$!
DAEMON=""; BACKTEST=""
trap 'kill -INT $BACKTEST $DAEMON 2>/dev/null; wait $BACKTEST $DAEMON 2>/dev/null; kill -INT $SIM 2>/dev/null; wait $SIM 2>/dev/null; rm -rf "$GEN"' EXIT
BASE="http://127.0.0.1:$SIM_PORT"
export POLYBOT_DATA_API_URL="$BASE/data-api" POLYBOT_GAMMA_URL="$BASE/gamma" POLYBOT_CLOB_URL="$BASE/clob" \
  POLYBOT_RTDS_URL="ws://127.0.0.1:$SIM_PORT/ws" POLYBOT_CLOB_WS_URL="ws://127.0.0.1:$SIM_PORT/clob-ws" \
  POLYBOT_POLYGON_RPC_URL="$BASE/rpc" POLYBOT_POLYGON_WS_URL="ws://127.0.0.1:$SIM_PORT/rpc" \
  POLYBOT_FEED_SOURCES=${POLYBOT_FEED_SOURCES:-chain,data-api} POLYBOT_MODE=paper POLYBOT_SIZING_MODE=${POLYBOT_SIZING_MODE:-fixed} \
  POLYBOT_RESCORE_EVERY_SECONDS=${POLYBOT_RESCORE_EVERY_SECONDS:-60}
export POLYBOT_OPERATOR_PASSWORD=${POLYBOT_OPERATOR_PASSWORD:-polybot-demo}
"$BIN/polybot" migrate
# The demo basket: the history's most profitable wallets, chosen in hindsight (a demo, not a selection method).
if ! "$BIN/polybot" baskets show demo >/dev/null 2>&1; then
  "$BIN/polybot" baskets create demo --min-members "$MIN_MEMBERS" --category demo >/dev/null
  for w in $("$BIN/polybot" baskets top-wallets --trades "$TRADES" --markets "$MARKETS" --count 12); do
    "$BIN/polybot" baskets add-member demo "$w" >/dev/null
  done
fi
echo
echo "  Dashboard:  http://127.0.0.1:$PORT/     login password: $POLYBOT_OPERATOR_PASSWORD"
echo "  API:        http://127.0.0.1:$PORT/api/v1/openapi.json   (health /health, metrics /metrics)"
echo "  Simulator:  $BASE   — Ctrl-C stops everything."
echo
echo "  Scoring:    every 60 s of wall time, point in time as of the newest replayed trade (POLYBOT_RESCORE_EVERY_SECONDS)"
echo "  Backtest:   the demo history's walk-forward backtest runs in the background (Backtests tab)"
echo
"$BIN/polybot" serve --port "$PORT" &
DAEMON=$!
# The backtest attaches to the daemon's embedded database once it answers, and stores its report there.
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
"$BIN/polybot" backtest "$TRADES" --markets "$MARKETS" --rescore-every "$BACKTEST_EVERY" --min-members "$MIN_MEMBERS" \
  --save >/dev/null 2>"${TMPDIR:-/tmp}/polybot-demo-backtest.log" &
BACKTEST=$!
wait $DAEMON
