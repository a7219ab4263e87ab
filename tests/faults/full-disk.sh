#!/bin/bash
# TAP test: stop, kill, rm and rm -f on a full disk. Each mode's
# state root is a small ext4 file system of its own, loop-mounted by this
# test and filled to the last block (as root, so root's reserved blocks go
# too) before the command under test. Expected values are docker's: the
# command succeeds, the container's own exit code is recorded (the code its
# SIGTERM or SIGUSR1 trap exits with, 137 after SIGKILL), removed containers
# leave no row and no directory. Between cases the filler is deleted, so
# every case starts with space and fills the disk again.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../runner/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../runner/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_stop_full case_stop_full_again case_kill_full case_kill_sigkill_full
	case_stop_then_rm_full case_rm_force_full case_space_returns
)
fs_mb=${CTR_FULL_DISK_MB:-48}

extra_skip_reason() {
	command -v mkfs.ext4 >/dev/null || { echo "no mkfs.ext4"; return; }
	[[ -e /dev/loop-control ]] || echo "no loop devices (/dev/loop-control)"
}

# The mode's state root is the file system: lib.sh's cleanup finds state.db
# where it expects it, removes the containers, then unmounts it (and the
# kernel frees the loop device, made with autoclear by mount -o loop).
begin_mode() {
	truncate -s "${fs_mb}M" "$M/disk.img" && mkfs.ext4 -q -F -m 5 "$M/disk.img" || return 1
	mkdir -p "$R" && mount -o loop "$M/disk.img" "$R" || return 1
	rmdir "$R/lost+found"
	chmod 0700 "$R"
	[[ $mode == rootless ]] && chown "$user:" "$R"
	return 0
}
cleanup_extra() { :; }

# fill: the file system has no free block left, even for root.
fill() {
	local i
	for ((i = 0; i < 4; i++)); do
		cat /dev/zero >>"$R/filler" 2>/dev/null
		sync -f "$R/filler"
	done
	[[ $(df --output=avail -B1 "$R" | tail -n1 | tr -d ' ') -lt 65536 ]] || fail "could not fill $R: $(df -h "$R" | tail -n1)"
}
unfill() { rm -f "$R/filler"; sync -f "$R"; }

ps_line() { ctr ps -a 2>/dev/null | awk -v n="$1" '$NF == n'; }
row_of() { db "select state || '|' || ifnull(exit_code, '') from containers where name='$1'"; }
init_of() { db "select pid from containers where name='$1'"; }

# detach NAME ARGS...: run -d, the container running and its trap in place.
detach() {
	local name=$1 sig=$2
	shift 2
	capture run -d --name "$name" "$@"
	id=$out
	if [[ $rc != 0 || ! $id =~ ^[0-9a-f]{64}$ ]]; then
		fail "run -d --name $name did not print a container id (exit $rc)"
		return 1
	fi
	[[ -z $sig ]] || wait_sig "$(init_of "$name")" SigCgt "$sig" || fail "the trap of $name never came up"
	return 0
}

# expect_ps_exited NAME CODE: ps -a, on the full disk, shows the container
# Exited (CODE) (waiting up to 10 s for its monitor to record it).
expect_ps_exited() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ $(ps_line "$1") == *"Exited ($2)"* ]] && return 0
		sleep 0.2
	done
	fail "ps -a on the full disk does not show $1 Exited ($2): '$(ps_line "$1")'"
}
# expect_row NAME CODE: state.db says exited with CODE. sqlite3 cannot open
# the file on a full disk (the first reader rebuilds the -shm file), so the
# space comes back first.
expect_row() {
	unfill
	[[ $(row_of "$1") == "exited|$2" ]] || fail "state.db says '$(row_of "$1")' for $1, expected exited|$2"
}

# expect_gone ID: no row anywhere, no directory (checked with the space
# back).
expect_gone() {
	local t
	unfill
	[[ $(db "select count(*) from containers where id='$1'") == 0 ]] || fail "the containers row of $1 is left ($(db "select state from containers where id='$1'"))"
	for t in logs container_processes mounts env; do
		[[ $(db "select count(*) from $t where container_id='$1'") == 0 ]] || fail "rows in $t are left"
	done
	[[ -e $R/containers/$1 ]] && fail "$R/containers/$1 is left"
}

expect_no_full_message() {
	[[ ${err,,} == *"full"* ]] && fail "stderr speaks of a full disk: $(head -c 300 <<<"$err")"
	return 0
}

# ---------------------------------------------------------------- cases
# Each case starts with space (the last one's filler deleted), makes what
# it needs, and fills the disk just before the command under test.

case_stop_full() {
	unfill
	detach st1 15 busybox sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' || { show_last; return; }
	fill
	capture stop -t 10 st1
	expect_rc 0
	expect_out st1
	expect_no_full_message
	expect_ps_exited st1 42
	show_last
	expect_row st1 42
}

# Once more: the first case used the reserve; the space came back (the
# filler went) and a command ran, so the reserve must be there again.
case_stop_full_again() {
	unfill
	detach st2 15 busybox sh -c 'trap "exit 43" TERM; while :; do sleep 0.1; done' || { show_last; return; }
	fill
	capture stop -t 10 st2
	expect_rc 0
	expect_out st2
	expect_no_full_message
	expect_ps_exited st2 43
	show_last
	expect_row st2 43
}

case_kill_full() {
	unfill
	detach k1 10 busybox sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done' || { show_last; return; }
	fill
	capture kill -s USR1 k1
	expect_rc 0
	expect_out k1
	expect_no_full_message
	expect_ps_exited k1 7
	show_last
	expect_row k1 7
}

case_kill_sigkill_full() {
	unfill
	detach k2 "" busybox sleep 1000 || { show_last; return; }
	fill
	capture kill k2
	expect_rc 0
	expect_out k2
	expect_no_full_message
	expect_ps_exited k2 137
	show_last
	expect_row k2 137
}

# The sequence a user hits: stop on a full disk, then rm on the same full disk
# (no space freed in between), and the containers stopped earlier with it.
case_stop_then_rm_full() {
	unfill
	local id_st1 id_k1 id_s3
	id_st1=$(container_id st1) id_k1=$(container_id k1)
	detach s3 15 busybox sh -c 'trap "exit 44" TERM; while :; do sleep 0.1; done' || { show_last; return; }
	id_s3=$id
	fill
	capture stop s3
	expect_rc 0
	expect_out s3
	expect_no_full_message
	expect_ps_exited s3 44
	show_last
	capture rm s3 st1 k1
	expect_rc 0
	expect_out $'s3\nst1\nk1'
	expect_no_full_message
	show_last
	expect_gone "$id_s3"
	expect_gone "$id_st1"
	expect_gone "$id_k1"
}

case_rm_force_full() {
	unfill
	detach f1 "" busybox sleep 1000 || { show_last; return; }
	local init
	init=$(init_of f1)
	fill
	capture rm -f f1 st2
	expect_rc 0
	expect_out $'f1\nst2'
	expect_no_full_message
	[[ -e /proc/$init ]] && [[ $(stat_field "$init" 3) != Z ]] && fail "the init of f1 (pid $init) is alive"
	show_last
	expect_gone "$id"
	[[ -n $(db "select 1 from containers where name='st2'") ]] && fail "st2 is left"
}

# With space back, everything works as before and the store is whole.
case_space_returns() {
	unfill
	capture rm -f k2
	expect_rc 0
	capture run --rm busybox echo hello
	expect_rc 0
	expect_out hello
	[[ -f $R/state.db.reserve ]] || fail "no reserve (state.db.reserve) with the space back"
	[[ $(db 'PRAGMA integrity_check') == ok ]] || fail "integrity_check is not ok"
	[[ -z $(db 'select name from containers') ]] || fail "containers left: $(db 'select name from containers')"
	[[ -z $(ls -A "$R/containers") ]] || fail "dirs left under containers/: $(ls -A "$R/containers")"
	show_last
}

# Not /tmp/ctrrun-*: other tests on the machine take mounts under paths
# naming ctrrun for their own (lib.sh's host_mounts).
make_tmp() {
	tmp=$(mktemp -d "/tmp/ctr-$1-test.XXXXXX") || { echo "Bail out! cannot make a temp dir"; exit 1; }
	chmod 0755 "$tmp"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

run_all full-disk
