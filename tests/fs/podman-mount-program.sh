#!/bin/bash
# TAP test: Debian's podman drives ctrfs as the overlay driver's mount_program,
# the way it drives fuse-overlayfs: `PROG -o lowerdir=A:B,upperdir=U,workdir=W, MNT`
# (symlinked lower paths, an empty trailing option), expecting PROG to return
# once the mount is up. Rootful, with runc (crun refuses this machine's hybrid
# cgroups) and a storage of its own in a temp dir, so nothing of the host's
# podman state is touched.
#
# CTR_PODMAN_MOUNT_PROGRAM overrides the program (default $CTRFS), e.g.
# /usr/bin/fuse-overlayfs to check the test itself against the reference.
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}
prog=${CTR_PODMAN_MOUNT_PROGRAM:-$ctrfs}
srcdir=${CTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

n=0 failed=0
plan=8
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
echo "1..$plan"

skip_all() {
	local i
	for ((i = 1; i <= plan; i++)); do echo "ok $i - podman mount_program case $i # SKIP $1"; done
	exit 0
}
[[ $(id -u) -eq 0 ]] || skip_all "needs root (rootful podman with a private storage)"
command -v podman >/dev/null 2>&1 || skip_all "podman not installed (tools/setup installs it)"
command -v runc >/dev/null 2>&1 || skip_all "runc not installed (tools/setup installs it)"
if [[ ! -x $prog ]]; then
	for ((i = 1; i <= plan; i++)); do nok "podman mount_program case $i" "$prog is not executable"; done
	exit 1
fi
prog=$(readlink -f "$prog")

T=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-podman.XXXXXX")
image=localhost/ctrfs-test-busybox:latest
name=ctrfs-test-$$

export CONTAINERS_CONF=$T/containers.conf CONTAINERS_STORAGE_CONF=$T/storage.conf
# default_ulimits: podman's default nofile (1048576) is above this machine's
# hard limit of 20000 and runc would fail to set it. cgroupfs: no systemd here.
# tmp_dir keeps podman's runtime state inside $T as well.
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$T/tmp"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/graph"
runroot = "$T/run"

[storage.options.overlay]
mount_program = "$prog"
EOF

pod() { timeout 180 podman "$@"; }
mounts_under_T() { awk -v t="$T/" 'index($5, t) == 1 { print $5 " " $9 }' /proc/self/mountinfo; }
# The mount_program's daemons carry the storage paths on their command line.
daemons() { pgrep -af -- "upperdir=$T/" || true; }
wait_no_daemons() {
	local i
	for ((i = 0; i < 50; i++)); do [[ -z $(daemons) ]] && return 0; sleep 0.1; done
	return 1
}

cleanup() {
	pod rm --force --time 0 "$name" >/dev/null 2>&1
	pod system reset --force >/dev/null 2>&1
	local m
	for m in $(mounts_under_T | awk '{ print $1 }' | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Import a busybox rootfs made by tools/mkbusybox-rootfs.
rootfs=$T/rootfs
if "$srcdir/tools/mkbusybox-rootfs" "$rootfs" >"$T/mk.log" 2>&1 &&
	tar -C "$rootfs" -cf "$T/rootfs.tar" . &&
	out=$(pod import "$T/rootfs.tar" "$image" 2>&1) &&
	pod image exists "$image"; then
	ok "podman import of a busybox rootfs tarball"
else
	nok "podman import of a busybox rootfs tarball" "$(cat "$T/mk.log")" "${out:-}"
fi

# 2. A one-shot container reads an image file through the mount.
out=$(pod run --rm --network none --runtime runc "$image" cat /etc/passwd 2>&1); rc=$?
if [[ $rc -eq 0 && $out == "$(cat "$rootfs/etc/passwd")" ]]; then
	ok "podman run --rm reads /etc/passwd of the image through mount_program"
else
	nok "podman run --rm reads /etc/passwd of the image through mount_program" "exit $rc" "$out"
fi

# 3.-5. A named container writes a file and deletes an image file, then
# signals readiness and waits, so its mount can be inspected while it runs.
out=$(pod run -d --name "$name" --network none --runtime runc "$image" \
	sh -c 'echo written-by-container > /newfile && rm /bin/vi && touch /ready && exec sleep 120' 2>&1); rc=$?
upper=$(pod inspect --format '{{.GraphDriver.Data.UpperDir}}' "$name" 2>/dev/null)
merged=$(pod inspect --format '{{.GraphDriver.Data.MergedDir}}' "$name" 2>/dev/null)
for ((i = 0; i < 100; i++)); do [[ -n $upper && -e $upper/ready ]] && break; sleep 0.1; done

type=$(awk -v m="$merged" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo | tail -1)
# libfuse names the type after the program unless it sets subtype= (ctrfs does).
if [[ $rc -eq 0 && -n $merged && ($type == fuse.ctrfs || $type == "fuse.$(basename "$prog")") ]]; then
	ok "the running container's root is a FUSE mount made by mount_program ($type)"
else
	nok "the running container's root is a FUSE mount made by mount_program ($type)" \
		"podman run -d exit $rc: $out" "merged dir '$merged' has fs type '$type'"
fi

if [[ -n $upper && $(cat "$upper/newfile" 2>&1) == written-by-container ]]; then
	ok "the container's new file is in its upper dir with its content"
else
	nok "the container's new file is in its upper dir with its content" "upper dir '$upper':" \
		"$(cd "$upper" 2>/dev/null && find . | head -20)"
fi

if [[ -n $upper && -c $upper/bin/vi && $(stat -c '%t:%T' "$upper/bin/vi") == 0:0 && -e $rootfs/bin/vi ]]; then
	ok "the container's deletion of an image file is a whiteout (char 0/0) in its upper dir"
else
	nok "the container's deletion of an image file is a whiteout (char 0/0) in its upper dir" \
		"$(ls -l "$upper/bin/vi" 2>&1)"
fi

# 6. The image's layer (the container's lower) is untouched.
layer=$(pod image inspect --format '{{.GraphDriver.Data.UpperDir}}' "$image" 2>/dev/null)
if [[ -n $layer && $layer != "$upper" && -L $layer/bin/vi && ! -e $layer/newfile ]]; then
	ok "the image layer under the container is unchanged (bin/vi there, no newfile)"
else
	nok "the image layer under the container is unchanged (bin/vi there, no newfile)" \
		"layer dir '$layer'" "$(ls -l "$layer/bin/vi" "$layer/newfile" 2>&1)"
fi

# 7. Stop and remove: the mount goes and the daemon exits.
pod stop --time 0 "$name" >/dev/null 2>&1
out=$(pod rm "$name" 2>&1); rc=$?
left_mounts=$(mounts_under_T)
if [[ $rc -eq 0 && -z $left_mounts ]] && wait_no_daemons; then
	ok "podman rm unmounts the container root and its daemon exits"
else
	nok "podman rm unmounts the container root and its daemon exits" "podman rm exit $rc: $out" \
		"mounts left: $left_mounts" "daemons left: $(daemons)"
fi

# 8. The private storage is removed again with nothing mounted under it.
out=$(pod system reset --force 2>&1); rc=$?
if [[ $rc -eq 0 && ! -e $T/graph && -z $(mounts_under_T) ]] && wait_no_daemons; then
	ok "podman system reset removes the test storage and leaves no mount"
else
	nok "podman system reset removes the test storage and leaves no mount" "exit $rc: $out" \
		"$(mounts_under_T)" "$(ls "$T/graph" 2>&1 | head)"
fi

[[ $n -eq $plan ]] || echo "# internal: planned $plan, ran $n"
exit $((failed > 0))
