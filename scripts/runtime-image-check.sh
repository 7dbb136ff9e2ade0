#!/usr/bin/env bash
# Proves the runtime image of deploy/Dockerfile without a Docker engine: builds the binary the way the build stage
# does, lays out a fresh root holding only what the runtime stage COPYs (read from the Dockerfile, not repeated here),
# and runs it the way the image would — the image's ENV only, its WORKDIR, a non-root user that cannot write the
# install folder, the repository and the Swift toolchain hidden (a private mount namespace with empty tmpfs over
# them) — against the embedded database, with polymarket-sim on 127.0.0.1 standing in for Polymarket.
#   scripts/runtime-image-check.sh            (make image-check; root is needed for the mount namespace)
# Prints "N passed, N failed" and exits non-zero on failure.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DOCKERFILE=${DOCKERFILE:-$REPO/deploy/Dockerfile}
SWIFT=${SWIFT:-swift}
RUN_AS=${RUN_AS:-nobody}   # the image's user is uid 10001 "polybot"; any non-root user without write access proves the same
[ "$(id -u)" = 0 ] || { echo "runtime-image-check: needs root (mount namespace, setpriv to $RUN_AS)" >&2; exit 2; }

pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && sed 's/^/       /' <<<"$2"; }

# 1. The Dockerfile, parsed: runtime stage (after the last FROM) COPY / ENV / WORKDIR / USER / HEALTHCHECK /
#    apt packages, and the build stage's `swift build` flags.
PARSED=$(python3 - "$DOCKERFILE" <<'PY'
import re, shlex, sys
text = open(sys.argv[1]).read()
lines, cur = [], ""
for raw in text.splitlines():
    if raw.lstrip().startswith("#"): continue
    cur += raw.rstrip()
    if cur.endswith("\\"): cur = cur[:-1] + " "; continue
    if cur.strip(): lines.append(cur.strip())
    cur = ""
stages = []
for l in lines:
    if l.upper().startswith("FROM "): stages.append([])
    if stages: stages[-1].append(l)
build, runtime = stages[0], stages[-1]
for l in build:
    m = re.search(r"swift build (.*?)(&&|$)", l)
    if m: print("BUILD\t" + m.group(1).strip())
for l in runtime:
    word, _, rest = l.partition(" ")
    word = word.upper()
    if word == "COPY":
        args = shlex.split(rest)
        frm = next((a.split("=", 1)[1] for a in args if a.startswith("--from=")), "-")
        args = [a for a in args if not a.startswith("--")]
        for src in args[:-1]: print(f"COPY\t{frm}\t{src}\t{args[-1]}")
    elif word == "ENV":
        for kv in shlex.split(rest):
            k, _, v = kv.partition("="); print(f"ENV\t{k}\t{v}")
    elif word in ("WORKDIR", "USER", "ENTRYPOINT", "CMD"):
        print(f"{word}\t{rest}")
    elif word == "HEALTHCHECK":
        print("HEALTHCHECK\t" + rest.split(" CMD ", 1)[1])
    elif word == "RUN" and "apt-get install" in rest:
        pkgs = re.search(r"apt-get install ([^&]*)", rest).group(1).split()
        print("APT\t" + " ".join(p for p in pkgs if not p.startswith("-")))
PY
) || { echo "cannot parse $DOCKERFILE" >&2; exit 2; }
field() { awk -F'\t' -v OFS='\t' -v k="$1" '$1 == k { $1 = ""; sub(/^\t/, ""); print }' <<<"$PARSED"; }
BUILD_FLAGS=$(field BUILD | head -1)
WORKDIR=$(field WORKDIR)
HEALTHCHECK=$(field HEALTHCHECK)
APT_PKGS=$(field APT)
echo "Dockerfile runtime stage: WORKDIR $WORKDIR, USER $(field USER), packages: $APT_PKGS"

# 2. Build as the build stage does (release, static Swift standard library), then strip as it does.
echo "building: $SWIFT build $BUILD_FLAGS (and polymarket-sim, the stand-in for Polymarket)"
# A build folder of its own: the static flags would otherwise invalidate `make bench`'s release build (and back).
SCRATCH=(--scratch-path "$REPO/.build/image")
(cd "$REPO" && $SWIFT build "${SCRATCH[@]}" $BUILD_FLAGS 2>&1 | tail -1 \
  && $SWIFT build "${SCRATCH[@]}" ${BUILD_FLAGS/--product polybot/--product polymarket-sim} 2>&1 | tail -1) \
  || { echo "build failed" >&2; exit 1; }
BIN_DIR=$(cd "$REPO" && $SWIFT build "${SCRATCH[@]}" -c release --show-bin-path)

ROOT=$(mktemp -d /tmp/polybot-image.XXXXXX)
chmod 755 "$ROOT"
SIM_PID=""
cleanup() {
  [ -n "$SIM_PID" ] && kill -INT "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
  rm -rf "$ROOT"
}
trap cleanup EXIT

# 3. The fresh root: only the runtime stage's COPYs. `--from=build /out/polybot` is the binary just built.
while IFS=$'\t' read -r from src dst; do
  target="$ROOT$dst"
  mkdir -p "$(dirname "$target")"
  if [ "$from" = build ]; then
    [ "$src" = /out/polybot ] || { bad "unknown build artefact $src"; continue; }
    cp "$BIN_DIR/polybot" "$target" && strip "$target"
  else
    cp -a "$REPO/$src" "$target"
  fi
done < <(field COPY)
chown -R root:root "$ROOT/opt"; chmod -R go-w "$ROOT/opt"
BINARY=$(field ENTRYPOINT | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
echo "fresh root $ROOT: $(cd "$ROOT" && find . -mindepth 1 -maxdepth 3 | sort | tr '\n' ' ')"
[ -x "$ROOT$BINARY" ] && ok "ENTRYPOINT $BINARY is in the copied files ($(du -h "$ROOT$BINARY" | cut -f1) stripped)" \
  || bad "ENTRYPOINT $BINARY missing"

# 4. Shared libraries: each must come from a package debian:bookworm-slim has (libc6, libgcc-s1, libstdc++6 — apt's
#    dependency — and zlib1g are in the base image) or one the runtime stage installs. No Swift runtime library.
libs=$(ldd "$ROOT$BINARY" | awk '/=>/ { print $3 } !/=>/ && $1 ~ /^\// { print $1 }')
allowed=" libc6 libgcc-s1 libstdc++6 zlib1g $APT_PKGS "
ldd_bad=""
for lib in $libs; do
  pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
  [ -z "$pkg" ] && pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
  case "$allowed" in *" $pkg "*) ;; *) ldd_bad+="$lib (${pkg:-no package})"$'\n' ;; esac
done
if [ -z "$ldd_bad" ] && ! grep -qi swift <<<"$(ldd "$ROOT$BINARY")"; then
  ok "shared libraries all from the image's packages: $(for l in $libs; do basename "$l"; done | tr '\n' ' ')"
else bad "libraries the runtime image does not have" "$ldd_bad$(ldd "$ROOT$BINARY" | grep -i swift)"; fi

# 5. polymarket-sim outside the namespace (it is the outside world, not part of the image).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SIM_PORT=$(free_port)
"$BIN_DIR/polymarket-sim" serve --port "$SIM_PORT" --generate 20000 --seed 7 --speed 600 >"$ROOT/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$SIM_PORT/_sim/status" >/dev/null 2>&1 && break; sleep 0.1; done

# 6. Everything else runs in a private mount namespace: the repository and the toolchain are empty there.
mkdir -p "$ROOT/var/lib/polybot"; chown "$RUN_AS" "$ROOT/var/lib/polybot"
HIDE="$REPO"; for d in /opt/swift /usr/share/swift; do [ -d "$d" ] && HIDE+=" $d"; done
IMAGE_ENV=$(field ENV | awk -F'\t' -v root="$ROOT" '{ v = $2; gsub("/opt/", root "/opt/", v); print $1 "=" v }')
export ROOT BINARY WORKDIR HEALTHCHECK HIDE RUN_AS IMAGE_ENV SIM_PORT
cat > "$ROOT/inner.sh" <<'INNER'
set -uo pipefail
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && sed 's/^/       /' <<<"$2"; }
for d in $HIDE; do mount -t tmpfs -o size=1m,mode=755 none "$d"; done
[ -z "$(ls -A "${HIDE%% *}")" ] && ok "repository and toolchain hidden: $HIDE" || bad "could not hide $HIDE"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SIM="http://127.0.0.1:$SIM_PORT"
# The image's ENV, plus what compose / an operator adds. Overridden: the port (a free one) and the bind address
# (127.0.0.1 instead of the image's 0.0.0.0: these checks stay on loopback).
image_cmd() {
  cd "$ROOT$WORKDIR" && exec setpriv --reuid="$RUN_AS" --regid="$(id -g "$RUN_AS")" --clear-groups -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent $IMAGE_ENV \
    POLYBOT_HOST=127.0.0.1 POLYBOT_PORT="$PORT" POLYBOT_DATA_DIR="$ROOT/var/lib/polybot" \
    POLYBOT_OPERATOR_PASSWORD=image-check-password POLYBOT_READONLY_TOKEN=image-check-read-only-token \
    POLYBOT_WHALE_MIN_NOTIONAL=1000 \
    POLYBOT_RTDS_URL="ws://127.0.0.1:$SIM_PORT/ws" POLYBOT_CLOB_WS_URL="ws://127.0.0.1:$SIM_PORT/clob-ws" \
    POLYBOT_DATA_API_URL="$SIM/data-api" POLYBOT_GAMMA_URL="$SIM/gamma" POLYBOT_CLOB_URL="$SIM/clob" \
    POLYBOT_POLYGON_RPC_URL="$SIM/rpc" "$ROOT$BINARY" "$@"
}
run() { (image_cmd "$@"); }
stop_pg() {
  local pidfile="$ROOT/var/lib/polybot/pg/postmaster.pid"
  [ -f "$pidfile" ] && kill -INT "$(head -1 "$pidfile")" 2>/dev/null && sleep 1
}
trap stop_pg EXIT
touch "$ROOT/.before"

out=$(run --help 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q "serve" <<<"$out" && ok "polybot --help" || bad "--help (rc=$rc)" "$out"

out=$(run migrate 2>&1); rc=$?
n=$(ls "$(dirname "$0")/../migrations"/*.sql | wc -l)
if [ $rc -eq 0 ] && [ "$(grep '^applied: ' <<<"$out" | tr ',' '\n' | grep -c '\.sql')" -eq "$n" ]; then ok "migrate applies all $n built-in migrations as $RUN_AS"
else bad "migrate (rc=$rc)" "$out"; fi

image_cmd serve >"$ROOT/serve.log" 2>&1 &   # backgrounded: a subshell that execs, so $! is polybot itself
SERVER=$!
up=0
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && { up=1; break; }
  kill -0 $SERVER 2>/dev/null || break
  sleep 0.5
done
[ $up -eq 1 ] && ok "serve (the image's CMD) is up" || bad "serve did not come up" "$(tail -20 "$ROOT/serve.log")"
hc=${HEALTHCHECK//8080/$PORT}
out=$(sh -c "$hc" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "HEALTHCHECK command exits 0: $hc" || bad "HEALTHCHECK (rc=$rc)" "$out"
page=$(curl -s "http://127.0.0.1:$PORT/")
cmp -s <(curl -s "http://127.0.0.1:$PORT/app.js") "$ROOT/opt/polybot/dashboard-static/app.js" && grep -qi "<html" <<<"$page" \
  && ok "dashboard served from the copied dashboard-static" || bad "dashboard not served" "${page:0:300}"
token=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"password":"image-check-password"}' \
  "http://127.0.0.1:$PORT/api/v1/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' 2>/dev/null)
[ -n "$token" ] && ok "operator login" || bad "login failed"
ready=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/ready")
grep -q '"ready":true' <<<"$ready" && ok "/ready: database up, no pending migration" || bad "/ready" "$ready"
trades=0
for _ in $(seq 1 60); do
  trades=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/trades?limit=50" \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("items", d) if isinstance(d, dict) else d))' 2>/dev/null || echo 0)
  [ "${trades:-0}" -gt 0 ] && break
  sleep 0.5
done
[ "${trades:-0}" -gt 0 ] && ok "whale trades from the simulator's feed stored and served ($trades on the first page)" \
  || bad "no whale trades arrived" "$(tail -20 "$ROOT/serve.log")"
code=$(curl -s -o "$ROOT/m" -w '%{http_code}' -H "Authorization: Bearer image-check-read-only-token" "http://127.0.0.1:$PORT/metrics")
[ "$code" = 200 ] && grep -q '^feed_trades' "$ROOT/m" && ok "/metrics with the read-only token (Prometheus' scrape)" \
  || bad "/metrics $code" "$(head -5 "$ROOT/m")"
badlog=$(python3 -c '
import json, sys
bad = [l for l in open(sys.argv[1]) if l.strip() and not l.startswith("{")]
bad += [l for l in open(sys.argv[1]) if l.startswith("{") and not isinstance(json.loads(l), dict)]
print("".join(bad[:5]))' "$ROOT/serve.log" 2>&1)
[ -z "$badlog" ] && ok "logs are JSON lines (POLYBOT_LOG_FORMAT=json from the image)" || bad "non-JSON log lines" "$badlog"
grep -q "image-check-password" "$ROOT/serve.log" && bad "the operator password appears in the log" || ok "no secret in the log"
kill -TERM $SERVER; wait $SERVER; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM (docker stop): exit 0" || bad "serve exit $rc after SIGTERM" "$(tail -5 "$ROOT/serve.log")"

out=$(run rescore 2>&1); rc=$?
[ $rc -eq 0 ] && ok "polybot rescore (the nightly job) against the simulator: $(tail -1 <<<"$out")" || bad "rescore (rc=$rc)" "$(tail -10 <<<"$out")"
out=$(run export trades --format csv 2>/dev/null); rc=$?
rows=$(($(wc -l <<<"$out") - 1))
[ $rc -eq 0 ] && [ $rows -gt 0 ] && ok "polybot export trades --format csv: $rows rows" || bad "export (rc=$rc)" "${out:0:300}"

written=$(cd "$ROOT" && find opt -newer .before | head -5)
[ -z "$written" ] && ok "nothing written under the install folder (all state in the data directory)" || bad "files written under /opt" "$written"
echo "$pass $fail" > "$ROOT/inner.result"
INNER
unshare --mount --propagation private bash "$ROOT/inner.sh" </dev/null
read -r ipass ifail < "$ROOT/inner.result" 2>/dev/null || { ipass=0; ifail=1; }
pass=$((pass + ipass)); fail=$((fail + ifail))
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
