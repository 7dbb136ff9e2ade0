#!/usr/bin/env bash
# Store owns SQL (issue 29): no SQL statement and no PostgresNIO query call in Sources or Benchmarks outside
# Sources/PolybotStore.
# Looks for `SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`, `DELETE FROM`, `CREATE|DROP|ALTER TABLE|DATABASE|INDEX`
# and `.query(`/`PostgresQuery(` on a Postgres client in code (comments are skipped). Exit status 1 lists every hit.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r file; do
    awk -v file="$file" '
        {
            code = $0
            sub(/\/\/.*$/, "", code)
            sql = code ~ /(^|[^A-Za-z_])(SELECT[ \t].*FROM|INSERT[ \t]+INTO|DELETE[ \t]+FROM|UPDATE[ \t]+[a-z_]+[ \t]+SET)([^A-Za-z_]|$)/ ||
                  code ~ /(CREATE|DROP|ALTER)[ \t]+(TABLE|DATABASE|INDEX)/ ||
                  code ~ /PostgresQuery\(|\.(client|conn|connection)\.query\(|client\.query\("/
            if (sql) { printf "%s:%d: SQL outside PolybotStore; give it a function in Store\n", file, NR; found = 1 }
        }
        END { exit found }
    ' "$file" || status=1
done < <(find Sources Benchmarks -name '*.swift' -not -path 'Sources/PolybotStore/*' | sort)
[[ $status -eq 0 ]] && echo "lint-sql: no SQL outside PolybotStore"
exit $status
