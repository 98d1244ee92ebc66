#!/usr/bin/env bash
# The README's demo: makes sure a server answers on 127.0.0.1:6379 (starting valkey-server
# there when nothing does), then runs the AiTasks sample in demo mode.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/install-servers.sh

if command -v valkey-cli >/dev/null 2>&1; then
  cli=valkey-cli
elif command -v redis-cli >/dev/null 2>&1; then
  cli=redis-cli
else
  echo "demo.sh: neither valkey-cli nor redis-cli is on PATH." >&2
  exit 1
fi

answers_ping() {
  [ "$("$cli" -h 127.0.0.1 -p 6379 ping 2>/dev/null || true)" = "PONG" ]
}

if answers_ping; then
  echo "Using the server already answering on 127.0.0.1:6379."
else
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/streamhandlers-demo.XXXXXX")"
  valkey-server --port 6379 --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$data_dir" --logfile "$data_dir/valkey.log"
  for _ in $(seq 1 100); do
    answers_ping && break
    sleep 0.1
  done
  if ! answers_ping; then
    echo "demo.sh: valkey-server did not answer PING on 127.0.0.1:6379 within 10 s." >&2
    cat "$data_dir/valkey.log" >&2 2>/dev/null || true
    exit 1
  fi
  echo "Started valkey-server on 127.0.0.1:6379 (data and log in $data_dir)."
fi

status=0
dotnet run --project samples/AiTasks -c Release -- --demo || status=$?

echo "The server on 127.0.0.1:6379 is left running; stop it with: $cli -p 6379 shutdown nosave"
exit "$status"
