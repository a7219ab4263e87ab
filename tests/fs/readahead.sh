#!/bin/bash
# TAP test: ctrfs raises its mount's read-ahead window (the kernel caps a
# FUSE mount at 128 KiB; see fs/union/readahead.h) to 512 KiB on the first open
# when it runs as root, keeps the kernel's with CTRFS_READAHEAD_KB=0, and a
# sequential read then arrives in 512 KiB READs (counted by CTRFS_STATS=1).
# Needs root: only root can write /sys/class/bdi.
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}
# shellcheck source=tests/fs/tap-lib.sh
. "$(dirname "$0")/tap-lib.sh"
plan=4

echo "1..$plan"
if [[ $(id -u) -ne 0 ]]; then
	for ((i = 1; i <= plan; i++)); do echo "ok $i - read-ahead case $i # SKIP needs root (/sys/class/bdi)"; done
	exit 0
fi

base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-readahead.XXXXXX")
mnt=$base/mnt
pid=
cleanup() { unmount_ctrfs; rm -rf "$base"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$base"/{lower,upper,work,mnt}
head -c $((8 << 20)) /dev/urandom >"$base/lower/data"
want_sum=$(sha256sum <"$base/lower/data")

# start_ctrfs [ENV=VALUE...]: a foreground ctrfs on $mnt, counting requests.
start_ctrfs() {
	rm -rf "$base/upper" "$base/work" && mkdir "$base/upper" "$base/work"
	env CTRFS_STATS=1 "$@" "$ctrfs" -f -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" \
		"$mnt" 2>"$base/stats" &
	pid=$!
	wait_mounted "$mnt"
}
window() { cat "/sys/class/bdi/$(mountpoint -d "$mnt")/read_ahead_kb"; }
reads() { awk '$2 == "read" { print $3 }' "$base/stats"; }

# 1-2: default: 512 KiB after the first open; the 8 MiB file in 16 READs
# (the kernel may split the first window, so allow a few more, but far fewer
# than the 64 a 128 KiB window needs).
if start_ctrfs; then
	before=$(window)
	sum=$(dd if="$mnt/data" bs=1M status=none | sha256sum)
	after=$(window)
	unmount_ctrfs
	if [[ $before == 128 && $after == 512 && $sum == "$want_sum" ]]; then ok "root: window 128 -> 512 KiB on the first open, content intact"
	else nok "root: window 128 -> 512 KiB on the first open, content intact" "before $before after $after" "sum ok: $([[ $sum == "$want_sum" ]] && echo yes || echo no)"; fi
	r=$(reads)
	if [[ -n $r ]] && ((r >= 16 && r <= 24)); then ok "8 MiB read in $r READs (16..24 expected)"
	else nok "8 MiB read in 16..24 READs" "READs counted: '${r}'" "$(cat "$base/stats")"; fi
else
	nok "root: ctrfs mounts" "$(cat "$base/stats")"; nok "READ count" "no mount"
	unmount_ctrfs
fi

# 3-4: CTRFS_READAHEAD_KB=0 leaves the kernel's 128 KiB: 64 READs.
if start_ctrfs CTRFS_READAHEAD_KB=0; then
	sum=$(dd if="$mnt/data" bs=1M status=none | sha256sum)
	after=$(window)
	unmount_ctrfs
	if [[ $after == 128 && $sum == "$want_sum" ]]; then ok "CTRFS_READAHEAD_KB=0 keeps 128 KiB"
	else nok "CTRFS_READAHEAD_KB=0 keeps 128 KiB" "window $after"; fi
	r=$(reads)
	if [[ -n $r ]] && ((r >= 64)); then ok "with 128 KiB: $r READs (>= 64)"
	else nok "with 128 KiB: >= 64 READs" "READs counted: '${r}'"; fi
else
	nok "CTRFS_READAHEAD_KB=0 mounts" "$(cat "$base/stats")"; nok "READ count" "no mount"
	unmount_ctrfs
fi
((failed == 0))
