#!/usr/bin/env bash
# Reliability benchmark, run by hand as root (never in CI): how soon a peer is back after its gateway is killed
# with -9 and started again, Holt's gateway against a wireguard-go server started again the same way; and how soon
# Holt's daemon restores its table after `nft flush ruleset`.
#
#   sudo bench/restart.sh                   # 10 rounds of each
#   sudo HOLT=/tmp/publish/holt bench/restart.sh --rounds 5
#
#   netns rbN-s (server)                                netns rbN-c (client: wireguard-go, keepalive 25)
#   gateway 10.209.0.1/24  UDP :51820 --- veth 10.202.0.1/24 <--> 10.202.0.2/24 --- peer 10.209.0.2
#
# A round: the client pings the gateway's VPN address until it answers, then the server process is killed with -9,
# started again with its configuration, and the time until the client's next ping through the tunnel is answered
# is measured (pings every 100 ms). Both servers start from the same configuration; Holt's daemon also asks the
# peers it saw within a session's lifetime to handshake again, which a restarted wireguard-go cannot know to do.
# Every address lives inside the two namespaces; no packet leaves them.
set -uo pipefail

rounds=10
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:-}; shift 2 || exit 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "restart.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "restart.sh: --rounds must be a whole number" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "restart.sh: run as root (it creates namespaces and TUN devices)" >&2; exit 1; }
for tool in wireguard-go wg nft ip ping; do
  command -v "$tool" >/dev/null || { echo "restart.sh: $tool is missing" >&2; exit 1; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/holt-restart.XXXXXX)
id=$$
server=rb$id-s client=rb$id-c
wgs=rb${id}s wgc=rb${id}c
log() { printf '[restart.sh] %s\n' "$*" >&2; }

cleanup() {
  ip netns pids "$server" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns pids "$client" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$server" 2>/dev/null
  ip netns del "$client" 2>/dev/null
  rm -f "/var/run/wireguard/$wgs.sock" "/var/run/wireguard/$wgc.sock" "/run/holt/$wgs.pid" "/run/holt/$wgs.gateway"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Holt: the caller's binary, else a NativeAOT publish of this checkout, as users run it.
holt=${HOLT:-}
if [ -z "$holt" ]; then
  log "publishing holt (NativeAOT) from $repo"
  dotnet publish "$repo/src/Holt" -c Release -r linux-x64 -o "$tmp/publish" -nologo >"$tmp/publish.log" 2>&1 ||
    { tail -n 5 "$tmp/publish.log" >&2; echo "restart.sh: publish failed; give HOLT=/path/to/holt" >&2; exit 1; }
  holt=$tmp/publish/holt
fi
export HOLT_CONFIG=$tmp/holt.toml HOLT_STATE_DIR=$tmp/state

ip netns add "$server" && ip netns add "$client" || exit 1
ip link add v$id-s netns "$server" type veth peer name v$id-c netns "$client"
ip -n "$server" addr add 10.202.0.1/24 dev v$id-s && ip -n "$server" link set v$id-s up && ip -n "$server" link set lo up
ip -n "$client" addr add 10.202.0.2/24 dev v$id-c && ip -n "$client" link set v$id-c up && ip -n "$client" link set lo up

in_server() { ip netns exec "$server" "$@"; }
in_client() { ip netns exec "$client" "$@"; }
now_ms() { date +%s%3N; }

# The client: wireguard-go with the config the server hands out.
start_client() { # private-key server-public psk
  in_client wireguard-go "$wgc" >/dev/null 2>&1 || return 1
  printf '%s\n' "$1" >"$tmp/client.key"
  printf '%s\n' "$3" >"$tmp/client.psk"
  in_client wg set "$wgc" private-key "$tmp/client.key" peer "$2" preshared-key "$tmp/client.psk" \
    endpoint 10.202.0.1:51820 allowed-ips 10.209.0.0/24 persistent-keepalive 25 || return 1
  in_client ip addr add 10.209.0.2/24 dev "$wgc" && in_client ip link set "$wgc" mtu 1420 up
}

# Waits until the client's ping through the tunnel is answered; prints the milliseconds since $1.
until_reachable() {
  local since=$1 deadline=$(( $1 + 60000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    in_client ping -n -c 1 -W 0.1 10.209.0.1 >/dev/null 2>&1 && { echo $(( $(now_ms) - since )); return 0; }
    sleep 0.1
  done
  echo "timeout"
}

stats() { # label values...
  local label=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v l="$label" '{v[NR]=$1} END {printf "%-44s min %6d  median %6d  max %6d ms  (%d rounds)\n", l, v[1], v[int((NR+1)/2)], v[NR], NR}'
}

# --- Holt's gateway -------------------------------------------------------------------------------------------------
in_server "$holt" init --endpoint 10.202.0.1:51820 --subnet 10.209.0.0/24 --interface "$wgs" >/dev/null 2>&1 || exit 1
in_server "$holt" up >/dev/null 2>&1 || { echo "restart.sh: holt up failed" >&2; exit 1; }
config=$(in_server "$holt" peer add bench 2>/dev/null)
key=$(awk -F' = ' '/^PrivateKey/ {print $2}' <<<"$config")
pub=$(awk -F' = ' '/^PublicKey/ {print $2}' <<<"$config")
psk=$(awk -F' = ' '/^PresharedKey/ {print $2}' <<<"$config")
start_client "$key" "$pub" "$psk" || exit 1
[ "$(until_reachable "$(now_ms)")" != timeout ] || { echo "restart.sh: the client never reached Holt" >&2; exit 1; }
sleep 11    # a totals sample records the handshake, as on a gateway that ran a while

holt_times=()
for ((r = 1; r <= rounds; r++)); do
  kill -9 "$(cat "/run/holt/$wgs.pid")"; sleep 0.2
  start=$(now_ms)
  in_server "$holt" up >/dev/null 2>&1 || { echo "restart.sh: holt up failed in round $r" >&2; exit 1; }
  holt_times+=("$(until_reachable "$start")")
  log "holt round $r: ${holt_times[-1]} ms"
  sleep 2
done

heal_times=()
for ((r = 1; r <= rounds; r++)); do
  start=$(now_ms)
  in_server nft flush ruleset
  while ! in_server nft list table inet "holt-$wgs" >/dev/null 2>&1; do sleep 0.02; done
  heal_times+=($(( $(now_ms) - start )))
  sleep 11    # past the repair budget's refill: every round is answered, none rate-limited
done
in_server "$holt" down >/dev/null 2>&1
in_client ip link del "$wgc"; sleep 0.5

# --- wireguard-go, restarted the same way ---------------------------------------------------------------------------
server_key=$(wg genkey)
client_key=$(wg genkey)
psk=$(wg genpsk)
printf '%s\n' "$server_key" >"$tmp/server.key"
printf '%s\n' "$psk" >"$tmp/server.psk"
start_wg_server() {
  in_server wireguard-go "$wgs" >/dev/null 2>&1 || return 1
  in_server wg set "$wgs" private-key "$tmp/server.key" listen-port 51820 \
    peer "$(wg pubkey <<<"$client_key")" preshared-key "$tmp/server.psk" allowed-ips 10.209.0.2/32 || return 1
  in_server ip addr add 10.209.0.1/24 dev "$wgs" && in_server ip link set "$wgs" mtu 1420 up
}
start_wg_server || exit 1
start_client "$client_key" "$(wg pubkey <<<"$server_key")" "$psk" || exit 1
[ "$(until_reachable "$(now_ms)")" != timeout ] || { echo "restart.sh: the client never reached wireguard-go" >&2; exit 1; }

wg_times=()
for ((r = 1; r <= rounds; r++)); do
  pid=$(in_server ss -Hulpn "sport = :51820" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
  kill -9 "$pid"; sleep 0.2
  in_server ip link del "$wgs" 2>/dev/null; rm -f "/var/run/wireguard/$wgs.sock"
  start=$(now_ms)
  start_wg_server || { echo "restart.sh: wireguard-go did not start in round $r" >&2; exit 1; }
  wg_times+=("$(until_reachable "$start")")
  log "wireguard-go round $r: ${wg_times[-1]} ms"
  sleep 2
done

echo "holt: $("$holt" --version 2>/dev/null | head -n 1) ($holt)"
echo "wireguard-go: $(wireguard-go --version 2>/dev/null | head -n 1)"
stats "kill -9, restart, peer back: Holt" "${holt_times[@]}"
stats "kill -9, restart, peer back: wireguard-go" "${wg_times[@]}"
stats "nft flush ruleset, table back: Holt" "${heal_times[@]}"
