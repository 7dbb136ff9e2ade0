#!/usr/bin/env bash
# Layers (issue 29), read from the package manifest itself (`swift package dump-package`), not from file names:
# - the production `polybot` executable links no simulator code (PolymarketSim outside its dependency closure);
# - the API reaches the pipeline only through its ports (PolybotAPI neither depends on nor imports PolybotPipeline);
# - no file under Sources/ is longer than 400 lines.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package dump-package 2>/dev/null | python3 -c '
import json, sys
targets = {t["name"]: t for t in json.load(sys.stdin)["targets"]}
def deps(name):
    out = set()
    for d in targets[name]["dependencies"]:
        n = (d.get("byName") or d.get("target") or [None])[0]
        if n in targets and n not in out:
            out.add(n)
            out |= deps(n)
    return out
bad = 0
closure = deps("polybot")
if "PolymarketSim" in closure:
    print("lint-layers: the polybot executable links PolymarketSim"); bad = 1
if "PolybotPipeline" in deps("PolybotAPI"):
    print("lint-layers: PolybotAPI depends on PolybotPipeline (use the ports in PolybotCore/Ports)"); bad = 1
print("lint-layers: polybot links " + ", ".join(sorted(closure)))
sys.exit(bad)
'
status=0
if grep -rln '^import PolybotPipeline' Sources/PolybotAPI; then echo "lint-layers: PolybotAPI imports PolybotPipeline"; status=1; fi
while read -r lines file; do
    [[ "$file" == total ]] && continue
    if (( lines > 400 )); then echo "lint-layers: $file has $lines lines (at most 400)"; status=1; fi
done < <(find Sources -name '*.swift' -print0 | xargs -0 wc -l)
[[ $status -eq 0 ]] && echo "lint-layers: no file under Sources/ over 400 lines"
exit $status
