#!/usr/bin/env bash
# The demo behind `make run`: polymarket-sim on 127.0.0.1 replaying ../shared/data (or a generated history), and
# polybot on the embedded database pointed at it. Ctrl-C stops both (the embedded cluster stops with polybot).
set -euo pipefail
BIN=${1:?bin dir}
PORT=${PORT:-8080}
SIM_PORT=${SIM_PORT:-8090}
DATA="$(cd "$(dirname "$0")/.." && pwd)/../shared/data"
if [ -f "$DATA/nobel2025_trades.data-api.csv" ]; then
  REPLAY=(--replay "$DATA/nobel2025_trades.data-api.csv" --resolutions "$DATA/nobel2025_resolutions.derived.csv" --speed 60)
  echo "replaying the Nobel 2025 history (../shared/data) at 60× real time"
else
  REPLAY=(--generate 20000 --speed 600)
  echo "../shared/data is absent: replaying a generated history"
fi
"$BIN/polymarket-sim" serve --port "$SIM_PORT" "${REPLAY[@]}" &
SIM=$!
trap 'kill -INT $SIM 2>/dev/null; wait $SIM 2>/dev/null' EXIT
BASE="http://127.0.0.1:$SIM_PORT"
export POLYBOT_DATA_API_URL="$BASE/data-api" POLYBOT_GAMMA_URL="$BASE/gamma" POLYBOT_CLOB_URL="$BASE/clob" \
  POLYBOT_RTDS_URL="ws://127.0.0.1:$SIM_PORT/ws" POLYBOT_CLOB_WS_URL="ws://127.0.0.1:$SIM_PORT/clob-ws" \
  POLYBOT_POLYGON_RPC_URL="$BASE/rpc" POLYBOT_MODE=paper
"$BIN/polybot" migrate
echo "Polybot (paper mode) on http://127.0.0.1:$PORT — /health /ready /metrics; simulator on $BASE. Ctrl-C stops everything."
"$BIN/polybot" serve --port "$PORT"
