#!/bin/bash
# TAP test: ctrfs through mount(8) and fstab. mount(8) hands type fuse.ctrfs to
# mount.fuse3, which runs `ctrfs SOURCE MNT -o OPTS` through /bin/sh with the
# generic mount options mixed into OPTS, looking the binary up as `ctrfs`.
# mount(8) drops PATH from its helpers' environment, so the shell searches its
# default path: the test runs in a private mount namespace of its own where a
# directory holding a `ctrfs` symlink is bind-mounted over /usr/local/sbin,
# which changes nothing outside. Needs root (mount -t as a plain user needs an
# fstab entry with `user`).
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}

n=0 failed=0
plan=7
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }

skip_all() {
	local i
	echo "1..$plan"
	for ((i = 1; i <= plan; i++)); do echo "ok $i - mount.fuse3 case $i # SKIP $1"; done
	exit 0
}
[[ $(id -u) -eq 0 ]] || skip_all "needs root (mount -t fuse.ctrfs)"
[[ -x /sbin/mount.fuse3 || -x /usr/sbin/mount.fuse3 ]] || skip_all "mount.fuse3 not installed (package fuse3)"
[[ -d /usr/local/sbin ]] || skip_all "/usr/local/sbin missing: nowhere on the helpers' default PATH to put ctrfs"
if [[ -z ${CTR_MOUNT_FUSE3_INNER:-} ]]; then
	# Everything below runs in the private mount namespace; when it ends, so do
	# any mounts a failing case could have left.
	CTR_MOUNT_FUSE3_INNER=1 exec unshare --mount --propagation private -- bash "$0" "$@"
fi

echo "1..$plan"
if [[ ! -x $ctrfs ]]; then
	for ((i = 1; i <= plan; i++)); do nok "mount.fuse3 case $i" "$ctrfs is not executable"; done
	exit 1
fi

base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-mount-fuse3.XXXXXX")
mnt=$base/mnt
is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }
# Mount flags (field 6) and fs type (after " - ") of the mount at $1.
mount_flags() { awk -v m="$1" '$5 == m { print $6 }' /proc/self/mountinfo | tail -1; }
mount_type() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo | tail -1; }
unmount() { is_mounted "$1" || return 0; timeout 10 umount "$1" 2>/dev/null || umount -l "$1"; }
cleanup() { unmount "$mnt"; umount /usr/local/sbin 2>/dev/null; rm -rf "$base"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount.fuse3 runs the helper by name through /bin/sh without PATH (see top):
# make /usr/local/sbin/ctrfs exist in this mount namespace only.
mkdir -p "$base/bin"
ln -s "$(readlink -f "$ctrfs")" "$base/bin/ctrfs"
mount --bind "$base/bin" /usr/local/sbin

mkdir -p "$base"/{l1,l2,upper,work,mnt}
echo top >"$base/l1/top.txt"
echo bottom >"$base/l2/bottom.txt"
layers="lowerdir=$base/l1:$base/l2,upperdir=$base/upper,workdir=$base/work"

# check_union NAME: the mount at $mnt is a ctrfs union of l1, l2 and upper.
# Reads both lowers and writes a new file that must land in upper.
check_union() {
	local name=$1 why=() f=$base/mnt/new-$n.txt
	is_mounted "$mnt" || why+=("$mnt is not mounted")
	[[ $(mount_type "$mnt") == fuse.ctrfs ]] || why+=("fs type is '$(mount_type "$mnt")', expected fuse.ctrfs")
	[[ $(cat "$mnt/top.txt" 2>&1) == top ]] || why+=("top.txt (from l1) not readable")
	[[ $(cat "$mnt/bottom.txt" 2>&1) == bottom ]] || why+=("bottom.txt (from l2) not readable")
	echo "written $n" >"$f" 2>/dev/null || why+=("cannot create $f")
	[[ $(cat "$base/upper/new-$n.txt" 2>&1) == "written $n" ]] || why+=("new-$n.txt did not land in the upper dir")
	unmount "$mnt"
	is_mounted "$mnt" && why+=("still mounted after umount")
	if ((${#why[@]})); then nok "$name" "${why[@]}"; else ok "$name"; fi
}

# 1. mount -t with the layers in -o.
out=$(timeout 30 mount -t fuse.ctrfs ctrfs "$mnt" -o "$layers" 2>&1); rc=$?
[[ $rc -eq 0 ]] || echo "# mount exit $rc: $out"
check_union "mount -t fuse.ctrfs ctrfs MNT -o lowerdir=..,upperdir=..,workdir=.."

# 2. Generic mount options that mount.fuse3 passes through must be accepted
# and applied as mount flags.
out=$(timeout 30 mount -t fuse.ctrfs ctrfs "$mnt" -o "defaults,noatime,nodev,nosuid,$layers" 2>&1); rc=$?
[[ $rc -eq 0 ]] || echo "# mount exit $rc: $out"
flags=$(mount_flags "$mnt")
missing=()
for f in noatime nodev nosuid; do [[ ,$flags, == *",$f,"* ]] || missing+=("$f"); done
if ((${#missing[@]})); then
	nok "generic options defaults,noatime,nodev,nosuid are accepted and applied" \
		"mount exit $rc: $out" "mount flags '$flags' lack: ${missing[*]}"
	unmount "$mnt"
else
	check_union "generic options defaults,noatime,nodev,nosuid are accepted and applied"
fi

# 3. Read-only: lowers only, no upper.
out=$(timeout 30 mount -t fuse.ctrfs ctrfs "$mnt" -o "ro,lowerdir=$base/l1:$base/l2" 2>&1); rc=$?
why=()
[[ $rc -eq 0 ]] || why+=("mount exit $rc: $out")
[[ $(cat "$mnt/bottom.txt" 2>&1) == bottom ]] || why+=("bottom.txt not readable")
if err=$(touch "$mnt/x" 2>&1); then why+=("creating a file on a read-only mount succeeded"); fi
[[ $err == *"Read-only file system"* ]] || why+=("create error was '$err', expected EROFS")
unmount "$mnt"
if ((${#why[@]})); then nok "mount -t fuse.ctrfs -o ro,lowerdir=L1:L2 (no upper) is read-only" "${why[@]}"
else ok "mount -t fuse.ctrfs -o ro,lowerdir=L1:L2 (no upper) is read-only"; fi

# 4. and 5. fstab lines: `mount -T FSTAB MNT` looks the mount point up there.
fstab=$base/fstab
printf 'ctrfs  %s  fuse.ctrfs  %s  0 0\n' "$mnt" "$layers" >"$fstab"
out=$(timeout 30 mount -T "$fstab" "$mnt" 2>&1); rc=$?
[[ $rc -eq 0 ]] || echo "# mount -T exit $rc: $out"
check_union "fstab line 'ctrfs MNT fuse.ctrfs lowerdir=..,upperdir=..,workdir=.. 0 0' mounts"

printf 'ctrfs  %s  fuse.ctrfs  defaults,nofail,noatime,x-ctr.note=1,%s  0 0\n' "$mnt" "$layers" >"$fstab"
out=$(timeout 30 mount -T "$fstab" "$mnt" 2>&1); rc=$?
[[ $rc -eq 0 ]] || echo "# mount -T exit $rc: $out"
check_union "fstab line with defaults,nofail,noatime,x-ctr.note=1 mounts"

# 6. An unknown option is refused, named, and nothing is mounted.
out=$(timeout 30 mount -t fuse.ctrfs ctrfs "$mnt" -o "$layers,bogus=1" 2>&1); rc=$?
why=()
[[ $rc -ne 0 ]] || why+=("mount succeeded")
[[ $out == *bogus* ]] || why+=("message does not name 'bogus': $out")
is_mounted "$mnt" && why+=("$mnt is mounted")
unmount "$mnt"
if ((${#why[@]})); then nok "unknown option bogus=1 is refused with a message naming it" "${why[@]}"
else ok "unknown option bogus=1 is refused with a message naming it"; fi

# 7. After all unmounts the daemons are gone: none still runs over our layers.
for _ in $(seq 50); do
	left=$(pgrep -af -- "$base/l1" || true)
	[[ -n $left ]] || break
	sleep 0.1
done
if [[ -z $left ]]; then ok "no ctrfs daemon is left after umount"
else nok "no ctrfs daemon is left after umount" "$left"; fi

[[ $n -eq $plan ]] || echo "# internal: planned $plan, ran $n"
exit $((failed > 0))
