#!/bin/bash
# Crash test: kill -9 the ctrfs daemon at a random moment during a copy-up of
# a large lower file (plus a 1-byte append) or during the rename of a merged
# directory with many files, then detach the dead mount, mount again and
# check that each object is entirely in its old or entirely in its new state,
# and that the work dir's "work" subdir was emptied by the new mount. Also:
# data written and fsync'ed by an application survives kill -9 + remount.
# Usage: crash.sh [FS_TREECMP]      as root; env CTRFS: the ctrfs binary
#   CRASH_ITERATIONS (default 8 per kind), CRASH_BIG_MB (200),
#   CRASH_TREE_FILES (2000), CTR_TEST_TMP (/var/tmp)
set -u

TREECMP=${1:-${FS_TREECMP:-${CTR_BUILDDIR:-build}/tests/fs/fs-treecmp}}
CTRFS=${CTRFS:-${CTR_BUILDDIR:-build}/fs/ctrfs}
ITER=${CRASH_ITERATIONS:-8}
BIG_MB=${CRASH_BIG_MB:-200}
TREE_FILES=${CRASH_TREE_FILES:-2000}

NCASES=$((2 * ITER + 4))
echo "1..$NCASES"
if [ "$(id -u)" != 0 ]; then
	for i in $(seq $NCASES); do echo "ok $i - crash # SKIP needs root (umount -l of a dead FUSE mount, kernel-side checks)"; done
	exit 0
fi
for tool in "$TREECMP" "$CTRFS"; do
	if [ ! -x "$tool" ]; then
		for i in $(seq $NCASES); do echo "not ok $i - crash # missing $tool"; done
		exit 1
	fi
done

TOP=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-crash.XXXXXX") || exit 1
L=$TOP/lower U=$TOP/upper W=$TOP/work M=$TOP/mnt LOG=$TOP/daemon.log
mkdir -p "$L" "$M"
DAEMON=       # pid of the ctrfs running in the foreground, if any
STARTED=()    # every daemon pid this script started

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# A pid is only killed while its command line still names our mount point
# (an exited daemon's pid may belong to another process by now).
ours() { tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | grep -qxF -- "$M"; }

cleanup() {
	local p
	for p in "${STARTED[@]}"; do ours "$p" && kill -9 "$p" 2>/dev/null; done
	is_mounted "$M" && umount -l "$M"
	rm -rf -- "$TOP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
failed=0
tap_ok() { n=$((n + 1)); echo "ok $n - $1"; }
tap_fail() { # tap_fail NAME REASON...
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	printf '# %s\n' "$@"
	[ -s "$LOG" ] && tail -n 5 "$LOG" | sed 's/^/# daemon: /'
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }

# Kill delays: random within [LO, HI] ms, narrowed after each outcome (old:
# the kill came before the commit, so later; new: earlier), so the kills
# close in on the commit instant from both sides. After "old" the window
# also reaches at least half again above the delay (the operation may take
# longer than calibrated, e.g. while earlier iterations' data is written
# back); a window closed after "new" restarts from 0.
window_reset() { LO=0; HI=$1; }
next_delay() { echo $((LO + (RANDOM * 32768 + RANDOM) % (HI - LO + 1))); }
window_update() { # window_update DELAY old|new
	if [ "$2" = old ]; then
		LO=$1
		[ "$HI" -lt $((LO * 3 / 2 + 5)) ] && HI=$((LO * 3 / 2 + 5))
	else
		HI=$1
		[ $((HI - LO)) -lt 5 ] && LO=0
	fi
	return 0
}

# Starts ctrfs in the foreground (so its pid is known) and waits for the mount.
start_daemon() {
	: >"$LOG"
	"$CTRFS" -f -o "lowerdir=$L,upperdir=$U,workdir=$W" "$M" 2>>"$LOG" &
	DAEMON=$!
	STARTED+=("$DAEMON")
	local i
	for i in $(seq 500); do
		is_mounted "$M" && return 0
		kill -0 "$DAEMON" 2>/dev/null || { echo "ctrfs exited before mounting" >>"$LOG"; return 1; }
		sleep 0.02
	done
	echo "no mount after 10s" >>"$LOG"
	return 1
}

stop_daemon() { # clean unmount; the daemon then exits by itself
	umount "$M" || umount -l "$M"
	wait "$DAEMON" 2>/dev/null
	DAEMON=
}

crash_daemon() { # kill -9 and detach the dead mount
	ours "$DAEMON" && kill -9 "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
	DAEMON=
	is_mounted "$M" && { umount -l "$M" 2>/dev/null || fusermount3 -uz "$M"; }
	! is_mounted "$M"
}

fresh_upper() { # fresh upper/work; $1 = function adding preset upper content
	rm -rf -- "$U" "$W"
	mkdir -p "$U" "$W"
	[ -n "${1:-}" ] && "$1"
	return 0
}

work_leftovers() { # prints what the work dir's work subdir still holds
	[ -d "$W/work" ] || { echo "(no $W/work after the mount)"; return; }
	ls -A "$W/work"
}

hash_of() { sha256sum <"$1" | cut -d' ' -f1; }

# ---- layers ----

echo "# building a ${BIG_MB} MiB lower file and a tree of $TREE_FILES files"
head -c "$((BIG_MB * 1024 * 1024))" /dev/urandom >"$L/big" || exit 1
OLD_SIZE=$(stat -c %s "$L/big")
OLD_HASH=$(hash_of "$L/big")
NEW_HASH=$(cat "$L/big" <(printf x) | sha256sum | cut -d' ' -f1)
head -c 3000000 /dev/urandom >"$L/small"
echo keep >"$L/keep"
for s in $(seq 0 9); do
	mkdir -p "$L/tree/sub$s"
	for f in $(seq 0 $((TREE_FILES / 10 - 1))); do echo "file $s/$f" >"$L/tree/sub$s/f$f"; done
done
ln "$L/tree/sub1/f1" "$L/tree/sub1/hardlink"
setfattr -n user.mark -v tree "$L/tree/sub2"
ROOT_NAMES=$(ls -A "$L" | grep -vx tree | tr '\n' ' ')

# The tree is merged: part of it lives in the upper dir, one lower file is
# deleted there (whiteout).
tree_upper_preset() {
	mkdir -p "$U/tree/sub0"
	echo upper >"$U/tree/upper_only"
	mknod "$U/tree/sub0/f0" c 0 0
}

# The root must hold exactly the lower's names plus the tree under its
# current name (no work-in-progress name of a copy-up or rename may show).
check_root_names() { # $1: the tree's name (tree or moved)
	local want got
	want=$(printf '%s\n' $ROOT_NAMES "$@" | sort -u | tr '\n' ' ')
	got=$(ls -A "$M" | sort | tr '\n' ' ')
	[ "$want" = "$got" ] || { echo "root names: want [$want] got [$got]"; return 1; }
}

# ---- copy-up of a large file ----

# Checks big after a remount: old or new in full. Echoes old/new or an error.
check_big() {
	local size h
	size=$(stat -c %s "$M/big") || { echo "stat big failed"; return 1; }
	if [ "$size" = "$OLD_SIZE" ]; then
		h=$(hash_of "$M/big"); [ "$h" = "$OLD_HASH" ] && { echo old; return 0; }
		echo "big has the old size but other content (hash $h)"; return 1
	elif [ "$size" = "$((OLD_SIZE + 1))" ]; then
		h=$(hash_of "$M/big"); [ "$h" = "$NEW_HASH" ] && { echo new; return 0; }
		echo "big has the new size but other content (hash $h)"; return 1
	fi
	echo "big is partial: $size bytes (old $OLD_SIZE, new $((OLD_SIZE + 1)))"
	return 1
}

name="copy-up of a ${BIG_MB} MiB file + append, no crash: new content"
fresh_upper
if start_daemon; then
	t0=$(now_ms)
	printf x >>"$M/big"
	COPY_MS=$(($(now_ms) - t0))
	stop_daemon
	if start_daemon; then
		r=$(check_big); rc=$?
		stop_daemon
		if [ $rc = 0 ] && [ "$r" = new ]; then tap_ok "$name (${COPY_MS} ms)"; else tap_fail "$name" "$r"; fi
	else
		tap_fail "$name" "remount failed"
	fi
else
	tap_fail "$name" "mount failed"
	COPY_MS=1000
fi

states=
window_reset $((COPY_MS * 3 / 2 + 10))
for it in $(seq "$ITER"); do
	name="kill -9 during copy-up, iteration $it"
	fresh_upper
	if ! start_daemon; then tap_fail "$name" "mount failed"; continue; fi
	delay=$(next_delay)
	(printf x >>"$M/big") 2>/dev/null &
	app=$!
	sleep_ms "$delay"
	crash_daemon || { tap_fail "$name" "the dead mount could not be detached"; continue; }
	wait "$app" 2>/dev/null
	if ! start_daemon; then tap_fail "$name" "remount after the crash failed"; continue; fi
	r=$(check_big); rc=$?
	left=$(work_leftovers)
	names=$(check_root_names tree) || rc=1
	stop_daemon
	if [ $rc = 0 ] && [ -z "$left" ]; then
		tap_ok "$name: killed after ${delay} ms, file is $r"
		states="$states $r"
		window_update "$delay" "$r"
	else
		tap_fail "$name" "killed after ${delay} ms" "$r" ${names:+"$names"} ${left:+"work/ not emptied by the remount: $left"}
	fi
done
echo "# copy-up outcomes:$states"

# ---- rename of a merged directory ----

name="rename of a merged dir with $TREE_FILES files, no crash: moved in full"
REF=$TOP/tree.ref
fresh_upper tree_upper_preset
RENAME_MS=1000
# The reference is dumped through a mount of its own, so the timed rename
# runs on a fresh mount like the ones that get killed.
if start_daemon; then "$TREECMP" --dump "$M/tree" >"$REF"; stop_daemon; fi
if [ -s "$REF" ] && start_daemon; then
	t0=$(now_ms)
	mv "$M/tree" "$M/moved"; mvrc=$?
	RENAME_MS=$(($(now_ms) - t0))
	stop_daemon
	msg=
	if [ $mvrc != 0 ]; then msg="mv failed"
	elif ! grep -q '^upper_only ' "$REF" || grep -q '^sub0/f0 ' "$REF"; then msg="the merged tree before the rename is wrong"
	elif ! start_daemon; then msg="remount failed"
	else
		[ -e "$M/tree" ] && msg="tree still exists"
		out=$("$TREECMP" --max 5 "$REF" "$M/moved" 2>&1) || msg="$msg moved differs: $out"
		stop_daemon
	fi
	if [ -z "$msg" ]; then tap_ok "$name (${RENAME_MS} ms)"; else tap_fail "$name" "$msg"; fi
else
	tap_fail "$name" "mount failed"
fi

states=
window_reset $((RENAME_MS * 3 / 2 + 10))
for it in $(seq "$ITER"); do
	name="kill -9 during rename of a merged dir, iteration $it"
	fresh_upper tree_upper_preset
	if ! start_daemon; then tap_fail "$name" "mount failed"; continue; fi
	delay=$(next_delay)
	mv "$M/tree" "$M/moved" 2>/dev/null &
	app=$!
	sleep_ms "$delay"
	crash_daemon || { tap_fail "$name" "the dead mount could not be detached"; continue; }
	wait "$app" 2>/dev/null
	if ! start_daemon; then tap_fail "$name" "remount after the crash failed"; continue; fi
	msg= state=
	if [ -e "$M/tree" ] && [ ! -e "$M/moved" ]; then
		state=old
		out=$("$TREECMP" --max 5 "$REF" "$M/tree" 2>&1) || msg="tree (old place) is not the old tree: $out"
		check_root_names tree >/dev/null || msg="$msg $(check_root_names tree)"
	elif [ ! -e "$M/tree" ] && [ -e "$M/moved" ]; then
		state=new
		out=$("$TREECMP" --max 5 "$REF" "$M/moved" 2>&1) || msg="moved (new place) is not the whole tree: $out"
		check_root_names moved >/dev/null || msg="$msg $(check_root_names moved)"
	else
		msg="tree exists: $([ -e "$M/tree" ] && echo yes || echo no), moved exists: $([ -e "$M/moved" ] && echo yes || echo no)"
	fi
	left=$(work_leftovers)
	[ -n "$left" ] && msg="$msg work/ not emptied by the remount: $(echo $left | head -c 300)"
	stop_daemon
	if [ -z "$msg" ]; then
		tap_ok "$name: killed after ${delay} ms, dir is $state"
		states="$states $state"
		window_update "$delay" "$state"
	else
		tap_fail "$name" "killed after ${delay} ms" "$msg"
	fi
done
echo "# rename outcomes:$states"

# ---- fsync'ed data survives ----

name="fsync'ed new file survives kill -9 and remount"
fresh_upper
head -c 8000000 /dev/urandom >"$TOP/data"
want=$(hash_of "$TOP/data")
if start_daemon; then
	dd if="$TOP/data" of="$M/synced" bs=1M conv=fsync status=none; ddrc=$?
	crash_daemon
	if [ $ddrc != 0 ]; then tap_fail "$name" "dd failed"
	elif ! start_daemon; then tap_fail "$name" "remount failed"
	else
		got=$(hash_of "$M/synced" 2>&1)
		stop_daemon
		if [ "$got" = "$want" ]; then tap_ok "$name"; else tap_fail "$name" "content differs after remount"; fi
	fi
else
	tap_fail "$name" "mount failed"
fi

name="fsync'ed write into a copied-up lower file survives kill -9 and remount"
fresh_upper
head -c 20000 /dev/urandom >"$TOP/patch"
cp "$L/small" "$TOP/small.want"
dd if="$TOP/patch" of="$TOP/small.want" bs=4096 seek=100 conv=notrunc status=none
want=$(hash_of "$TOP/small.want")
if start_daemon; then
	dd if="$TOP/patch" of="$M/small" bs=4096 seek=100 conv=notrunc,fsync status=none; ddrc=$?
	crash_daemon
	if [ $ddrc != 0 ]; then tap_fail "$name" "dd failed"
	elif ! start_daemon; then tap_fail "$name" "remount failed"
	else
		got=$(hash_of "$M/small" 2>&1)
		stop_daemon
		if [ "$got" = "$want" ]; then tap_ok "$name"; else tap_fail "$name" "content differs after remount"; fi
	fi
else
	tap_fail "$name" "mount failed"
fi

[ "$n" = "$NCASES" ] || echo "# ran $n of $NCASES cases"
exit $((failed > 0))
