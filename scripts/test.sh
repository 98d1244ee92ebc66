#!/usr/bin/env bash
# The test command of the README and of CI: installs the servers if they are missing,
# runs every test project, and ends with one line "N passed, N failed[, N skipped]"
# summed from the TRX results. Exits with dotnet test's exit code, or 1 when no test ran.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/install-servers.sh

results=artifacts/test-results
rm -rf "$results"

status=0
dotnet test StreamHandlers.sln -c Release \
  --logger "console;verbosity=normal" \
  --logger "trx;LogFilePrefix=results" \
  --results-directory "$results" || status=$?

passed=0 failed=0 skipped=0
shopt -s nullglob globstar
trx_files=("$results"/**/*.trx)
if [ "${#trx_files[@]}" -gt 0 ]; then
  # <Counters total=".." executed=".." passed=".." failed=".." error=".." timeout=".." aborted=".." ... notExecuted=".." />
  read -r passed failed skipped < <(
    cat "${trx_files[@]}" | tr '\n' ' ' | grep -o '<Counters [^>]*>' | awk '
      function attr(s, name,   m) {
        if (match(s, "[[:space:]]" name "=\"[0-9]+\"")) {
          m = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", m); return m + 0
        }
        return 0
      }
      { p += attr($0, "passed")
        f += attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
        # xunit counts a skipped test in total but not in executed (nor in notExecuted).
        skip = attr($0, "total") - attr($0, "executed")
        if (attr($0, "notExecuted") > skip) skip = attr($0, "notExecuted")
        if (skip > 0) s += skip }
      END { printf "%d %d %d\n", p, f, s }'
  )
fi

executed=$((passed + failed))
if [ "$status" -eq 0 ] && [ "$executed" -eq 0 ]; then
  echo "scripts/test.sh: no test was executed (TRX files found: ${#trx_files[@]})." >&2
  status=1
fi
if [ "$status" -eq 0 ] && [ "$failed" -gt 0 ]; then
  status=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
