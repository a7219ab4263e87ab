#!/bin/bash
# TAP test: data written into a container on a full disk never vanishes
# silently. Each mode (root, rootless) keeps its state root on a
# 64 MiB ext4 image of its own (a loop device, made here and removed on
# exit, also after a failure). A writer (fulldisk/writer.c, built static
# here) fills a file in 1 MiB writes and records what write(), fsync() and
# close() returned, then what the file looks like through the same path.
# The reference is the same writer on the bare ext4 filesystem, run just
# before in the same free space. Afterwards the file in the upper dir must
# hold every byte write() accepted and nothing else, the error must have
# come no later than close(), and the size and content seen through the
# mount after the error must be the upper file's.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_container_fill
	case_ctrfs_fill case_ctrfs_fill_fsync
	case_ctrfs_fill_cached
)

mib=1048576
count=200          # 200 MiB into a 64 MiB filesystem
image_mib=64
# The store holds more than the reference's directory does while the
# container writes (its dirs, config.json, state.db's growth): the container
# may store this much less than ext4 alone, not more.
slack=$((4 * mib))
# Written before each writer and removed after it, so that what ctrrun and
# ctrfs write after the writer (the exit in state.db) finds room.
ballast_mib=4

snapshot() { snapshot_containers; }

make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	mkdir -p "$tmp/bin"
	gcc -static -O2 -Wall -Wextra -Werror -o "$tmp/bin/writer" "$lib_dir/fulldisk/writer.c" || return 1
	chmod -R a+rX "$tmp/bin"
}
writer=() # set per mode: the writer run as the mode's user

# ---------------------------------------------------------------- the store
# begin_mode: a fresh ext4 image mounted (through a loop device that
# mount(8) detaches at unmount) as the state root, owned by the mode's user,
# before the image is imported into it. -m 0: no blocks reserved for root,
# so root and the user (and the daemon in its user namespace) see the same
# free space.
store_ok=0
begin_mode() {
	store_ok=0
	writer=("${AS[@]}" "$tmp/bin/writer")
	local img=$M/disk.img
	rm -f "$img"
	truncate -s "${image_mib}M" "$img" &&
		mkfs.ext4 -q -F -m 0 -E lazy_itable_init=0,lazy_journal_init=0 "$img" &&
		mkdir -p "$R" && mount -o loop "$img" "$R" || return 0
	if [[ $mode == rootless ]]; then chown "$user:" "$R"; fi
	store_ok=1
}

# unmount_store DIR: unmounts the loop mount at DIR and makes sure its loop
# device is gone.
unmount_store() {
	local dev
	dev=$(awk -v m="$1" '$2 == m { print $1 }' /proc/self/mounts)
	[[ -n $dev ]] || return 0
	umount "$1" 2>/dev/null || umount -l "$1"
	[[ $dev == /dev/loop* ]] && losetup "$dev" >/dev/null 2>&1 && losetup -d "$dev" 2>/dev/null
	return 0
}
cleanup_extra() {
	local m
	# ctrfs mounts of the ctrfs-only cases, then the stores.
	for m in $(awk -v t="$tmp" 'index($5, t) == 1 && $9 ~ /^fuse/ { print $5 }' /proc/self/mountinfo | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	for m in "$tmp"/*/state; do unmount_store "$m"; done
	for m in "$tmp"/*/disk.img; do
		[[ -f $m ]] && losetup -j "$m" | cut -d: -f1 | xargs -r -n1 losetup -d 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------- helpers
# The reports: the writer through the mount (w), the upper file (up), ext4 alone (ref).
declare -A w ref up
# parse ARRAY FILE: the key=value lines of FILE into the associative array.
parse() {
	local -n a=$1
	local k v
	a=()
	while IFS='=' read -r k v; do [[ -n $k ]] && a[$k]=$v; done <"$2"
}
# summary ARRAY: its values in the writer's order, on one line.
summary() {
	local -n a=$1
	local k s=""
	for k in accepted write_error fsync close first_error view_size view_good view_sum size good sum; do
		[[ -n ${a[$k]:-} ]] && s+="$k=${a[$k]} "
	done
	echo "${s% }"
}

# reference DIR: the writer on the bare filesystem (in DIR, with the
# ballast beside it) into `ref`; the file is removed afterwards.
reference() {
	local d=$1
	"${AS[@]}" mkdir -p "$d"
	"${AS[@]}" dd if=/dev/zero of="$d/ballast" bs=1M count=$ballast_mib status=none
	"${writer[@]}" write "$d/fill" "$count" "$mib" ${2:-} >"$tmp/ref.out" 2>&1
	parse ref "$tmp/ref.out"
	rm -rf "$d"
	sync
	# The reference proves the expectation: ext4 says ENOSPC at the write
	# that does not fit, and its file holds exactly what it accepted.
	[[ ${ref[first_error]:-} == write && ${ref[write_error]:-} == ENOSPC ]] ||
		fail "reference on bare ext4: expected ENOSPC from write(): $(summary ref)"
	[[ ${ref[view_good]:-x} == "${ref[accepted]:-y}" && ${ref[view_size]:-x} == "${ref[accepted]:-y}" ]] ||
		fail "reference on bare ext4: the file does not hold what write() accepted: $(summary ref)"
}

# judge UPPERFILE [cached]: compares the writer's report (w) with the file
# in the upper dir (read into up). Without "cached": every byte write()
# accepted is there and nothing else, and it is about as much as ext4 took.
judge() {
	local upper=$1
	"$tmp/bin/writer" check "$upper" >"$tmp/up.out" 2>&1
	parse up "$tmp/up.out"
	if [[ -z ${w[accepted]:-} ]]; then
		fail "the writer did not report: $(head -c 500 "$tmp/w.out" 2>/dev/null)"
		return
	fi
	local before=${#why[@]}
	# The error came no later than close().
	[[ ${w[first_error]} == none ]] &&
		fail "every write() and close() succeeded, but $((${w[accepted]} / mib)) MiB do not fit a $image_mib MiB disk"
	if [[ ${2:-} != cached ]]; then
		[[ ${up[size]:-} == "${w[accepted]}" ]] ||
			fail "write() accepted ${w[accepted]} bytes, the upper file has ${up[size]:-none}"
		[[ ${up[good]:-} == "${w[accepted]}" ]] ||
			fail "of the ${w[accepted]} bytes write() accepted, only the first ${up[good]:-0} are in the upper file"
		((${w[accepted]} >= ${ref[accepted]:-0} - slack)) ||
			fail "write() accepted ${w[accepted]} bytes, ext4 alone ${ref[accepted]:-0}: more than $((slack / mib)) MiB less"
	fi
	# After the error the mount shows what the upper file holds.
	[[ ${w[view_size]:-} == "${up[size]:-}" ]] ||
		fail "after the error the mount shows size ${w[view_size]:-none}, the upper file has ${up[size]:-none}"
	[[ ${w[view_sum]:-} == "${up[sum]:-}" && ${w[view_read]:-} == "${w[view_size]:-}" ]] ||
		fail "after the error the content seen through the mount differs from the upper file's"
	# The figures, passed or not, on stderr (meson keeps them in its log).
	local f name=""
	for f in "${FUNCNAME[@]}"; do [[ $f == case_* ]] && { name=${f#case_}; break; }; done
	printf '# %s %s: writer: %s | upper file: %s | ext4 alone: %s\n' "$mode" "$name" \
		"$(summary w)" "$(summary up)" "$(summary ref)" >&2
	if ((${#why[@]} > before)); then
		fail "writer: $(summary w)"
		fail "upper file: $(summary up)"
		fail "ext4 alone: $(summary ref)"
	fi
}

need_store() {
	((store_ok)) && return 0
	fail "no loop-mounted ext4 store for this mode (mkfs.ext4, mount -o loop)"
	return 1
}

# ---------------------------------------------------------------- cases
# The main case: a container writes 200 x 1 MiB into its root on a
# 64 MiB store. Its report goes to a volume on another filesystem.
case_container_fill() {
	need_store || return
	reference "$R/ref"
	local d=$V/fd
	rm -rf "$d"
	mkdir -p "$d"
	cp "$tmp/bin/writer" "$d/"
	own "$d"
	capture run --name fill -v "$d:/fd" busybox sh -c \
		"dd if=/dev/zero of=/ballast bs=1M count=$ballast_mib 2>/dev/null; /fd/writer write /fill $count $mib >/fd/report 2>&1; rm -f /ballast"
	expect_rc 0
	show_last
	parse w "$d/report" 2>/dev/null
	cp "$d/report" "$tmp/w.out" 2>/dev/null
	local id
	id=$(container_id fill)
	if [[ -z $id ]]; then
		fail "no container 'fill' recorded"
	else
		judge "$R/containers/$id/upper/fill"
	fi
	rm_quiet fill
	sync
}

# mount_ctrfs DIR [ENV...]: ctrfs over DIR/{lower,upper,work} at DIR/mnt,
# as the mode's user.
mount_ctrfs() {
	local d=$1
	shift
	"${AS[@]}" mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/mnt"
	"${AS[@]}" env "$@" "$ctrfs_bin" -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/mnt" 2>"$tmp/ctrfs.err" ||
		{ fail "ctrfs did not mount: $(head -c 300 "$tmp/ctrfs.err")"; return 1; }
}
umount_ctrfs() {
	if [[ $mode == root ]]; then umount "$1" 2>/dev/null || umount -l "$1"
	else "${AS[@]}" fusermount3 -u "$1" 2>/dev/null || umount -l "$1"; fi
}
ctrfs_bin=${ctrfs:-$(readlink -f "$builddir/fs/ctrfs")}

# ctrfs_case [fsync] [cached]: the union mounted directly on the store,
# the writer through it.
ctrfs_case() {
	local sync_arg="" cached="" env=()
	for a in "$@"; do
		case $a in
		fsync) sync_arg=fsync ;;
		cached) cached=cached; env=(CTRFS_LOW_SPACE=0) ;;
		esac
	done
	need_store || return
	reference "$R/ref" $sync_arg
	local d=$R/union
	mount_ctrfs "$d" "${env[@]}" || return
	"${AS[@]}" dd if=/dev/zero of="$d/mnt/ballast" bs=1M count=$ballast_mib status=none
	"${writer[@]}" write "$d/mnt/fill" "$count" "$mib" $sync_arg >"$tmp/w.out" 2>&1
	parse w "$tmp/w.out"
	"${AS[@]}" rm -f "$d/mnt/ballast"
	umount_ctrfs "$d/mnt"
	judge "$d/upper/fill" $cached
	rm -rf "$d"
	sync
}
case_ctrfs_fill() { ctrfs_case; }
case_ctrfs_fill_fsync() { ctrfs_case fsync; }
# Writeback caching kept however low the space (CTRFS_LOW_SPACE=0): the
# writeback fails behind the writer's back; it must learn at close(), and
# the mount must then show what the upper file holds.
case_ctrfs_fill_cached() { ctrfs_case cached; }

run_all fulldisk
