#!/bin/bash
# TAP test: ctrfs refuses bad input cleanly. Each bad command must exit
# non-zero (1 = bad input, as docs/ctrfs.1 says), print exactly one line on
# stderr that names the offending path or option, mount nothing and create
# nothing (no work dir, no upper, no mount point). Also --help and --version.
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}
srcdir=${CTR_SRCDIR:-$(dirname "$0")/../..}

n=0 failed=0
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
# nok NAME DIAGNOSTIC...: every diagnostic line is printed as a TAP comment.
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

plan=16
echo "1..$plan"

if [[ ! -x $ctrfs ]]; then
	for ((i = 1; i <= plan; i++)); do nok "ctrfs binary exists" "$ctrfs is not executable"; done
	exit 1
fi

base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-cli-errors.XXXXXX")
# other: a directory on another filesystem than $base (for the workdir case);
# mounted_tmpfs: set when that is a tmpfs this test mounted.
other="" mounted_tmpfs=""

# Mount points under $base (and below $other), from mountinfo (field 5).
mounts_under() {
	awk -v b="$base" -v t="${other:-/nonexistent}" \
		'index($5, b) == 1 || ($5 != t && index($5, t "/") == 1) { print $5 }' /proc/self/mountinfo
}
unmount() {
	if [[ $(id -u) -eq 0 ]]; then timeout 10 umount "$1" 2>/dev/null || umount -l "$1"
	else timeout 10 fusermount3 -u "$1" 2>/dev/null || fusermount3 -uz "$1"; fi
}
cleanup() {
	local m
	# Deepest first, so nested mounts go before their parents.
	for m in $(mounts_under | sort -r); do unmount "$m"; done
	if [[ -n $mounted_tmpfs ]]; then
		umount "$mounted_tmpfs" 2>/dev/null || umount -l "$mounted_tmpfs"
		rmdir "$mounted_tmpfs"
	elif [[ -n $other ]]; then
		rm -rf "$other"
	fi
	rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Layers shared by the cases. Every case uses paths under $base, so "nothing
# created" is checked by comparing a listing of $base before and after.
mkdir -p "$base"/{l1/sub,l2,upper,upper2/m,work,mnt}
echo data >"$base/l1/file"
echo data >"$base/afile"

# A listing of every path under $base (and $other), to prove nothing was
# created. Only called with nothing mounted under $base: a stray mount inside
# its own lower can deadlock anything that stats it.
tree() { timeout 20 find "$base" ${other:+"$other"} -printf '%p %y %s\n' 2>&1 | sort; }

# expect_refusal NAME NEEDLE CTRFS_ARGS...: the command must fail with exit 1,
# one stderr line containing NEEDLE, and no change under $base or in mounts.
expect_refusal() {
	local name=$1 needle=$2; shift 2
	local tree_before tree_after mounts_after out err rc lines m
	tree_before=$(tree)
	out=$(timeout 20 "$ctrfs" "$@" 2>"$base.err" </dev/null); rc=$?
	err=$(cat "$base.err"); rm -f "$base.err"
	local why=()
	mounts_after=$(mounts_under)
	if [[ -n $mounts_after ]]; then
		why+=("mounted: $mounts_after")
		# Detach before listing the tree (see tree above).
		for m in $(sort -r <<<"$mounts_after"); do unmount "$m"; done
	fi
	tree_after=$(tree)
	lines=$(printf '%s' "$err" | grep -c .)
	[[ $rc -eq 1 ]] || why+=("exit code $rc, expected 1 (bad input)")
	[[ $lines -eq 1 ]] || why+=("stderr has $lines lines, expected exactly 1")
	[[ $err == *"$needle"* ]] || why+=("stderr does not name '$needle'")
	[[ $tree_before == "$tree_after" ]] || why+=("something was created or changed:" \
		"$(diff <(echo "$tree_before") <(echo "$tree_after") | grep '^[<>]' | head -5)")
	if ((${#why[@]})); then
		nok "$name" "ctrfs $*" "stderr: $err" "${why[@]}"
	else
		ok "$name"
	fi
}

b=$base
expect_refusal "missing lower (mount form) is named" "$b/nolower" \
	mount "$b/nolower" "$b/upper" "$b/mnt"
expect_refusal "missing second lower (-o lowerdir form) is named" "$b/nolower" \
	-o "lowerdir=$b/l1:$b/nolower,upperdir=$b/upper,workdir=$b/work" "$b/mnt"
expect_refusal "lower that is a regular file is named" "$b/afile" \
	mount "$b/afile" "$b/upper" "$b/mnt"
expect_refusal "missing upper is named and not created" "$b/noupper" \
	mount "$b/l1" "$b/noupper" "$b/mnt"
expect_refusal "missing mount point is named and not created" "$b/nomnt" \
	mount "$b/l1" "$b/upper" "$b/nomnt"
expect_refusal "upper inside a lower is named" "$b/l1/sub" \
	-o "lowerdir=$b/l1,upperdir=$b/l1/sub,workdir=$b/work" "$b/mnt"
expect_refusal "mount point inside a lower is named" "$b/l1/sub" \
	-o "lowerdir=$b/l1,upperdir=$b/upper,workdir=$b/work" "$b/l1/sub"
expect_refusal "mount point inside the upper is named" "$b/upper2/m" \
	mount "$b/l1" "$b/upper2" "$b/upper2/m"
expect_refusal "unknown -o option is named" "bogus_opt" \
	-o "lowerdir=$b/l1,upperdir=$b/upper,workdir=$b/work,bogus_opt=1" "$b/mnt"
expect_refusal "unknown -o option in the mount form is named" "frobnicate" \
	mount "$b/l1" "$b/upper" "$b/mnt" -o frobnicate
# (A prefix assignment holds, exported, for the function call.)
CTRFS_LOW_SPACE=lots expect_refusal "a CTRFS_LOW_SPACE that is no size is named" "CTRFS_LOW_SPACE=lots" \
	mount "$b/l1" "$b/upper" "$b/mnt"

# workdir on another filesystem than upper: as root a tmpfs of our own; as a
# plain user /dev/shm when it is another filesystem than $base.
other_name="workdir on another filesystem than upper is named"
if [[ $(id -u) -eq 0 ]]; then
	dir=$(mktemp -d /tmp/ctrfs-cli-tmpfs.XXXXXX)
	if mount -t tmpfs -o size=1m ctrfs-test "$dir"; then
		mounted_tmpfs=$dir other=$dir
	else
		rmdir "$dir"
	fi
elif [[ -d /dev/shm && -w /dev/shm && $(stat -c %d /dev/shm) != $(stat -c %d "$base") ]]; then
	other=$(mktemp -d /dev/shm/ctrfs-cli-other.XXXXXX)
fi
if [[ -n $other ]]; then
	mkdir "$other/work"
	expect_refusal "$other_name" "$other/work" \
		-o "lowerdir=$b/l1,upperdir=$b/upper,workdir=$other/work" "$b/mnt"
elif [[ $(id -u) -eq 0 ]]; then
	nok "$other_name" "could not mount a tmpfs"
else
	skip "$other_name" "not root, and /dev/shm is not a writable other filesystem"
fi

# A busy mount point: a first mount succeeds, a second on top is refused and
# the first stays the only one there.
if timeout 20 "$ctrfs" mount "$b/l1" "$b/upper" "$b/mnt" -o "workdir=$b/work" </dev/null; then
	before=$(mounts_under)
	err=$(timeout 20 "$ctrfs" mount "$b/l2" "$b/upper" "$b/mnt" -o "workdir=$b/work" 2>&1 >/dev/null </dev/null); rc=$?
	after=$(mounts_under)
	if [[ $rc -ne 0 && $(printf '%s' "$err" | grep -c .) -eq 1 && $err == *"$b/mnt"* && $before == "$after" ]]; then
		ok "busy mount point (a ctrfs mount already there) is refused and named"
	else
		nok "busy mount point (a ctrfs mount already there) is refused and named" \
			"exit $rc, stderr: $err" "mounts before: $before" "mounts after: $after"
	fi
	unmount "$b/mnt"
else
	nok "busy mount point (a ctrfs mount already there) is refused and named" \
		"the first mount of $b/l1 on $b/mnt failed, so the case could not run"
fi

# No arguments: a usage error that shows the usage or says where to find it.
err=$("$ctrfs" 2>&1 >/dev/null </dev/null); rc=$?
if [[ $rc -eq 1 && ($err == *[Uu]sage* || $err == *--help*) ]]; then ok "no arguments: exit 1 pointing to the usage"
else nok "no arguments: exit 1 pointing to the usage" "exit $rc, stderr: $err"; fi

out=$("$ctrfs" --help 2>/dev/null </dev/null); rc=$?
if [[ $rc -eq 0 && $out == *[Uu]sage* && $out == *"ctrfs mount"* && $out == *lowerdir* ]]; then
	ok "--help exits 0 and prints usage with both forms"
else
	nok "--help exits 0 and prints usage with both forms" "exit $rc, stdout: $out"
fi

# The version comes from meson.build's project(version:), not from the binary.
want=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$srcdir/meson.build" | head -1)
out=$("$ctrfs" --version 2>/dev/null </dev/null); rc=$?
if [[ -n $want && $rc -eq 0 && $out == *"$want"* ]]; then ok "--version prints the version ($want)"
else nok "--version prints the version ($want)" "exit $rc, stdout: $out"; fi

[[ $n -eq $plan ]] || echo "# internal: planned $plan, ran $n"
exit $((failed > 0))
