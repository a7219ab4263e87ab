#!/bin/bash
# TAP test: attacks from inside a container, as someone who controls the
# container's image or command would try them (issue 12). Each attack is a
# case that must fail to reach the host; every case runs as root and as the
# unprivileged test user, each mode with its own state root. The attackers
# are small static C programs (tests/runner/attacks/) built here.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_exec_ptrace_race
)

# How many `ctrrun exec` the ptrace attacker races against.
exec_rounds=${CTR_EXEC_ROUNDS:-200}

snapshot() { snapshot_containers; }

# ---------------------------------------------------------------- images
# The busybox image, and the attackers built static (the image has no libc).
make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	mkdir -p "$tmp/attacks"
	local src
	for src in "$lib_dir"/attacks/*.c; do
		gcc -static -O2 -Wall -D_GNU_SOURCE -o "$tmp/attacks/$(basename "$src" .c)" "$src" || return 1
	done
	chmod -R a+rX "$tmp/attacks"
}

# attack_dir NAME: a fresh directory, writable by every id of the container,
# holding the attackers; mounted at /atk by the cases.
attack_dir() {
	local d=$V/$1
	rm -rf "$d"
	mkdir -p "$d"
	cp "$tmp"/attacks/* "$d"/
	chmod 0777 "$d"
	own "$d"
	echo "$d"
}

# wait_file FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN.
wait_file() {
	local i
	for ((i = 0; i < ${3:-20} * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ---------------------------------------------------------------- cases
# A process in the container races PTRACE_SEIZE against every process that
# `ctrrun exec` starts and opens /proc/PID/fd/* and /proc/PID/exe while it
# can: nothing of the host may be reachable (state.db and its WAL, the
# user's stdio, ctrrun's sockets and pidfds, the ctrrun binary).
case_exec_ptrace_race() {
	local d exe i
	d=$(attack_dir race)
	exe=$(stat -L -c '%d:%i' "$ctrrun")
	capture run -d --name race -v "$d:/atk" busybox /atk/ptrace_race /atk/stop /atk/report "$exe"
	expect_rc 0
	if ! wait_file "$d/report" '^ready'; then
		fail "the attacker did not start"
		show_last
		rm_quiet race
		return
	fi
	# stdout into a host file: it must not reach the container as that file.
	for ((i = 0; i < exec_rounds; i++)); do
		ctr exec race true >"$tmp/exec-out" 2>>"$tmp/exec-err" </dev/null || fail "exec $i failed: $(tail -n1 "$tmp/exec-err")"
	done
	touch "$d/stop"
	wait_file "$d/report" '^pids ' 20 || fail "the attacker did not finish"
	local summary reached pids
	summary=$(grep '^pids ' "$d/report")
	read -r _ pids _ _ _ _ _ reached <<<"$summary"
	[[ $reached == 0 ]] || fail "the attacker reached $reached host objects: $(grep -v '^ready\|^pids' "$d/report" | sort | uniq -c | sort -rn | head -n 8 | tr '\n' ';')"
	# It must have seen every exec'd process, or it proved nothing.
	((${pids:-0} >= exec_rounds)) || fail "the attacker saw only ${pids:-0} of $exec_rounds exec'd processes ($summary)"
	rm_quiet race
}

run_all security
