#!/bin/bash
# TAP test: a container's daemons dying. The /proc view's daemon
# killed with SIGKILL is started again by the monitor, its files put back
# over the container's /proc and its sysinfo listeners handed over, within a
# second; a copy of a view file cached before is not served afterwards. The
# union daemon killed stops the container, and why shows in ps -a, inspect
# and the events. Root and rootless, each with its own state root.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_view_daemon_restarted case_view_cache_not_stale case_union_daemon_dies
)

snapshot() { snapshot_containers; }

make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	mkdir -p "$tmp/probes"
	gcc -static -O2 -Wall -o "$tmp/probes/reread" "$lib_dir/probes/reread.c" || return 1
	chmod -R a+rX "$tmp/probes"
}

# monitor_of NAME / fs_daemon_of NAME: pids recorded in state.db.
monitor_of() { db "select monitor_pid from container_processes p join containers c on c.id = p.container_id where c.name = '$1'"; }
fs_daemon_of() { db "select fs_pid from container_processes p join containers c on c.id = p.container_id where c.name = '$1'"; }
# view_daemon_of NAME: the monitor's `ctrfs proc` child.
view_daemon_of() { pgrep -P "$(monitor_of "$1")" -f 'ctrfs proc' | head -n1; }

# The view's daemon killed: within a second the container's /proc/meminfo
# and sysinfo(2) work again, for exec'd processes and for the container's
# own (its log), with the container's values; an event says so.
case_view_daemon_restarted() {
	local limits=() want=""
	if [[ $mode == root ]]; then limits=(-m 100m); want="MemTotal: 102400 kB"; fi
	capture run -d --name vd "${limits[@]}" busybox sh -c 'while :; do uptime; sleep 0.2; done'
	expect_rc 0
	local old new
	old=$(view_daemon_of vd)
	[[ -n $old ]] || { fail "no view daemon found"; show_last; rm_quiet vd; return; }
	kill -9 "$old"
	sleep 1
	new=$(view_daemon_of vd)
	[[ -n $new && $new != "$old" ]] || fail "no new view daemon a second after the old one was killed"
	capture exec vd sh -c 'head -n1 /proc/meminfo; uptime'
	expect_rc 0
	if [[ -n $want ]]; then
		[[ $(head -n1 <<<"$out" | tr -s ' ') == "$want" ]] || fail "meminfo after the restart: $(head -n1 <<<"$out")"
	fi
	[[ $out == *"up 0 min"* ]] || fail "an exec'd process's sysinfo is not the container's after the restart"
	# The container's own processes: their uptime lines go on after the kill.
	sleep 0.5
	capture logs --tail 2 vd
	local recent=$out
	[[ $recent == *"up 0 min"* && $recent != *"Function not implemented"* ]] ||
		fail "the container's own sysinfo does not work after the restart: $recent"
	[[ $(db "select count(*) from events e join containers c on c.id = e.actor_id
		where c.name = 'vd' and e.action = 'daemon-died' and e.attributes like '%\"restarted\":true%'") == 1 ]] ||
		fail "no daemon-died event saying the view was restarted"
	show_last
	rm_quiet vd
}

# A process that read a view file before the daemon died does not get that
# content back as if it were current (top(1) rereads an open /proc/meminfo).
case_view_cache_not_stale() {
	local d=$V/stale
	rm -rf "$d"
	mkdir -p "$d"
	cp "$tmp/probes/reread" "$d/"
	chmod 0777 "$d"
	own "$d"
	capture run -d --name vs -v "$d:/p" busybox sh -c '/p/reread /proc/meminfo /p/go >/p/out 2>&1'
	expect_rc 0
	local i
	for ((i = 0; i < 100; i++)); do grep -q '^first ' "$d/out" 2>/dev/null && break; sleep 0.05; done
	grep -q '^first [0-9]' "$d/out" || fail "the probe could not read /proc/meminfo: $(cat "$d/out" 2>&1)"
	kill -9 "$(view_daemon_of vs)"
	sleep 0.5
	touch "$d/go"
	for ((i = 0; i < 100; i++)); do [[ $(wc -l <"$d/out") -ge 2 ]] && break; sleep 0.05; done
	local second
	second=$(sed -n 2p "$d/out")
	[[ -n $second && $second != same ]] || fail "after the daemon died, the open file gave '${second:-nothing}' (expected an error, not the cached content)"
	show_last
	rm_quiet vs
}

# The union daemon killed: an idle container is stopped (not left Up with a
# dead root), exit 137 — or 135 when its process touched the dead root first
# and died of the SIGBUS, as the kernel delivers it — and ps -a, inspect and
# an event say why in both cases.
case_union_daemon_dies() {
	capture run -d --name ud busybox sleep 600
	expect_rc 0
	local fs
	fs=$(fs_daemon_of ud)
	[[ -n $fs ]] || { fail "no union daemon recorded"; show_last; rm_quiet ud; return; }
	kill -9 "$fs"
	wait_state ud exited 5 || fail "the container is still $(state_of ud) 5 s after its root's daemon died"
	local code
	code=$(db "select exit_code from containers where name = 'ud'")
	[[ $code == 137 || $code == 135 ]] || fail "exit code is '$code', not 137 or 135 (error: $(db "select error from containers where name = 'ud'"))"
	capture ps -a
	[[ $out == *"daemon died"* ]] || fail "ps -a does not say why it stopped"
	capture inspect ud
	[[ $out == *'"Error": "'*"daemon died"* ]] || fail "inspect's State.Error does not say why it stopped"
	[[ $(db "select count(*) from events e join containers c on c.id = e.actor_id
		where c.name = 'ud' and e.action = 'daemon-died'") == 1 ]] || fail "no daemon-died event"
	show_last
	rm_quiet ud
}

run_all daemons
