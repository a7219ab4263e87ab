# Shared by the small TAP scripts of tests/fs: counters, ok/nok, and the
# mount helpers. Source it; set `mnt` (the mount point) and `pid` (the
# foreground ctrfs, or empty) before calling unmount_ctrfs.
n=0 failed=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# Waits up to 5 s for $1 to become a mount point.
wait_mounted() {
	local _
	for _ in $(seq 100); do is_mounted "$1" && return 0; sleep 0.05; done
	return 1
}

# Unmounts $mnt (umount as root, fusermount3 otherwise) and reaps $pid.
unmount_ctrfs() {
	if is_mounted "$mnt"; then
		if [[ $(id -u) -eq 0 ]]; then timeout 10 umount "$mnt" 2>/dev/null || umount -l "$mnt"
		else timeout 10 fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
	fi
	[[ -n ${pid:-} ]] && wait "$pid" 2>/dev/null
	pid=
}
