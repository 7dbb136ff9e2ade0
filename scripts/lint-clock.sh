#!/usr/bin/env bash
# The one-clock rule (issue 15): stages, trackers, gateways, schedulers and repositories read the injected
# PipelineClock, never the wall clock. This finds `Date()`, `Date.now`, `ContinuousClock.now`, an implicit `.now`,
# `timeIntervalSinceNow`, `ContinuousClock()`/`SuspendingClock()` and `Task.sleep` in Sources/PolybotCore,
# Sources/PolybotPipeline and Sources/PolybotStore, outside the clock implementations. A line at an HTTP, database,
# metrics or pacing edge may read the wall clock when it, or the comment block just above it, says why with
# `clock-edge: <reason>`. Exit status 1 lists every other read.
set -euo pipefail
cd "$(dirname "$0")/.."
implementations='Sources/PolybotCore/Time/PipelineClock.swift|Sources/PolybotPipeline/Time/ReplayClock.swift'
status=0
while IFS= read -r file; do
    [[ "$file" =~ ^($implementations)$ ]] && continue
    awk -v file="$file" '
        {
            code = $0
            sub(/\/\/.*$/, "", code)
            wall = code ~ /Date\(\)|Date\.now|timeIntervalSinceNow|ContinuousClock\(\)|SuspendingClock\(\)|Task\.sleep/ ||
                   code ~ /(Clock|Instant)\.now/ || code ~ /(^|[^A-Za-z0-9_)?!\]])\.now([^(A-Za-z0-9_]|$)/
            if (wall && $0 !~ /clock-edge:/ && !marked) {
                printf "%s:%d: reads the wall clock; use the injected PipelineClock (or mark an edge with clock-edge:)\n", file, NR
                found = 1
            }
            # A `clock-edge:` comment covers the declaration or statement right after its comment/attribute block.
            if ($0 ~ /^[ \t]*(\/\/|@)/) { marked = marked || ($0 ~ /clock-edge:/) } else { marked = 0 }
        }
        END { exit found }
    ' "$file" || status=1
done < <(find Sources/PolybotCore Sources/PolybotPipeline Sources/PolybotStore -name '*.swift' | sort)
[[ $status -eq 0 ]] && echo "lint-clock: no wall-clock reads outside the clock implementations and marked edges"
exit $status
