#!/bin/bash
# Interop: an upper dir written through one implementation (ctrfs or kernel
# overlayfs) must show the same merged tree when mounted under the other,
# over the same lowers. Six scenarios, two TAP cases each ("the writer
# shows the changes", "the reader shows the writer's tree"):
#   ctrfs -> kernel overlay (root, kernel defaults: no index)
#   ctrfs -o userxattr -> kernel overlay userxattr (in a user namespace)
#   kernel overlay (no index) -> ctrfs (root)
#   kernel overlay (redirect_dir=on) -> kernel overlay, and -> ctrfs (root)
#   kernel overlay userxattr -> ctrfs -o userxattr (in a user namespace)
# Usage: interop.sh [FS_TREECMP]   (env CTRFS: the ctrfs binary)
set -u

# The inner (user-namespace) run gets its tools through the environment.
[ "${1:-}" = --inner ] || TREECMP=${1:-${FS_TREECMP:-${CTR_BUILDDIR:-build}/tests/fs/fs-treecmp}}
CTRFS=${CTRFS:-${CTR_BUILDDIR:-build}/fs/ctrfs}
TREECMP=$(realpath -- "$TREECMP" 2>/dev/null || echo "$TREECMP")
CTRFS=$(realpath -- "$CTRFS" 2>/dev/null || echo "$CTRFS")
export TREECMP CTRFS
SELF=$(realpath -- "$0")

# ---- mounting (shared by the outer script and the user-namespace inner run) ----

# Pids of processes that have $1 as one of their arguments: the FUSE daemon
# serving that mount point.
daemon_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		tr '\0' '\n' 2>/dev/null <"$p/cmdline" | grep -qxF -- "$1" && echo "${p#/proc/}"
	done
	return 0
}

is_mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# mount_impl IMPL EXTRA_OPTS LOWERS UPPER WORK MNT
mount_impl() {
	local impl=$1 extra=$2 opts="lowerdir=$3,upperdir=$4,workdir=$5"
	[ -n "$extra" ] && opts="$opts,$extra"
	if [ "$impl" = ctrfs ]; then
		"$CTRFS" -o "$opts" "$6" || return 1
	else
		mount -t overlay overlay -o "$opts" "$6" || return 1
	fi
	is_mounted "$6"
}

# Unmounts and waits for the FUSE daemon (if any) to exit, so the upper dir
# is final before the next mount reads it.
umount_impl() {
	local mnt=$1 pids i
	pids=$(daemon_pids "$mnt")
	umount "$mnt" 2>/dev/null || fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"
	for i in $(seq 200); do
		local alive=
		for p in $pids; do [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && ! is_mounted "$mnt" && return 0
		sleep 0.05
	done
	echo "# $mnt: still mounted or daemon still running after unmount" >&2
	return 1
}

# Unmounts everything still mounted under $1 (deepest first).
umount_all_under() {
	local m
	awk -v t="$1/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null || umount -l "$m"
	done
}

# ---- layers and the change set ----

# make_lowers TOP BOTTOM XATTR_NS: whiteouts, an opaque dir, lower hard links.
make_lowers() {
	local top=$1 bot=$2 ns=$3
	mkdir -p "$bot"/d1/sub "$bot"/d2 "$bot"/d3 "$bot"/d4/deep/er "$bot"/dgone/sub "$bot"/empty &&
	echo f1 >"$bot"/d1/f1 && echo f2 >"$bot"/d1/f2 && echo g1 >"$bot"/d1/sub/g1 &&
	echo h1 >"$bot"/d2/h1 && echo h2 >"$bot"/d2/h2 && echo x >"$bot"/d3/x &&
	head -c 100000 /dev/urandom >"$bot"/d4/deep/er/file && echo inner >"$bot"/dgone/inner &&
	echo deep >"$bot"/dgone/sub/deep && echo top >"$bot"/f_top && echo exe >"$bot"/exe &&
	chmod 755 "$bot"/exe && echo hl >"$bot"/hl_a && ln "$bot"/hl_a "$bot"/hl_b &&
	ln -s f_top "$bot"/sym && echo gone >"$bot"/gone &&
	truncate -s 1M "$bot"/sparse && echo mid | dd of="$bot"/sparse bs=1 seek=500000 conv=notrunc status=none &&
	setfattr -n user.color -v red "$bot"/f_top &&
	mkdir -p "$top"/d1/sub "$top"/d3 "$top"/dd &&
	echo f3 >"$top"/d1/f3 && echo g2 >"$top"/d1/sub/g2 && echo y >"$top"/d3/y &&
	setfattr -n "$ns.overlay.opaque" -v y "$top"/d3 &&
	mknod "$top"/gone c 0 0 && echo l >"$top"/dd/l1 && ln "$top"/dd/l1 "$top"/dd/l2 &&
	echo t2 >"$top"/f_top2 && chmod 600 "$top"/f_top2 && ln -s d1 "$top"/symd
}

# The changes every writer makes; stops at (and names) the first that fails.
do_changes() {
	local m=$1 cmd
	local -a cmds=(
		"echo new >'$m/newfile'"
		"echo more >>'$m/d1/f1'"
		"rm '$m/d1/f2'"
		"rm -r '$m/dgone'"
		"rm -r '$m/d2'"
		"mkdir '$m/d2'"
		"echo fresh >'$m/d2/fresh'"
		"mv '$m/d4' '$m/d4moved'"
		"echo inner >>'$m/d1/sub/g1'"
		"mv '$m/d1' '$m/d1moved'"
		"ln '$m/d1moved/f1' '$m/hl_new'"
		"echo z >>'$m/hl_a'"
		"ln -s d1moved/f1 '$m/newlink'"
		"setfattr -n user.note -v hello '$m/f_top'"
		"setfattr -n user.dir -v 1 '$m/d3'"
		"chmod 600 '$m/exe'"
		"rm '$m/d3/y'"
		"mv '$m/f_top2' '$m/gone'"
		"mkfifo '$m/fifo'"
		"rm '$m/dd/l1'"
		"echo end | dd of='$m/sparse' bs=1 seek=900000 conv=notrunc status=none"
		"mkdir -p '$m/newdir/a/b' && echo leaf >'$m/newdir/a/b/leaf'"
	)
	for cmd in "${cmds[@]}"; do
		if ! eval "$cmd" 2>&1; then
			echo "change failed: $cmd"
			return 1
		fi
	done
}

# Facts the change set must have produced, checked independently of the
# other implementation (so two equally wrong trees cannot pass).
check_changes() {
	local m=$1 bad=0
	expect() { if ! eval "$1"; then echo "expected: $1"; bad=1; fi; }
	expect "[ \"\$(cat '$m/newfile')\" = new ]"
	expect "[ \"\$(cat '$m/d1moved/f1')\" = \"\$(printf 'f1\\nmore')\" ]"
	expect "[ ! -e '$m/d1' ] && [ ! -e '$m/d1moved/f2' ] && [ -f '$m/d1moved/f3' ]"
	expect "[ \"\$(cat '$m/d1moved/sub/g1')\" = \"\$(printf 'g1\\ninner')\" ] && [ -f '$m/d1moved/sub/g2' ]"
	expect "[ ! -e '$m/dgone' ]"
	expect "[ \"\$(ls -A '$m/d2')\" = fresh ]"
	expect "[ ! -e '$m/d4' ] && [ \$(stat -c %s '$m/d4moved/deep/er/file') = 100000 ]"
	expect "[ \"\$(stat -c %i '$m/hl_new')\" = \"\$(stat -c %i '$m/d1moved/f1')\" ]"
	expect "[ \"\$(tail -n 1 '$m/hl_a')\" = z ]"
	expect "[ \"\$(readlink '$m/newlink')\" = d1moved/f1 ]"
	expect "[ \"\$(getfattr --only-values -n user.note '$m/f_top' 2>/dev/null)\" = hello ]"
	expect "[ \"\$(getfattr --only-values -n user.color '$m/f_top' 2>/dev/null)\" = red ]"
	expect "[ \"\$(getfattr --only-values -n user.dir '$m/d3' 2>/dev/null)\" = 1 ]"
	expect "[ \$(stat -c %a '$m/exe') = 600 ]"
	expect "[ \"\$(ls -A '$m/d3')\" = '' ]"
	expect "[ \"\$(cat '$m/gone')\" = t2 ] && [ ! -e '$m/f_top2' ]"
	expect "[ -p '$m/fifo' ]"
	expect "[ ! -e '$m/dd/l1' ] && [ \"\$(cat '$m/dd/l2')\" = l ]"
	expect "[ \$(stat -c %s '$m/sparse') = 1048576 ]"
	expect "[ \"\$(cat '$m/newdir/a/b/leaf')\" = leaf ]"
	return $bad
}

# run_scenario DIR WRITER WRITER_OPTS READER READER_OPTS XATTR_NS
# Leaves DIR/writer.rc, DIR/writer.log, DIR/reader.rc, DIR/reader.log.
run_scenario() {
	local d=$1 writer=$2 wopts=$3 reader=$4 ropts=$5 ns=$6
	local lowers="$d/lower0:$d/lower1" m="$d/mnt" rc
	mkdir -p "$d"/lower0 "$d"/lower1 "$d"/upper "$d"/work.w "$d"/work.r "$d"/mnt
	{
		if ! make_lowers "$d/lower0" "$d/lower1" "$ns"; then
			echo "building the lowers failed"; rc=1
		elif ! mount_impl "$writer" "$wopts" "$lowers" "$d/upper" "$d/work.w" "$m"; then
			echo "mounting $writer ($wopts) failed"; rc=1
		else
			rc=0
			do_changes "$m" || rc=1
			[ $rc = 0 ] && { check_changes "$m" || rc=1; }
			"$TREECMP" --dump "$m" >"$d/writer.tree" || { echo "dumping the writer's tree failed"; rc=1; }
			umount_impl "$m" || rc=1
		fi
		echo $rc >"$d/writer.rc"
	} >"$d/writer.log" 2>&1
	{
		rc=1
		if [ "$(cat "$d/writer.rc")" != 0 ] && [ ! -s "$d/writer.tree" ]; then
			echo "nothing to compare: the writer failed"
		elif ! mount_impl "$reader" "$ropts" "$lowers" "$d/upper" "$d/work.r" "$m"; then
			echo "mounting $reader ($ropts) over the writer's upper failed"
		else
			"$TREECMP" --max 20 "$d/writer.tree" "$m" && rc=0
			umount_impl "$m" || rc=1
		fi
		echo $rc >"$d/reader.rc"
	} >"$d/reader.log" 2>&1
}

# ---- inner entry point: run one scenario inside a user namespace ----

if [ "${1:-}" = --inner ]; then
	shift
	trap 'umount_all_under "$1"' EXIT
	run_scenario "$@"
	exit 0
fi

# ---- TAP driver ----

n=0
failed=0
tap() { # tap OK|FAIL|SKIP NAME [REASON] [LOGFILE]
	n=$((n + 1))
	case $1 in
	OK) echo "ok $n - $2" ;;
	SKIP) echo "ok $n - $2 # SKIP $3" ;;
	*) echo "not ok $n - $2"; failed=$((failed + 1))
	   [ -n "${4:-}" ] && [ -f "$4" ] && sed 's/^/# /' "$4" ;;
	esac
}

NCASES=12
echo "1..$NCASES"
if [ "$(id -u)" != 0 ]; then
	for i in $(seq $NCASES); do echo "ok $i - interop # SKIP needs root"; done
	exit 0
fi
for tool in "$TREECMP" "$CTRFS"; do
	if [ ! -x "$tool" ]; then
		for i in $(seq $NCASES); do echo "not ok $i - interop # missing $tool"; done
		exit 1
	fi
done

TOP=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-interop.XXXXXX") || exit 1
chmod 755 "$TOP"
cleanup() { umount_all_under "$TOP"; rm -rf -- "$TOP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Rootless runs use a plain user when one named ctrtest exists and can use
# /dev/fuse; otherwise root in a fresh user namespace (uid 0 mapped to 0),
# which still forces userxattr and the kernel's user-namespace rules.
USERNS=(unshare -Urm)
userns_how="as root in a user namespace (no usable user ctrtest)"
if id ctrtest >/dev/null 2>&1 && runuser -u ctrtest -- test -r /dev/fuse -a -w /dev/fuse &&
	runuser -u ctrtest -- test -r "$SELF" -a -x "$CTRFS" -a -x "$TREECMP" &&
	runuser -u ctrtest -- unshare -Urm true 2>/dev/null; then
	USERNS=(runuser -u ctrtest -- unshare -Urm)
	userns_how="as user ctrtest in a user namespace"
fi
echo "# rootless scenarios run $userns_how"

report() { # report DIR WRITER_LABEL READER_LABEL
	local d=$1
	if [ "$(cat "$d/writer.rc" 2>/dev/null)" = 0 ]; then
		tap OK "$2: the changes show in the merged tree"
	else
		tap FAIL "$2: the changes show in the merged tree" "" "$d/writer.log"
	fi
	if [ "$(cat "$d/reader.rc" 2>/dev/null)" = 0 ]; then
		tap OK "$3 over the upper written by $2 shows the same tree"
	else
		tap FAIL "$3 over the upper written by $2 shows the same tree" "" "$d/reader.log"
	fi
}

# Runs a scenario in a user namespace; the directory belongs to the user
# that the namespace maps to root, so the layers look root-owned inside.
run_userns() {
	local d=$1
	mkdir -p "$d"
	[ "${USERNS[0]}" = runuser ] && chown -R ctrtest: "$d"
	# Lowers are built inside, so their files are owned by the mapped root.
	"${USERNS[@]}" bash "$SELF" --inner "$@" >"$d.inner.log" 2>&1
	[ -s "$d.inner.log" ] && cat "$d.inner.log" >>"$d/writer.log"
}

d=$TOP/ctrfs-to-overlay
run_scenario "$d" ctrfs "" overlay "index=off" trusted
report "$d" "ctrfs (root)" "kernel overlay (index=off)"

d=$TOP/ctrfs-userns-to-overlay
run_userns "$d" ctrfs userxattr overlay userxattr user
report "$d" "ctrfs -o userxattr (user namespace)" "kernel overlay userxattr"

d=$TOP/overlay-to-ctrfs
run_scenario "$d" overlay "index=off" ctrfs "" trusted
report "$d" "kernel overlay (index=off)" "ctrfs (root)"

# Directory renames recorded as redirect xattrs (index stays off: its hard
# link records live in the writer's work dir, which no other mount reads).
# The kernel reading the same upper first proves the expected tree.
d=$TOP/overlay-redirect-to-overlay
run_scenario "$d" overlay "redirect_dir=on,index=off" overlay "index=off" trusted
report "$d" "kernel overlay (redirect_dir=on)" "kernel overlay (index=off, redirects followed by default)"

d=$TOP/overlay-redirect-to-ctrfs
run_scenario "$d" overlay "redirect_dir=on,index=off" ctrfs "" trusted
report "$d" "kernel overlay (redirect_dir=on)" "ctrfs (root)"

d=$TOP/overlay-userns-to-ctrfs
run_userns "$d" overlay userxattr ctrfs userxattr user
report "$d" "kernel overlay userxattr (user namespace)" "ctrfs -o userxattr"

exit $((failed > 0))
