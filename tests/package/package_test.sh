#!/usr/bin/env bash
# The Debian package end to end (issue 20): builds it (./scripts/package; incremental), unpacks it into a
# scratch root (dpkg -x), checks its contents, verifies the systemd unit with systemd-analyze, then starts
# the packaged binary the way the unit does (its ExecStart, WorkingDirectory, Environment, EnvironmentFile,
# UMask; as an unprivileged user when run as root) against the fake OpenRouter, and checks /health, one chat
# turn and `parley doctor`. Prints "ok - …" / "not ok - …" per check and node:test's "# pass N" / "# fail N"
# summary (scripts/test counts those). Exit status non-zero when a check failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
mkdir -p tests/.tmp
pass=0; fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; [[ -n "${2:-}" ]] && echo "$2" | sed 's/^/#   /' | head -40; fail=$((fail + 1)); }
check() {  # check NAME COMMAND...: ok when the command succeeds
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}
summary() { echo "# pass $pass"; echo "# fail $fail"; [[ $fail -eq 0 ]]; }

scratch=$(mktemp -d "$REPO/tests/.tmp/package.XXXXXX")
parley_pid=""; fake_pid=""
cleanup() {
  [[ -n $parley_pid ]] && kill "$parley_pid" 2>/dev/null && wait "$parley_pid" 2>/dev/null
  [[ -n $fake_pid ]] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT

# ---- build (a second run with nothing changed only checks)
started=$SECONDS
if ! deb=$(./scripts/package 2>"$scratch/package.log" | tail -1) || [[ ! -f $deb ]]; then
  not_ok "scripts/package builds the .deb" "$(tail -40 "$scratch/package.log")"
  summary; exit 1
fi
ok "scripts/package builds $(basename "$deb") ($((SECONDS - started)) s)"

# ---- contents
root=$scratch/root
dpkg -x "$deb" "$root"
dpkg-deb -e "$deb" "$scratch/control"
bin=$root/usr/bin/parley
unit=$root/usr/lib/systemd/system/parley.service
envfile=$root/etc/parley/parley.env
check "the package holds /usr/bin/parley" test -x "$bin"
check "the binary is stripped (no symbol table, no debug info)" \
  bash -c "! readelf -S '$bin' | grep -qE '\.symtab|\.debug_info'"
size=$(stat -c %s "$bin")
check "the binary is small ($((size / 1024 / 1024)) MB < 40 MB)" test "$size" -lt $((40 * 1024 * 1024))
check "the package holds the systemd unit" test -f "$unit"
check "the env file is 0640" test "$(stat -c %a "$envfile")" = 640
check "the env file is a conffile" grep -qx /etc/parley/parley.env "$scratch/control/conffiles"
check "the nginx site is packaged" test -f "$root/etc/nginx/sites-available/parley"
check "postinst creates the parley user" grep -q 'useradd --system' "$scratch/control/postinst"
check "the package depends on the libraries it links (shlibdeps)" \
  bash -c "dpkg-deb -f '$deb' Depends | grep -q libsqlite3"
for key in 'User=parley' 'StateDirectory=parley' 'WorkingDirectory=/var/lib/parley' 'ProtectSystem=strict' \
  'ProtectHome=yes' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' 'RestrictAddressFamilies=' \
  'CapabilityBoundingSet=' 'SystemCallFilter=@system-service' 'Restart=on-failure' \
  'EnvironmentFile=/etc/parley/parley.env'; do
  check "the unit sets $key" grep -q "^$key" "$unit"
done

# ---- systemd-analyze verify: the packaged unit, its ExecStart pointed at the packaged binary (verify checks
# that the command exists). It exits 0 even on unknown keys or bad values, which it prints: any output fails.
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$scratch/units"
  sed "s#^ExecStart=/usr/bin/parley#ExecStart=$bin#" "$unit" >"$scratch/units/parley.service"
  if verify_out=$(systemd-analyze verify "$scratch/units/parley.service" 2>&1) && [[ -z $verify_out ]]; then
    ok "systemd-analyze verify accepts the unit"
  else
    not_ok "systemd-analyze verify accepts the unit" "$verify_out"
  fi
else
  not_ok "systemd-analyze verify accepts the unit" "systemd-analyze is missing (./scripts/install-deps --test installs systemd)"
fi

# ---- start it the way the unit does
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
in_root() { case $1 in /*) echo "$root$1" ;; *) echo "$1" ;; esac; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
node tests/fakes/openrouter.mjs --port 0 >"$scratch/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$scratch/fake.log" && break; sleep 0.1; done
fake_url=$(grep -oE 'http://[^ ]+' "$scratch/fake.log" | head -1)
# The operator's edits to the packaged env file.
printf 'OPENROUTER_API_KEY=sk-package-test-key\nOPENROUTER_BASE_URL=%s/api/v1\nPARLEY_PORT=%s\n' "$fake_url" "$port" >>"$envfile"

state=$(in_root "/var/lib/$(unit_value StateDirectory)")
workdir=$(in_root "$(unit_value WorkingDirectory)")
mkdir -p "$state"; chmod "$(unit_value StateDirectoryMode)" "$state"
run_as=()
if [[ $(id -u) -eq 0 ]]; then  # the dedicated user is not created by dpkg -x: an unprivileged one stands in
  chown nobody:nogroup "$state"
  chmod o+x "$scratch" "$root" "$root/var" "$root/var/lib" "$root/usr" "$root/usr/bin" "$root/etc" "$root/etc/parley"
  chgrp nogroup "$envfile"
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs)
fi
env_args=()
while IFS= read -r line; do
  line=${line#Environment=}
  [[ $line == PARLEY_HOME=* ]] && line="PARLEY_HOME=$(in_root "${line#PARLEY_HOME=}")"
  env_args+=("$line")
done < <(grep '^Environment=' "$unit")
envfile_from_unit=$(in_root "$(unit_value EnvironmentFile)")
while IFS= read -r line; do env_args+=("$line"); done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$envfile_from_unit")
read -r -a exec_start <<<"$(unit_value ExecStart)"
exec_start[0]=$(in_root "${exec_start[0]}")
umask_value=$(unit_value UMask)
(
  cd "$workdir" && umask "$umask_value" &&
  exec "${run_as[@]}" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "${env_args[@]}" "${exec_start[@]}"
) >"$scratch/parley.log" 2>&1 &
parley_pid=$!
for _ in $(seq 150); do grep -q 'parley listening on' "$scratch/parley.log" && break; kill -0 "$parley_pid" 2>/dev/null || break; sleep 0.1; done
if grep -q 'parley listening on' "$scratch/parley.log"; then ok "the packaged binary starts as the unit starts it"
else not_ok "the packaged binary starts as the unit starts it" "$(cat "$scratch/parley.log")"; fi
url="http://127.0.0.1:$port"

health=$(curl -s -o "$scratch/health.json" -w '%{http_code}' "$url/health")
if [[ $health == 200 ]] && grep -q '"status"' "$scratch/health.json"; then ok "/health answers 200"
else not_ok "/health answers 200" "status $health: $(cat "$scratch/health.json" 2>/dev/null)"; fi

curl -s -N -X POST "$url/api/chat/stream" -H 'Content-Type: application/json' \
  -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello from the package test","client_message_id":"user_pkg"}]}' \
  >"$scratch/chat.txt"
if grep -q '"content":" the fake."' "$scratch/chat.txt" && grep -q '^data: \[DONE\]' "$scratch/chat.txt"; then
  ok "a chat turn streams the fake upstream's answer"
else
  not_ok "a chat turn streams the fake upstream's answer" "$(head -c 2000 "$scratch/chat.txt")"
fi
if curl -s "$fake_url/__control/requests" | grep -q 'Bearer sk-package-test-key'; then
  ok "the key from /etc/parley/parley.env reached the upstream"
else
  not_ok "the key from /etc/parley/parley.env reached the upstream"
fi
if [[ $(id -u) -eq 0 ]]; then
  check "the service ran as the unprivileged user (its files are nobody's)" \
    test "$(stat -c %U "$state/data/chat_sessions.db")" = nobody
fi
check "the state directory holds the database, private" \
  bash -c "test -f '$state/data/chat_sessions.db' && test \"\$(stat -c %a '$state/data/chat_sessions.db')\" = 600"

# parley doctor with the service's environment, while the service runs (it reads, it does not lock).
doctor_out=$(cd "$workdir" && umask "$umask_value" &&
  "${run_as[@]}" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "${env_args[@]}" "$(in_root /usr/bin/parley)" doctor 2>&1)
doctor_rc=$?
if [[ $doctor_rc -eq 0 ]] && ! grep -q 'sk-package-test-key' <<<"$doctor_out"; then ok "parley doctor passes on the installed home"
else not_ok "parley doctor passes on the installed home" "$doctor_out"; fi

kill "$parley_pid" 2>/dev/null; wait "$parley_pid" 2>/dev/null; parley_pid=""
check "parley stops cleanly on SIGTERM" grep -q 'parley stopped' "$scratch/parley.log"
summary
