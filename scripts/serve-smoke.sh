#!/usr/bin/env bash
# End-to-end checks of the built `polybot` binary, as an operator would use it, with no DATABASE_URL
# (embedded PostgreSQL in a throwaway data directory). Prints "N passed, N failed" and exits non-zero on failure.
#   scripts/serve-smoke.sh [path/to/polybot]
set -uo pipefail
BIN=${1:-$(swift build --show-bin-path)/polybot}
WORK=$(mktemp -d /tmp/polybot-smoke.XXXXXX)
chmod 755 "$WORK"   # the postgres user must be able to reach the data directory
export POLYBOT_DATA_DIR="$WORK/data"
unset DATABASE_URL POLYBOT_CONFIG
# Every exchange URL points at a closed loopback port: these checks never leave 127.0.0.1.
NOWHERE=127.0.0.1:9
export POLYBOT_RTDS_URL="ws://$NOWHERE/ws" POLYBOT_CLOB_WS_URL="ws://$NOWHERE/clob-ws" POLYBOT_DATA_API_URL="http://$NOWHERE/data-api" \
  POLYBOT_GAMMA_URL="http://$NOWHERE/gamma" POLYBOT_CLOB_URL="http://$NOWHERE/clob"
pass=0; fail=0; SERVER_PID=""
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && sed 's/^/       /' <<<"$2"; }
cleanup() {
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  if [ -f "$POLYBOT_DATA_DIR/pg/postmaster.pid" ]; then
    pid=$(head -1 "$POLYBOT_DATA_DIR/pg/postmaster.pid"); kill -INT "$pid" 2>/dev/null; sleep 1
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# 1. Bad configuration: every problem named, non-zero exit, nothing started.
out=$(POLYBOT_WHALE_MIN_NOTIONAL=-5 DATABASE_URL='mysql//nowhere' "$BIN" serve 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q POLYBOT_WHALE_MIN_NOTIONAL <<<"$out" && grep -q DATABASE_URL <<<"$out"; then
  ok "bad configuration exits $rc and names both problems"
else bad "bad configuration (rc=$rc)" "$out"; fi

# 2. serve refuses to start with pending migrations, and leaves no cluster running.
out=$("$BIN" serve --port "$(free_port)" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "pending migration" <<<"$out" && [ ! -f "$POLYBOT_DATA_DIR/pg/postmaster.pid" ]; then
  ok "serve refuses pending migrations (rc=$rc) and stops the embedded cluster"
else bad "serve with pending migrations (rc=$rc)" "$out"; fi

# 3. migrate applies, then is a no-op.
out=$("$BIN" migrate 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "applied: 0001_init.sql" <<<"$out"; then ok "migrate applies 0001_init.sql"; else bad "migrate" "$out"; fi
out=$("$BIN" migrate 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "up to date" <<<"$out"; then ok "second migrate is a no-op"; else bad "second migrate" "$out"; fi

# 4. serve answers /health (open), /ready and /metrics (bearer token: here the read-only one).
PORT=$(free_port)
RO=smoke-read-only-token-123
OPW=smoke-operator-password
POLYBOT_READONLY_TOKEN=$RO POLYBOT_OPERATOR_PASSWORD=$OPW "$BIN" serve --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
up=0
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && { up=1; break; }
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.5
done
if [ $up -eq 1 ]; then ok "serve listens on 127.0.0.1:$PORT"; else bad "serve did not come up" "$(cat "$WORK/serve.log")"; fi
code=$(curl -s -o "$WORK/h" -w '%{http_code}' "http://127.0.0.1:$PORT/health")
[ "$code" = 200 ] && grep -q '"ok"' "$WORK/h" && ok "/health 200" || bad "/health $code" "$(cat "$WORK/h" 2>/dev/null)"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
[ "$code" = 401 ] && ok "/metrics without a token: 401" || bad "/metrics without a token: $code"
code=$(curl -s -o "$WORK/r" -w '%{http_code}' -H "Authorization: Bearer $RO" "http://127.0.0.1:$PORT/ready")
[ "$code" = 200 ] && grep -q '"ready":true' "$WORK/r" && ok "/ready 200 (database up, no pending migration)" \
  || bad "/ready $code" "$(cat "$WORK/r" 2>/dev/null)"
code=$(curl -s -o "$WORK/m" -w '%{http_code}' -H "Authorization: Bearer $RO" "http://127.0.0.1:$PORT/metrics")
[ "$code" = 200 ] && grep -q '^# TYPE ' "$WORK/m" && ok "/metrics 200 with Prometheus text" || bad "/metrics $code"
# The health sampler's database gauge, and exactly one trading state in force (what the alerts watch).
in_force=$(grep -c '^risk_trading_state{state="[a-z_]*"} 1' "$WORK/m")
grep -q '^database_up 1' "$WORK/m" && [ "$in_force" = 1 ] && grep -q '^rest_requests{outcome="failed"}' "$WORK/m" \
  && ok "/metrics: database_up 1, one trading state in force, REST outcome counters" \
  || bad "/metrics gauges (trading states in force: $in_force)" "$(grep -E '^(database_up|risk_trading_state|rest_)' "$WORK/m")"

# 4b. The kill switch with the database stopped under the running binary: the halt is in force at once, resuming is
#     refused, and the halt is written by itself once the cluster is back (on the same port).
PG="$POLYBOT_DATA_DIR/pg"
PGPORT=$(sed -n 4p "$PG/postmaster.pid" 2>/dev/null)
PGCTL=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
JWT=$(curl -s -X POST -H 'Content-Type: application/json' -d "{\"password\":\"$OPW\"}" "http://127.0.0.1:$PORT/api/v1/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin).get("token",""))' 2>/dev/null)
if [ -n "$JWT" ] && [ -n "$PGPORT" ] && [ -n "$PGCTL" ] && as_pg "$PGCTL" -D "$PG" -m fast -w stop >/dev/null 2>&1; then
  code=$(curl -s -o "$WORK/halt" -w '%{http_code}' -X PUT -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \
    -d '{"state":"halted","reason":"smoke: database down"}' "http://127.0.0.1:$PORT/api/v1/trading-state")
  state=$(curl -s -H "Authorization: Bearer $JWT" "http://127.0.0.1:$PORT/api/v1/trading-state")
  resume=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $JWT" -H 'Content-Type: application/json' \
    -d '{"state":"active"}' "http://127.0.0.1:$PORT/api/v1/trading-state")
  if [ "$code" = 200 ] && grep -q '"persisted":false' "$WORK/halt" && grep -q '"halted"' <<<"$state" && [ "$resume" = 503 ]; then
    ok "database stopped: halt in force at once (not yet written), resume refused (503)"
  else bad "halt with the database stopped: $code $(cat "$WORK/halt") / state $state / resume $resume"; fi
  as_pg "$PGCTL" -D "$PG" -l "$PG/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=''" start >/dev/null 2>&1
  written=""
  for _ in $(seq 1 60); do
    written=$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d polybot -tAc "SELECT state FROM trading_state WHERE mode = 'paper'" 2>/dev/null)
    [ "$written" = halted ] && break
    sleep 0.5
  done
  [ "$written" = halted ] && ok "database back: the halt was written by itself" || bad "halt not written after the database returned ($written)"
else bad "could not log in or stop the embedded cluster (jwt ${JWT:+yes}, port $PGPORT, pg_ctl $PGCTL)"; fi

# 5. SIGTERM: exit 0 within 10 s, embedded cluster stopped.
if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
  start=$(date +%s.%N)
  kill -TERM "$SERVER_PID"
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    bad "serve still running 10 s after SIGTERM"
  else
    wait "$SERVER_PID"; rc=$?
    took=$(python3 -c "import time; print(f'{time.time()-$start:.2f}')")
    SERVER_PID=""
    [ $rc -eq 0 ] && ok "SIGTERM: exit 0 after ${took} s" || bad "SIGTERM: exit code $rc" "$(tail -5 "$WORK/serve.log")"
    if [ ! -f "$POLYBOT_DATA_DIR/pg/postmaster.pid" ] && grep -q "stopped embedded PostgreSQL" "$WORK/serve.log"; then
      ok "embedded cluster stopped on shutdown"
    else bad "embedded cluster still running after shutdown"; fi
  fi
else bad "no server to stop"; fi

# 6. Secrets never printed.
KEY=0x$(printf 'ab%.0s' $(seq 1 32))
out=$(POLY_PRIVATE_KEY=$KEY POLY_API_SECRET=c2VjcmV0c2VjcmV0 "$BIN" config show 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "POLY_PRIVATE_KEY.*<redacted>" <<<"$out" && ! grep -q "abababab\|c2VjcmV0" <<<"$out"; then
  ok "config show redacts secrets"
else bad "config show" "$out"; fi

# 7. Offline order signing, exactly as an operator runs it.
out=$(POLY_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 POLY_API_KEY=k POLY_API_SECRET=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= POLY_PASSPHRASE=p \
  "$BIN" order sign --token-id 1234 --side BUY --price 0.55 --size 100 --tick-size 0.01 --salt 123 --timestamp-ms 1767225600123 2>&1); rc=$?
if [ $rc -eq 0 ] && python3 -c 'import json,sys; d=json.loads(sys.argv[1]); b=json.loads(d["body"]); assert d["digest"].startswith("0x") and len(d["digest"])==66; assert b["order"]["makerAmount"]=="55000000" and b["order"]["takerAmount"]=="100000000"; assert set(d["headers"])=={"POLY_ADDRESS","POLY_SIGNATURE","POLY_TIMESTAMP","POLY_API_KEY","POLY_PASSPHRASE"}' "$out"; then
  ok "order sign prints digest, exact body and L2 headers"
else bad "order sign (rc=$rc)" "$out"; fi

# 8. Help texts.
# Output captured first: `cmd | grep -q` under pipefail fails when grep's early exit SIGPIPEs the writer.
top_help=$("$BIN" --help 2>&1); serve_help=$("$BIN" serve --help 2>&1)
if grep -q serve <<<"$top_help" && grep -q -- "--migrate" <<<"$serve_help"; then ok "--help documents the verbs"; else bad "--help"; fi

echo "smoke: $pass passed, $fail failed"
[ $fail -eq 0 ]
