#!/usr/bin/env bash
# Times `holt audit` (a whole-machine audit, every area) and reads its peak memory, as the operator runs it: a root
# shell on the machine, one process. With --lynis, Lynis's own audit runs beside it on the same machine (Debian's
# package; `lynis audit system --quick`), once, for scale: Lynis checks far more (and different) things, so its time is
# context, not a like-for-like race.
#
#   bench/audit.sh [--runs N] [--lynis]        HOLT=/path/to/holt (default: holt on PATH)
set -uo pipefail
runs=10
lynis=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --lynis) lynis=1; shift ;;
    *) echo "bench/audit.sh: unknown option $1 (see the comment at the top)" >&2; exit 2 ;;
  esac
done
holt="${HOLT:-$(command -v holt)}"
[ -x "$holt" ] || { echo "bench/audit.sh: no holt (set HOLT=/path/to/holt)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/audit.sh: run as root (the audit reads sshd's keys, /etc/shadow and every process's sockets)" >&2; exit 2; }

measured=$(mktemp)
trap 'rm -f "$measured"' EXIT
times=()
peak=0
for _ in $(seq "$runs"); do
  /usr/bin/time -o "$measured" -f '%e %M' "$holt" audit --json >/dev/null 2>&1
  line=$(tail -1 "$measured")
  times+=("${line% *}")
  kib="${line#* }"
  [ "$kib" -gt "$peak" ] && peak="$kib"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2) { print }')
slowest=$(echo "$sorted" | tail -1)
areas=$("$holt" audit --json 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin); print(len([a for a in r["areas"] if a["checked"]]), "of", len(r["areas"]), "areas checked,", len(r["findings"]), "findings")')
echo "holt audit: median ${median} s, slowest ${slowest} s over ${runs} runs, peak RSS $((peak / 1024)) MiB ($areas)"

if [ "$lynis" -eq 1 ]; then
  command -v lynis >/dev/null || { echo "bench/audit.sh: lynis is not installed (apt-get install lynis)" >&2; exit 2; }
  /usr/bin/time -o "$measured" -f '%e %M' lynis audit system --quick --no-colors --no-log >/dev/null 2>&1
  line=$(tail -1 "$measured")
  echo "lynis audit system --quick: ${line% *} s, peak RSS of its largest process $(( ${line#* } / 1024 )) MiB"
fi
