#!/usr/bin/env bash
# Memory benchmark (issue #14), run by hand as root (never in CI): the resident memory of an idle gateway with N
# peers. A Holt gateway (holt init, N peers in holt.toml, holt up: daemonized, Holt's engine, monitor, metrics,
# guard as configured by default) runs in a network namespace of its own; beside it, in another namespace,
# wireguard-go carries the same N peers (wg setconf), as an operator's hand-made gateway would. After a settling
# time, each process's RSS (VmRSS) and its peak (VmHWM) are read from /proc. The peers never handshake.
#
#   sudo bench/memory.sh                       # 1000 peers, 30 s settling, publishes NativeAOT holt first
#   sudo HOLT=/tmp/aot/holt bench/memory.sh --peers 1000 --settle 30
set -uo pipefail

peers=1000
settle=30
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=${2:-}; shift 2 || exit 2 ;;
    --settle) settle=${2:-}; shift 2 || exit 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "memory.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $peers =~ ^[1-9][0-9]*$ ]] && [ "$peers" -le 4000 ] || { echo "memory.sh: --peers must be from 1 to 4000" >&2; exit 2; }
[[ $settle =~ ^[1-9][0-9]*$ ]] || { echo "memory.sh: --settle must be a whole number of seconds" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "memory.sh: run as root (it creates network namespaces)" >&2; exit 1; }
for tool in ip wg wireguard-go; do
  command -v "$tool" >/dev/null || { echo "memory.sh: $tool is missing" >&2; exit 1; }
done

umask 077
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-memory-bench.XXXXXX)
ns=hbr$$
iface=hbr$$
gons=hbg$$
goif=hbg$$
export HOLT_CONFIG=$tmp/holt.toml HOLT_STATE_DIR=$tmp/state
run() { ip netns exec "$ns" "$holt" "$@"; }
cleanup() {
  run down >/dev/null 2>&1
  [ -n "${gopid:-}" ] && kill "$gopid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  ip netns del "$gons" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

holt=${HOLT:-}
if [ -z "$holt" ]; then
  echo "publishing holt (NativeAOT) from $repo" >&2
  dotnet publish "$repo/src/Holt" -c Release -r linux-x64 -o "$tmp/publish" -nologo >"$tmp/publish.log" 2>&1 ||
    { tail -n 5 "$tmp/publish.log" >&2; exit 1; }
  holt=$tmp/publish/holt
fi

kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
report() { # label pid
  awk -v l="$1" -v r="$(kib "$2" VmRSS)" -v h="$(kib "$2" VmHWM)" \
    'BEGIN {printf "%-44s RSS %6.1f MiB  peak %6.1f MiB\n", l, r / 1024, h / 1024}'
}

# The same N peer keys for both, each with an address of its own and a keepalive, none ever handshaking.
for i in $(seq 1 "$peers"); do
  n=$((i + 1))
  printf '%s 10.8.%d.%d\n' "$(wg genkey | wg pubkey)" $((n / 256)) $((n % 256))
done >"$tmp/peers"

ip netns add "$ns" && ip -n "$ns" link set lo up
run init --endpoint 192.0.2.1 --interface "$iface" --subnet 10.8.0.0/20 --port 51997 >/dev/null 2>&1 || { echo "memory.sh: holt init failed" >&2; exit 1; }
i=0
while read -r key address; do
  i=$((i + 1))
  printf '\n[[peer]]\nname = "p%d"\npublic_key = "%s"\naddress = "%s"\nkeepalive = 25\nenabled = true\n' "$i" "$key" "$address"
done <"$tmp/peers" >>"$HOLT_CONFIG"
run up >/dev/null 2>"$tmp/up.log" || { cat "$tmp/up.log" >&2; exit 1; }
pid=$(cat "/run/holt/$iface.pid")

ip netns add "$gons" && ip -n "$gons" link set lo up
ip netns exec "$gons" env WG_PROCESS_FOREGROUND=1 wireguard-go "$goif" >"$tmp/wg-go.log" 2>&1 &
gopid=$!
for _ in $(seq 1 50); do [ -S "/var/run/wireguard/$goif.sock" ] && break; sleep 0.1; done
{
  printf '[Interface]\nPrivateKey = %s\nListenPort = 51996\n' "$(wg genkey)"
  while read -r key address; do
    printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\nPersistentKeepalive = 25\n' "$key" "$address"
  done <"$tmp/peers"
} >"$tmp/wg-go.conf"
ip netns exec "$gons" wg setconf "$goif" "$tmp/wg-go.conf" || { echo "memory.sh: wg setconf failed" >&2; exit 1; }
ip -n "$gons" link set "$goif" up

echo "holt: $("$holt" --version 2>/dev/null | head -n 1) ($holt); wireguard-go $(wireguard-go --version 2>/dev/null | head -n 1 | awk "{print \$2}"); $peers peers; $(nproc) cores"
sleep "$settle"
report "Holt gateway (holt up), idle:" "$pid"
report "wireguard-go, same peers, idle:" "$gopid"
