#!/usr/bin/env bash
# Gateway benchmark: how long `holt peer add` and `holt peer list` take as a gateway grows to N peers, run by hand
# as root (never in CI). The gateway runs (holt up, Holt's engine) in a network namespace of its own, so every add
# is also applied live to the interface and to nftables, as it is for an operator.
#
#   sudo bench/gateway.sh                      # 1000 peers
#   sudo bench/gateway.sh --peers 200
#   sudo HOLT=/tmp/holt-aot/holt bench/gateway.sh
#
# For comparison, the same namespace then gets N peers through the bare tools an operator would otherwise script:
# `wg set IFACE peer KEY preshared-key FILE allowed-ips ADDR/32` against the same running interface (what a
# hand-rolled add script does at least, without picking an address or writing a config) and `wg show IFACE dump`.
set -uo pipefail

usage() {
  cat <<'EOF2'
Usage: bench/gateway.sh [--peers N]

  --peers N   how many peers to add (default 1000)

Environment:
  HOLT=/path/to/holt   the holt binary; without it the script builds one (dotnet build, JIT) from this checkout.
                       A NativeAOT binary (dotnet publish src/Holt -c Release -r linux-x64) starts much faster.

Example: sudo bench/gateway.sh --peers 1000
EOF2
}

peers=1000
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --peers=*) peers=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gateway.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $peers =~ ^[1-9][0-9]*$ ]] || [ "$peers" -gt 4000 ]; then
  echo "gateway.sh: --peers must be a whole number from 1 to 4000, got '$peers'" >&2
  exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "gateway.sh: run as root (it creates a network namespace)" >&2; exit 1; }
for tool in ip wg nft; do
  command -v $tool >/dev/null || { echo "gateway.sh: $tool is missing (apt-get install iproute2 wireguard-tools nftables)" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-gateway-bench.XXXXXX)
ns=hbg$$
iface=hbg$$
cleanup() {
  ip netns exec $ns env HOLT_CONFIG="$tmp/holt.toml" HOLT_STATE_DIR="$tmp/state" "$holt" down >/dev/null 2>&1
  ip netns del $ns 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

holt=${HOLT:-}
if [ -z "$holt" ]; then
  echo "building holt (dotnet build, JIT) from $repo" >&2
  dotnet build "$repo/src/Holt" -c Release -o "$tmp/holt" -nologo >"$tmp/build.log" 2>&1 || { tail -5 "$tmp/build.log" >&2; exit 1; }
  holt=$tmp/holt/holt
  how="dotnet build (JIT)"
else
  how="HOLT=$holt"
fi

ip netns add $ns
ip -n $ns link set lo up
run() { ip netns exec $ns env HOLT_CONFIG="$tmp/holt.toml" HOLT_STATE_DIR="$tmp/state" "$holt" "$@"; }
now() { date +%s%N; }

run init --endpoint 192.0.2.1 --interface $iface --subnet 10.8.0.0/20 --port 51999 >/dev/null 2>&1 || { echo "gateway.sh: holt init failed" >&2; exit 1; }
run up >/dev/null 2>"$tmp/up.log" 251>&- || { cat "$tmp/up.log" >&2; exit 1; }

# Milliseconds of each add, one per line.
: >"$tmp/add.us"
for i in $(seq 1 "$peers"); do
  start=$(now)
  run peer add "p$i" >/dev/null 2>"$tmp/add.err" || { echo "gateway.sh: peer add p$i failed: $(cat "$tmp/add.err")" >&2; exit 1; }
  echo $(( ($(now) - start) / 1000 )) >>"$tmp/add.us"
done
live=$(ip netns exec $ns wg show $iface peers | wc -l)

list_runs() {
  local runs=""
  for _ in 1 2 3 4 5; do
    local start; start=$(now)
    run peer list "$@" >/dev/null || exit 1
    runs="$runs $(( ($(now) - start) / 1000000 ))"
  done
  echo "$runs"
}
list_table=$(list_runs)
list_json=$(list_runs --json)
status_runs=""
for _ in 1 2 3; do start=$(now); run status >/dev/null; status_runs="$status_runs $(( ($(now) - start) / 1000000 ))"; done

# The bare-tools reference on the same interface: a second set of peers with wg set.
wg genpsk >"$tmp/psk"
: >"$tmp/wg.us"
for i in $(seq 1 "$peers"); do
  key=$(wg genkey | wg pubkey)
  start=$(now)
  ip netns exec $ns wg set $iface peer "$key" preshared-key "$tmp/psk" allowed-ips "10.9.$((i / 250)).$((i % 250 + 1))/32"
  echo $(( ($(now) - start) / 1000 )) >>"$tmp/wg.us"
done
dump_runs=""
for _ in 1 2 3 4 5; do start=$(now); ip netns exec $ns wg show $iface dump >/dev/null; dump_runs="$dump_runs $(( ($(now) - start) / 1000000 ))"; done

stats() { # microseconds per line -> "min median p95 max" in ms
  sort -n "$1" | awk '{ v[NR] = $1 } END { n = NR; printf "%.1f / %.1f / %.1f / %.1f", v[1] / 1000, v[int((n + 1) / 2)] / 1000, v[int(n * 0.95 + 0.5)] / 1000, v[n] / 1000 }'
}

echo
echo "holt: $how; $peers peers; the gateway was up (engine), so each add was applied live ($live peers on the interface at the end)"
echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) CPUs, $(uname -r)"
echo
echo "holt peer add, each (min / median / p95 / max ms): $(stats "$tmp/add.us")"
echo "  adds over 100 ms: $(awk '$1 > 100000 { n++ } END { print n + 0 }' "$tmp/add.us") of $peers"
echo "  first 10 adds: $(head -10 "$tmp/add.us" | awk '{ s += $1 } END { printf "%.1f ms mean", s / NR / 1000 }'), last 10 adds: $(tail -10 "$tmp/add.us" | awk '{ s += $1 } END { printf "%.1f ms mean", s / NR / 1000 }')"
echo "holt peer list with $peers peers (ms, 5 runs):$list_table"
echo "holt peer list --json (ms, 5 runs):$list_json"
echo "holt status (ms, 3 runs):$status_runs"
echo "reference, wg set peer on the same interface, each (min / median / p95 / max ms): $(stats "$tmp/wg.us")"
echo "reference, wg show dump with $((peers * 2)) peers (ms, 5 runs):$dump_runs"
