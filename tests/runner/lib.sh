# shellcheck shell=bash
# What the end-to-end ctrrun tests (run.sh, commit.sh, lifecycle.sh,
# limits.sh) share; each sources this file. Sourcing only sets values and
# defines functions: the script then defines its cases and calls run_all.
#
# Every case runs in two modes, as root and as the unprivileged test user
# (rootless, subordinate ids from /etc/subuid), each with its own state root
# under one temp dir that the EXIT trap removes. A case is a function
# case_NAME that records failures with `fail` and prints nothing; run_all
# prints one TAP line for it, "MODE: NAME".
#
# The script defines:
#   cases                      the case functions in order, or cases_root and
#                              cases_rootless where the modes run other cases
#   snapshot                   if it uses expect_refusal: what a refused
#                              command must leave unchanged
# and may redefine (defaults below): make_images, import_images; and may
# define the hooks begin_mode (at the start of each mode that runs),
# cleanup_extra (in the EXIT trap, after the containers were removed),
# extra_skip_reason (prints why no mode can run, or nothing).
#
# For debugging: CTR_RUN_MODES="root" (or "rootless") runs one half,
# CTR_CASES="case_a case_b" only those cases, CTR_KEEP_TMP=1 keeps the temp
# dir (state.db and all) after the containers were removed.

# ---------------------------------------------------------------- settings
lib_dir=$(dirname "${BASH_SOURCE[0]}")
builddir=${CTR_BUILDDIR:-$lib_dir/../../build}
srcdir=${CTR_SRCDIR:-$lib_dir/../..}
ctrrun=$(readlink -f "${CTRRUN:-$builddir/runner/ctrrun}")
ctrfs=${CTRFS:-}
if [[ -n $ctrfs ]]; then ctrfs=$(readlink -f "$ctrfs"); fi
user=${CTR_TEST_USER:-ctrtest}
# Upper bound for one ctrrun command; a hang must fail a case, not the suite.
tmo=60
read -ra modes <<<"${CTR_RUN_MODES:-root rootless}"
# The TAP name of the first line of each mode (its image import).
import_case="import busybox image"
# Bytes of a failed command's stdout shown in the diagnostics.
show_out_bytes=2000
# expect_refusal compares its needles ignoring case when this is 1.
refusal_ignore_case=0

# ---------------------------------------------------------------- TAP output
n=0 why=() skip_reason=""
# The last command, for the diagnostics of a failed case.
last="" rc="" out="" err=""

fail() { why+=("$*"); }
# report NAME: the TAP line of the case just run, with its failures as
# comments; clears them for the next case.
report() {
	n=$((n + 1))
	if [[ -n $skip_reason ]]; then
		echo "ok $n - $1 # SKIP $skip_reason"
	elif ((${#why[@]} == 0)); then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "${why[@]}" | sed 's/^/# /'
	fi
	why=() skip_reason=""
}
# Diagnostics of the last command, added when a case failed.
show_last() {
	((${#why[@]} == 0)) && return
	why+=("command: $last" "exit: $rc" "stdout: $(head -c "$show_out_bytes" <<<"$out")" "stderr: $(head -c 2000 <<<"$err")")
}

expect_rc() { [[ $rc == "$1" ]] || fail "exit status $rc, expected $1"; }
expect_out() { [[ $out == "$1" ]] || fail "stdout $(printf %q "$out"), expected $(printf %q "$1")"; }
expect_err_has() { [[ $err == *"$1"* ]] || fail "stderr does not mention '$1'"; }
expect_err_has_i() { [[ ${err,,} == *"${1,,}"* ]] || fail "stderr does not mention '$1' (any case)"; }

# changes BEFORE AFTER: the lines that differ, on one line, for a message.
changes() { diff <(echo "$1") <(echo "$2") | grep '^[<>]' | tr '\n' ' '; }

# ---------------------------------------------------------------- temp dir, cleanup
bg_pids=()

# make_tmp NAME: the test's temp dir $tmp, removed on exit. 0755: the test
# user must reach its mode dir inside.
make_tmp() {
	tmp=$(mktemp -d "/tmp/ctrrun-$1-test.XXXXXX") || { echo "Bail out! cannot make a temp dir"; exit 1; }
	chmod 0755 "$tmp"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

mounts_under_tmp() { awk -v t="$tmp" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo; }

cleanup() {
	local p m
	for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	# A failed case may leave containers behind: ctrrun rm -f ends them,
	# their ctrfs daemons and their cgroups before the dirs go.
	for m in root rootless; do
		[[ -f $tmp/$m/state/state.db ]] || continue
		mode=$m setup_mode_vars
		timeout 30 "${CTR[@]}" ps -a -q --no-trunc 2>/dev/null |
			xargs -r timeout 30 "${CTR[@]}" rm -f >/dev/null 2>&1
	done
	if declare -F cleanup_extra >/dev/null; then cleanup_extra; fi
	for m in $(mounts_under_tmp | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
	if [[ -n ${CTR_KEEP_TMP:-} ]]; then
		echo "kept $tmp (CTR_KEEP_TMP)" >&2
	else
		rm -rf --one-file-system -- "$tmp"
	fi
}

# ---------------------------------------------------------------- per mode
# setup_mode_vars: M (mode dir), R (state root), V (volume dir, writable by
# the mode's user, also the cwd of ctrrun), CTR (argv prefix for ctrrun), AS
# (argv prefix running a command as the mode's user).
setup_mode_vars() {
	M=$tmp/$mode R=$tmp/$mode/state V=$tmp/$mode/vol
	local envs=(env)
	[[ -n $ctrfs ]] && envs+=("CTRFS=$ctrfs")
	if [[ $mode == root ]]; then
		AS=(env)
	else
		AS=(runuser -u "$user" --)
		# runuser sets no XDG_RUNTIME_DIR; without one ctrrun would leave
		# /tmp/ctrrun-UID behind.
		envs+=("XDG_RUNTIME_DIR=$M/run")
	fi
	CTR=("${AS[@]}" "${envs[@]}" "$ctrrun" --root "$R")
}

# ctr ARGS...: ctrrun in $V with a timeout, output left alone.
ctr() { (cd "$V" && exec timeout -k 5 "$tmo" "${CTR[@]}" "$@"); }

# capture ARGS...: runs ctrrun with the args (stdin from $stdin_file or
# /dev/null) and sets out, err, rc, last.
stdin_file=/dev/null
capture() {
	last="ctrrun $*"
	out=$(ctr "$@" 2>"$tmp/err" <"$stdin_file")
	rc=$?
	err=$(<"$tmp/err")
}
rm_quiet() { ctr rm -f "$@" >/dev/null 2>&1; }

# ---------------------------------------------------------------- state.db
# Read-only, as docs/ctrrun.1 suggests: a read-write connection that thinks
# it is the last one checkpoints and deletes the WAL when it closes.
db() { "${AS[@]}" sqlite3 -readonly -cmd '.timeout 5000' "$R/state.db" "$@"; }
db_write() { "${AS[@]}" sqlite3 -cmd '.timeout 5000' "$R/state.db" "$@"; }
container_id() { db "select id from containers where name='$1'"; }
state_of() { db "select state from containers where name='$1'"; }

# wait_state NAME STATE [SECONDS]: until the container's row says STATE
# (10 s unless told).
wait_state() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		[[ $(state_of "$1" 2>/dev/null) == "$2" ]] && return 0
		sleep 0.05
	done
	return 1
}
wait_running() { wait_state "$1" running; }

# ---------------------------------------------------------------- host processes
# stat_field PID N: field N (>= 3) of /proc/PID/stat, empty when the pid is
# gone. Fields after the ")" of comm start at 3.
stat_field() {
	local stat i=$(($2 - 2))
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	local rest=${stat##*) }
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $rest
	echo "${!i}"
}
# Start time in clock ticks: with the pid, it names one process for good.
start_ticks() { stat_field "$1" 22; }
# exists PID TICKS: the process that had those start ticks is still there,
# maybe as a zombie.
exists() { [[ -n $1 && -n $2 && $(start_ticks "$1") == "$2" ]]; }
# alive PID TICKS: it exists and is not a zombie.
alive() { exists "$1" "$2" && [[ $(stat_field "$1" 3) != Z ]]; }

# wait_sig PID FIELD SIGNO: until SigCgt/SigIgn of PID has the signal's bit
# (10 s), so a signal is not sent before the shell's trap is in place.
wait_sig() {
	local i mask
	for ((i = 0; i < 200; i++)); do
		mask=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null)
		[[ -n $mask ]] && (((16#$mask >> ($3 - 1)) & 1)) && return 0
		sleep 0.05
	done
	return 1
}

# expect_no_process_using DIR: no process but this shell has DIR in its
# command line (a container, monitor or ctrfs daemon of the mode is left).
expect_no_process_using() {
	local p left=()
	for p in /proc/[0-9]*; do
		[[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
		{ tr '\0' ' ' <"$p/cmdline" | grep -qF -- "$1" && left+=("${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"); } 2>/dev/null
	done
	((${#left[@]} == 0)) || fail "processes still using $1: ${left[*]}"
}

# ---------------------------------------------------------------- mounts
# ctrrun mounts nothing on the host: everything is in the container's mount
# namespace. A leak would show under a path of ctrrun's (state root, the
# test's temp dir); other tests' mounts elsewhere are not ours to judge.
host_mounts() { awk '$5 ~ /ctrrun/ { print $5 }' /proc/self/mountinfo | sort; }
# The mounts as the mode started (run_mode sets mode_mounts).
expect_mode_mounts_unchanged() {
	local now
	now=$(host_mounts)
	[[ $now == "$mode_mounts" ]] || fail "host mounts changed during the mode: $(changes "$mode_mounts" "$now")"
}

# ---------------------------------------------------------------- files, ids
# root_sub_start FILE: the first of root's subordinate ids in /etc/subuid
# or /etc/subgid: what the root of root's containers owns volumes as.
root_sub_start() { awk -F: '$1 == "root" || $1 == "0" { print $2; exit }' "$1"; }
# own PATH...: files the test makes for a volume belong to the container's
# root on the host: the mode's user rootless, root's first subordinate id
# for root (its containers' root is not host root).
own() {
	if [[ $mode == root ]]; then
		chown -hR "$(root_sub_start /etc/subuid):$(root_sub_start /etc/subgid)" "$@"
	else
		chown -hR "$user:" "$@"
	fi
}

# Short id as docker shows it: the first 12 hex digits.
short() { echo "${1:0:12}"; }

# sub_start FILE, sub_count FILE: the test user's subordinate range in
# /etc/subuid or /etc/subgid.
sub_start() { awk -F: -v u="$user" -v i="$(id -u "$user")" '$1 == u || $1 == i { print $2; exit }' "$1"; }
sub_count() { awk -F: -v u="$user" -v i="$(id -u "$user")" '$1 == u || $1 == i { print $3; exit }' "$1"; }
# host_ids UID GID: the host uid:gid that container ids UID:GID land on
# (rootless: container 1 is the first subordinate id).
host_ids() {
	if [[ $mode == root ]]; then
		echo "$1:$2"
	else
		echo "$(($(sub_start /etc/subuid) + $1 - 1)):$(($(sub_start /etc/subgid) + $2 - 1))"
	fi
}

# ---------------------------------------------------------------- terminal
# in_pty SCRIPT [INPUT-WRITER...]: runs SCRIPT (bash) under script(1) so it
# has a pty; stdin of script comes from the writer; sets out (CRs removed)
# and rc. No timeout(1) inside the pty: it would put ctrrun in a background
# process group, where setting the terminal stops it with SIGTTOU.
ctr_line() { printf '%q ' "${CTR[@]}"; }
in_pty() {
	local cmd=$1
	shift
	last="script -qec '$cmd'"
	(set +o pipefail; cd "$V" && "$@" | timeout -k 5 "$tmo" script -qec "$cmd" /dev/null >"$tmp/out" 2>"$tmp/err")
	rc=$?
	out=$(tr -d '\r' <"$tmp/out")
	err=$(<"$tmp/err")
}
# feed TEXT [SECONDS]: an input writer for in_pty: TEXT, then a pause.
feed() { printf '%s' "$1"; sleep "${2:-0}"; }

# ---------------------------------------------------------------- refusals
# snapshot_containers: what a refused run must leave unchanged: container
# rows, container dirs, host mounts. For the script's snapshot.
snapshot_containers() {
	echo "rows:"; db 'select id from containers order by id'
	echo "dirs:"; ls -A "$R/containers" 2>&1
	echo "mounts:"; host_mounts
}
# expect_refusal NEEDLES ARGS...: ctrrun ARGS exits 125 with nothing on
# stdout, every needle (separated by '|'; ignoring case if
# refusal_ignore_case=1) on stderr, and the script's snapshot unchanged.
expect_refusal() {
	local needles=$1 needle before after nd
	shift
	before=$(snapshot)
	capture "$@"
	after=$(snapshot)
	expect_rc 125
	IFS='|' read -ra nd <<<"$needles"
	for needle in "${nd[@]}"; do
		if ((refusal_ignore_case)); then expect_err_has_i "$needle"; else expect_err_has "$needle"; fi
	done
	[[ -z $out ]] || fail "stdout is not empty"
	[[ $before == "$after" ]] || fail "state changed: $(changes "$before" "$after")"
	show_last
}

# ---------------------------------------------------------------- images
# make_rootfs DIR: the busybox tree of tools/mkbusybox-rootfs.
make_rootfs() { "$srcdir/tools/mkbusybox-rootfs" "$1" >/dev/null; }
# pack DIR TAR: a tarball of DIR as it is (numeric owners), readable by the
# test user.
pack() { tar --numeric-owner -C "$1" -cf "$2" . && chmod 0644 "$2"; }
# import_image TAR NAME: ctrrun import with sh as the command.
import_image() {
	capture import --change 'CMD ["sh"]' "$1" "$2"
	[[ $rc == 0 ]]
}

# Defaults: the plain busybox image. A script needing others redefines them.
make_images() { make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar"; }
import_images() { import_image "$tmp/busybox.tar" busybox; }

# ---------------------------------------------------------------- main
# mode_cases MODE: the cases of MODE in order (cases_MODE if the script has
# it, else cases), one a line; with CTR_CASES only those it names.
mode_cases() {
	local list=cases c
	declare -p "cases_$1" >/dev/null 2>&1 && list=cases_$1
	local -n all=$list
	if [[ -z ${CTR_CASES:-} ]]; then
		((${#all[@]})) && printf '%s\n' "${all[@]}"
		return 0
	fi
	for c in $CTR_CASES; do
		[[ " ${all[*]} " == *" $c "* ]] && echo "$c"
	done
	return 0
}

# mode_skip_reason: why the mode cannot run here; nothing when it can.
mode_skip_reason() {
	if [[ $(id -u) != 0 ]]; then
		echo "must run as root (it also switches to $user)"
	elif [[ $mode == rootless ]] && ! id -u "$user" >/dev/null 2>&1; then
		echo "no user $user (tools/setup creates it)"
	elif [[ ! -x $ctrrun ]]; then
		echo "no ctrrun at $ctrrun"
	elif declare -F extra_skip_reason >/dev/null && [[ -n $(extra_skip_reason) ]]; then
		extra_skip_reason
	elif ! "${AS[@]}" test -x "$ctrrun"; then
		echo "$user cannot run $ctrrun"
	fi
}

# run_mode: the import line and one line per case of $mode.
run_mode() {
	local c skip selected
	mapfile -t selected < <(mode_cases "$mode")
	setup_mode_vars
	skip=$(mode_skip_reason)
	if [[ -n $skip ]]; then
		skip_reason=$skip; report "$mode: $import_case"
		for c in "${selected[@]}"; do skip_reason=$skip; report "$mode: ${c#case_}"; done
		return
	fi
	mkdir -p "$M" "$V"
	mkdir -m 0700 "$M/run"
	[[ $mode == rootless ]] && chown "$user:" "$M" "$V" "$M/run"
	mode_mounts=$(host_mounts)
	if declare -F begin_mode >/dev/null; then begin_mode; fi

	if import_images; then
		report "$mode: $import_case"
	else
		fail "import failed"; show_last
		report "$mode: $import_case"
		for c in "${selected[@]}"; do fail "no image"; report "$mode: ${c#case_}"; done
		return
	fi
	for c in "${selected[@]}"; do
		"$c"
		report "$mode: ${c#case_}"
	done
}

# run_all NAME: the whole test: the plan, the temp dir
# /tmp/ctrrun-NAME-test.*, the images, every mode.
run_all() {
	local c total=0
	for c in ${CTR_CASES:-}; do
		declare -F "$c" >/dev/null || { echo "Bail out! CTR_CASES names $c, which is no case here"; exit 1; }
	done
	for mode in "${modes[@]}"; do
		total=$((total + 1 + $(mode_cases "$mode" | wc -l)))
	done
	echo "1..$total"
	make_tmp "$1"
	if ! make_images; then
		for mode in "${modes[@]}"; do
			for ((c = 0; c <= $(mode_cases "$mode" | wc -l); c++)); do
				fail "could not build the test images"; report "$mode: setup"
			done
		done
		exit 1
	fi
	for mode in "${modes[@]}"; do run_mode; done
}
