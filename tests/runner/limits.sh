#!/bin/bash
# TAP test: resource limits (-m, --memory-swap, --cpus, --cpuset-cpus,
# --pids-limit) and the per-container /proc view (ctrfs proc, time namespace)
# of `ctrrun run`, end to end. Root mode uses the host's real cgroups (v1 on
# the CI machine); rootless mode (the user ctrtest, no delegated cgroup) must
# refuse every limit with a reason and still get uptime and host values.
# Each mode has its own state root under a temp dir that is removed at the
# end. Expected values are computed here (from the host's /proc and /sys,
# the flags given, the state database), never taken from the output under
# test.
# Commands for the container's shell are single-quoted on purpose.
# shellcheck disable=SC2016
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
show_out_bytes=3000
# Refusals name flags and reasons in any case ("Cgroup", "delegation").
refusal_ignore_case=1

# Real cgroups are only writable by root here, so the limit cases run as
# root; rootless gets the refusals instead. Both then run the cases of the
# /proc view without limits and of bad input. (run_all reads cases_MODE.)
cases_both=(
	case_host_values_without_limits case_uptime_starts_near_zero
	case_uptime_advances case_loadavg_own case_proc_view_off
	case_bad_memory_too_small case_bad_memory_not_a_size case_bad_cpus_negative
	case_bad_cpus_too_many case_bad_cpuset_offline case_bad_pids_not_a_number
	case_bad_swap_without_memory
	case_nothing_left
)
# shellcheck disable=SC2034
cases_root=(
	case_meminfo_limit case_free_shows_limit case_cpuset_one_cpu
	case_cpuset_renumbered case_cpus_quota_view case_oom_killed
	case_oom_not_killed case_pids_fork_bomb case_cpu_quota_enforced
	case_cgroups_nested_and_removed case_cgroup_gone_after_exit
	case_daemons_outside_cgroup case_exec_joins_cgroup
	"${cases_both[@]}"
)
# shellcheck disable=SC2034
cases_rootless=(
	case_rootless_refuses_memory case_rootless_refuses_memory_swap
	case_rootless_refuses_cpus case_rootless_refuses_cpuset
	case_rootless_refuses_pids
	"${cases_both[@]}"
)

# ---------------------------------------------------------------- helpers
# Ids of the containers this test made, so that leftover cgroups can be told
# from those of other ctrrun users on the host.
ours=()

# cgroup dirs of one container (ctrrun names them ctrrun-<short id>).
cgroup_dirs_of() { find /sys/fs/cgroup -maxdepth 8 -type d -name "ctrrun-${1:0:12}" 2>/dev/null; }
all_ctrrun_cgroups() { find /sys/fs/cgroup -maxdepth 8 -type d -name 'ctrrun-*' 2>/dev/null | sort; }
# Whatever cgroup of ours is still there after ctrrun rm -f: end its
# processes (they are ours) and remove it, deepest first.
cleanup_extra() {
	local id d
	for id in "${ours[@]}"; do
		for d in $(cgroup_dirs_of "$id" | sort -r); do
			xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
			sleep 0.2
			rmdir "$d" 2>/dev/null
		done
	done
}

# run_named NAME ARGS...: `ctrrun run --name NAME ARGS...` (not --rm, so the
# id stays known for the cgroup checks); the id goes to cid and to ours.
run_named() {
	local name=$1
	shift
	capture run --name "$name" "$@"
	cid=$(container_id "$name")
	[[ -n $cid ]] && ours+=("$cid")
}

# float_ok EXPR: awk evaluates a comparison of decimal numbers.
float_ok() { awk "BEGIN { exit !($1) }"; }

# start_detached NAME ARGS...: `run -d`, then waits until it runs; sets cid,
# init (host pid of the container's init) and cg_json rows "controller|dir".
start_detached() {
	local name=$1
	shift
	capture run -d --name "$name" "$@"
	cid=$(container_id "$name")
	[[ -n $cid ]] && ours+=("$cid")
	init="" cgroups=""
	[[ $rc == 0 && -n $cid ]] || { fail "run -d failed"; return 1; }
	wait_running "$name" || { fail "container $name never ran"; return 1; }
	init=$(db "select pid from containers where id='$cid'")
	cgroups=$(db "select j.key || '|' || j.value from container_resources r, json_each(r.cgroup) j where r.container_id='$cid'")
	return 0
}
# cgroup_of CONTROLLER: the container's dir for it (from cgroups).
cgroup_of() { awk -F'|' -v c="$1" '$1 == c { print $2 }' <<<"$cgroups"; }

# in_procs PID DIR: PID is a member of the cgroup DIR.
in_procs() { grep -qx "$1" "$2/cgroup.procs" 2>/dev/null; }

# host_cgroup_path PID CONTROLLER: the path of PID in the hierarchy of the
# controller (the v1 line whose controller list names it, a named one as
# "name=systemd", or "unified" for the v2 line).
host_cgroup_path() {
	awk -F: -v c="$2" 'c == "unified" { if ($2 == "") print $3; next }
		{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup"
}
# cgroup_mount CONTROLLER: where its hierarchy is mounted (as above).
cgroup_mount() {
	awk -v c="$1" 'c == "unified" && $3 == "cgroup2" { print $2; exit }
		$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $2; exit } }' /proc/self/mounts
}

# What a refused command must leave unchanged: container rows, container
# dirs, mounts of ctrrun's, cgroups named by ctrrun.
snapshot() {
	snapshot_containers
	echo "cgroups:"; all_ctrrun_cgroups
}

# outdir NAME: a fresh dir under the volume dir for a container to write
# its findings into (the mode's user owns it; the container's root is that
# user on the host).
outdir() {
	local d=$V/$1
	rm -rf "$d"
	mkdir -p "$d"
	own "$d"
	echo "$d"
}

# meminfo_kb FILE FIELD: the value of "FIELD:   N kB".
meminfo_kb() { awk -v f="$2:" '$1 == f { print $2 }' "$1"; }

# The CPUs online on the host, as a list of numbers.
online_cpus() {
	local part a b
	IFS=, read -ra parts </sys/devices/system/cpu/online
	for part in "${parts[@]}"; do
		a=${part%-*} b=${part#*-}
		seq "$a" "$b"
	done
}
host_nproc=$(nproc)

# ---------------------------------------------------------------- /proc view with limits (root)

# -m 256m: meminfo's MemTotal is the limit, the free figures fit in it; the
# cgroup is gone once the container has exited.
case_meminfo_limit() {
	local d
	d=$(outdir meminfo)
	run_named mem256 -m 256m -v "$d:/out" busybox sh -c 'cat /proc/meminfo >/out/meminfo'
	expect_rc 0
	local total free avail
	total=$(meminfo_kb "$d/meminfo" MemTotal)
	free=$(meminfo_kb "$d/meminfo" MemFree)
	avail=$(meminfo_kb "$d/meminfo" MemAvailable)
	[[ $(grep '^MemTotal:' "$d/meminfo") =~ ^MemTotal:\ +$((256 * 1024))\ kB$ ]] ||
		fail "MemTotal line '$(grep '^MemTotal:' "$d/meminfo")', expected $((256 * 1024)) kB"
	[[ -n $free && $free -gt 0 && $free -le ${total:-0} ]] || fail "MemFree '$free' is not in 1..MemTotal ($total)"
	[[ -n $avail && $avail -le ${total:-0} ]] || fail "MemAvailable '$avail' is above MemTotal ($total)"
	out=$(head -5 "$d/meminfo")
	show_last
	rm_quiet mem256
}

# The README's example: busybox free (sysinfo(2), not meminfo),
# nproc, uptime and the head of /proc/stat show a 256 MiB one-CPU machine
# that booted moments ago.
case_free_shows_limit() {
	run_named donewhen -m 256m --cpuset-cpus 0 busybox sh -c 'free; nproc; uptime; head -3 /proc/stat'
	expect_rc 0
	local mem nproc_line up l1 l2 l3
	mem=$(awk '$1 == "Mem:" { print $2 }' <<<"$out")
	[[ $mem == $((256 * 1024)) ]] || fail "free's Mem total is '$mem', expected $((256 * 1024)) (kB)"
	nproc_line=$(sed -n '4p' <<<"$out")
	[[ $nproc_line == 1 ]] || fail "nproc printed '$nproc_line', expected 1"
	up=$(sed -n '5p' <<<"$out")
	[[ $up =~ \ up\ +0\ min, ]] || fail "uptime line '$up' does not say 'up 0 min'"
	l1=$(sed -n '6p' <<<"$out") l2=$(sed -n '7p' <<<"$out") l3=$(sed -n '8p' <<<"$out")
	[[ $l1 == "cpu "* && $l2 == "cpu0 "* && $l3 != cpu* ]] ||
		fail "/proc/stat starts '${l1%% *}', '${l2%% *}', '${l3%% *}', expected cpu, cpu0, then no cpu line"
	show_last
	rm_quiet donewhen
}

# cpuset_view_checks DIR: the findings of cpuset_script show exactly one
# CPU, numbered 0.
cpuset_script='nproc >/out/nproc; cat /proc/cpuinfo >/out/cpuinfo; cat /proc/stat >/out/stat; cat /sys/devices/system/cpu/online >/out/online'
cpuset_view_checks() {
	local d=$1 procs names
	[[ $(<"$d/nproc") == 1 ]] || fail "nproc says '$(<"$d/nproc")', expected 1"
	procs=$(grep '^processor' "$d/cpuinfo" | tr -s '\t ' ' ' | paste -sd, -)
	[[ $procs == "processor : 0" ]] || fail "cpuinfo's processor lines: '$procs', expected one, 'processor : 0'"
	names=$(awk '/^cpu/ { print $1 }' "$d/stat" | paste -sd' ' -)
	[[ $names == "cpu cpu0" ]] || fail "/proc/stat cpu lines: '$names', expected 'cpu cpu0'"
	[[ $(<"$d/online") == 0 ]] || fail "cpu/online says '$(<"$d/online")', expected 0"
}

# --cpuset-cpus 0: nproc (affinity), cpuinfo, stat and cpu/online all show
# one CPU.
case_cpuset_one_cpu() {
	local d
	d=$(outdir cpuset0)
	run_named cpuset0 --cpuset-cpus 0 -v "$d:/out" busybox sh -c "$cpuset_script"
	expect_rc 0
	[[ $rc == 0 ]] && cpuset_view_checks "$d"
	show_last
	rm_quiet cpuset0
}

# --cpuset-cpus <the host's last CPU>: it is CPU 0 inside (renumbered, as
# docs/ctrrun.1 says).
case_cpuset_renumbered() {
	local last
	last=$(online_cpus | tail -n1)
	if [[ $last == 0 ]]; then skip_reason="the host has one CPU online"; return; fi
	local d
	d=$(outdir cpuset_last)
	run_named cpusetlast --cpuset-cpus "$last" -v "$d:/out" busybox sh -c "$cpuset_script"
	expect_rc 0
	[[ $rc == 0 ]] && cpuset_view_checks "$d"
	show_last
	rm_quiet cpusetlast
}

# --cpus: cpuinfo shows ceil(quota) CPUs, nproc (affinity) the host's
# count, as docker.
case_cpus_quota_view() {
	local d count
	d=$(outdir cpus_half)
	run_named cpushalf --cpus 0.5 -v "$d:/out" busybox sh -c "$cpuset_script"
	expect_rc 0
	if [[ $rc == 0 ]]; then
		count=$(grep -c '^processor' "$d/cpuinfo")
		[[ $count == 1 ]] || fail "--cpus 0.5: cpuinfo lists $count processors, expected 1 (ceil 0.5)"
		[[ $(<"$d/nproc") == "$host_nproc" ]] || fail "--cpus 0.5: nproc says '$(<"$d/nproc")', expected the host's $host_nproc"
		[[ $(<"$d/online") == 0 ]] || fail "--cpus 0.5: cpu/online says '$(<"$d/online")', expected 0"
	fi
	show_last
	rm_quiet cpushalf
	# ceil(1.5) = 2, where the host has 2 CPUs to show.
	if ((host_nproc >= 2)); then
		d=$(outdir cpus_one_half)
		run_named cpus15 --cpus 1.5 -v "$d:/out" busybox sh -c "$cpuset_script"
		expect_rc 0
		if [[ $rc == 0 ]]; then
			count=$(grep -c '^processor' "$d/cpuinfo")
			[[ $count == 2 ]] || fail "--cpus 1.5: cpuinfo lists $count processors, expected 2 (ceil 1.5)"
			[[ $(<"$d/online") == 0-1 ]] || fail "--cpus 1.5: cpu/online says '$(<"$d/online")', expected 0-1"
		fi
		show_last
		rm_quiet cpus15
	fi
}

# A shell variable of 200 MB (busybox ash keeps command substitution output
# in memory) is more than 64m allows.
alloc_200m='x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}'

inspect_oom() { # NAME: prints true/false as inspect says
	ctr inspect "$1" 2>/dev/null | grep -o '"OOMKilled": *[a-z]*' | awk '{ print $2 }'
}

# -m 64m and 200 MB allocated: the OOM killer ends it, exit 137, inspect's
# State.OOMKilled is true.
case_oom_killed() {
	run_named oom -m 64m busybox sh -c "$alloc_200m"
	expect_rc 137
	[[ $out == *survived* ]] && fail "the allocation survived a 64m limit"
	local says recorded
	says=$(inspect_oom oom)
	recorded=$(db "select oom_killed from container_resources where container_id='$cid'")
	[[ $says == true ]] || fail "inspect says OOMKilled '$says', expected true (state.db container_resources.oom_killed = '$recorded')"
	show_last
	rm_quiet oom
}

# The same limit with 10 MB: no OOM kill, and inspect says so (OOMKilled
# is not simply always true).
case_oom_not_killed() {
	run_named nooom -m 64m busybox sh -c 'x=$(head -c 10000000 /dev/zero | tr "\0" a); echo ${#x}'
	expect_rc 0
	[[ $out == 10000000 ]] || fail "stdout '$out', expected 10000000"
	local says
	says=$(inspect_oom nooom)
	[[ $says == false ]] || fail "inspect says OOMKilled '$says', expected false"
	show_last
	rm_quiet nooom
}

# --pids-limit 20 against 100 background sleeps: forks fail, at most 20
# tasks exist. The forking is done by a child shell (ash exits when a fork
# fails); the init counts its pid namespace's tasks with builtins only, since
# it cannot fork either. All tasks, not only those named sleep: a child may
# not have exec'd sleep yet when they are counted.
case_pids_fork_bomb() {
	local script='sh -c "for i in \$(seq 1 100); do sleep 30 & done"
echo "bomb exit $?"
n=0
for p in /proc/[0-9]*; do
	[ -r "$p/comm" ] && n=$((n + 1))
done
echo "tasks $n"'
	local t0=$SECONDS
	run_named bomb --pids-limit 20 busybox sh -c "$script"
	expect_rc 0
	[[ $err == *"can't fork"* || $err == *"Resource temporarily unavailable"* ]] ||
		fail "no fork failed (stderr has no \"can't fork\")"
	[[ $out == *"bomb exit 0"* ]] && fail "the fork loop ran to its end"
	local count
	count=$(awk '$1 == "tasks" { print $2 }' <<<"$out")
	# The init and at least one sleep; at most the limit.
	[[ -n $count && $count -ge 2 && $count -le 20 ]] || fail "tasks in the container: '$count', expected 2..20"
	# The pid namespace dies with the init, so the sleeps go at once.
	((SECONDS - t0 < 25)) || fail "the container took $((SECONDS - t0)) s to end"
	show_last
	rm_quiet bomb
}

# --cpus 0.5: a busy loop gets 0.35..0.65 CPU seconds per wall second,
# measured from the container's cpuacct cgroup (or its init's utime+stime).
case_cpu_quota_enforced() {
	if ! start_detached busy --cpus 0.5 busybox sh -c 'while :; do :; done'; then
		show_last; rm_quiet busy; return
	fi
	local acct a b t0 t1 ratio hz
	acct=$(cgroup_of cpuacct)
	sleep 0.5 # past the start, into the steady state
	if [[ -n $acct && -r $acct/cpuacct.usage ]]; then
		a=$(<"$acct/cpuacct.usage") t0=$(date +%s%N)
		sleep 3
		b=$(<"$acct/cpuacct.usage") t1=$(date +%s%N)
		ratio=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", (b - a) / (t1 - t0) }')
	else
		hz=$(getconf CLK_TCK)
		a=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$init/stat") t0=$(date +%s%N)
		sleep 3
		b=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$init/stat") t1=$(date +%s%N)
		ratio=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz / ((t1 - t0) / 1e9) }')
	fi
	float_ok "$ratio >= 0.35 && $ratio <= 0.65" || fail "the busy loop used $ratio CPU s per wall s, expected 0.35..0.65 (cgroup: ${acct:-none, from /proc/$init/stat})"
	show_last
	rm_quiet busy
}

# Each container cgroup is a child of the cgroup ctrrun runs in (the same as
# this shell's, for each controller), holds the init, and goes with rm -f.
case_cgroups_nested_and_removed() {
	if ! start_detached nest -m 64m --cpus 1 --cpuset-cpus 0 --pids-limit 50 busybox sleep 300; then
		show_last; rm_quiet nest; return
	fi
	local c dir want
	for c in memory cpu cpuset pids; do
		[[ -n $(cgroup_of $c) ]] || fail "no $c cgroup recorded in state.db (cgroup: $(tr '\n' ' ' <<<"$cgroups"))"
	done
	while IFS='|' read -r c dir; do
		[[ -n $c ]] || continue
		want=$(cgroup_mount "$c")$(host_cgroup_path $$ "$c")
		[[ $(readlink -f "$(dirname "$dir")") == "$(readlink -f "$want")" ]] ||
			fail "$c cgroup $dir is not a child of this shell's $want"
		[[ $(basename "$dir") == "ctrrun-${cid:0:12}" ]] || fail "$c cgroup $dir is not named ctrrun-${cid:0:12}"
		in_procs "$init" "$dir" || fail "init $init is not in $dir/cgroup.procs"
	done <<<"$cgroups"
	out=$cgroups
	rm_quiet nest
	local left
	left=$(cgroup_dirs_of "$cid")
	[[ -z $left ]] || fail "cgroups left after rm -f: $(tr '\n' ' ' <<<"$left")"
	show_last
}

# A foreground container's cgroups go when it exits, before any rm.
case_cgroup_gone_after_exit() {
	run_named exited -m 64m --pids-limit 50 --cpus 1 busybox sh -c 'cat /proc/self/cgroup'
	expect_rc 0
	local left
	left=$(cgroup_dirs_of "$cid")
	[[ -z $left ]] || fail "cgroups left after the container exited: $(tr '\n' ' ' <<<"$left")"
	local recorded
	recorded=$(db "select ifnull(cgroup, '') from container_resources where container_id='$cid'")
	[[ -z $recorded ]] || fail "state.db still names cgroups of the exited container: $recorded"
	show_last
	rm_quiet exited
}

# The monitor and both ctrfs daemons (union and proc view) stay outside the
# container's cgroups: not members, and other paths in /proc/PID/cgroup.
case_daemons_outside_cgroup() {
	if ! start_detached daemons -m 64m --cpus 1 --pids-limit 50 busybox sleep 300; then
		show_last; rm_quiet daemons; return
	fi
	local mon fs others p c dir
	mon=$(db "select monitor_pid from container_processes where container_id='$cid'")
	fs=$(db "select fs_pid from container_processes where container_id='$cid'")
	others=$(pgrep -P "$mon" -x ctrfs 2>/dev/null | paste -sd' ' -)
	[[ -n $mon && -n $fs ]] || fail "state.db names no monitor ('$mon') or ctrfs daemon ('$fs')"
	# Two ctrfs daemons (union, proc view) or one serving both.
	[[ -n $others ]] || fail "no ctrfs daemon among the monitor's ($mon) children"
	# shellcheck disable=SC2086 # others is a list of pids
	for p in $(printf "%s\n" "$mon" "$fs" $others | sort -un); do
		[[ -d /proc/$p ]] || { fail "daemon $p is not running"; continue; }
		while IFS='|' read -r c dir; do
			[[ -n $c ]] || continue
			in_procs "$p" "$dir" && fail "$(cat "/proc/$p/comm") $p is in the container's $c cgroup $dir"
			[[ $(host_cgroup_path "$p" "$c") == "$(host_cgroup_path "$init" "$c")" ]] &&
				fail "$(cat "/proc/$p/comm") $p has the init's $c cgroup $(host_cgroup_path "$p" "$c")"
		done <<<"$cgroups"
	done
	last="run -d --name daemons -m 64m --cpus 1 --pids-limit 50 busybox sleep 300; monitor $mon, ctrfs $fs $others"
	show_last
	rm_quiet daemons
}

# exec into a limited container joins its cgroups: inside, the cgroup
# namespace shows them as "/"; on the host, the exec'd process is a member.
case_exec_joins_cgroup() {
	if ! start_detached execcg -m 64m --pids-limit 50 busybox sleep 300; then
		show_last; rm_quiet execcg; return
	fi
	capture exec execcg cat /proc/self/cgroup
	expect_rc 0
	local c path
	for c in memory pids; do
		path=$(awk -F: -v c="$c" '$2 == c { print $3 }' <<<"$out")
		[[ $path == / ]] || fail "inside, exec's $c cgroup is '$path', expected /"
	done
	show_last
	# A sleep with a number no one else uses, to find it on the host.
	local secs=$((40000 + RANDOM)) pid="" i bg
	(exec timeout -k 5 "$tmo" "${CTR[@]}" exec execcg sleep "$secs" >/dev/null 2>&1 </dev/null) &
	bg=$!
	bg_pids+=("$bg")
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -f "^sleep $secs\$" | head -n1)
		[[ -n $pid ]] && break
		sleep 0.05
	done
	last="ctrrun exec execcg sleep $secs (host pid '$pid')"
	rc="" out="" err=""
	if [[ -z $pid ]]; then
		fail "the exec'd sleep $secs never appeared on the host"
	else
		for c in memory pids; do
			in_procs "$pid" "$(cgroup_of $c)" ||
				fail "exec'd pid $pid is not in $(cgroup_of $c)/cgroup.procs; its cgroups: $(grep -E ":$c:" "/proc/$pid/cgroup")"
		done
	fi
	show_last
	rm_quiet execcg
	kill "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
}

# ---------------------------------------------------------------- /proc view without limits (both)

# same_bytes A B: the contents are equal. Through pipes, since cmp and diff
# call regular files of different st_size different without reading them,
# and /proc and /sys files report a size of 0 or 4096.
same_bytes() { cmp -s <(cat "$1") <(cat "$2"); }

# No limits: cpuinfo, swaps and cpu/online are the host's bytes; meminfo's
# totals, stat's cpu lines and diskstats' devices are the host's.
case_host_values_without_limits() {
	local d
	d=$(outdir hostvals)
	capture run --rm -v "$d:/out" busybox sh -c \
		'for f in meminfo cpuinfo stat swaps diskstats; do cat /proc/$f >/out/$f; done; cat /sys/devices/system/cpu/online >/out/online'
	expect_rc 0
	if [[ $rc == 0 ]]; then
		same_bytes "$d/cpuinfo" /proc/cpuinfo || fail "cpuinfo differs from the host's: $(diff "$d/cpuinfo" /proc/cpuinfo | head -4 | tr '\n' ' ')"
		same_bytes "$d/swaps" /proc/swaps || fail "swaps differs from the host's: $(diff "$d/swaps" /proc/swaps | tr '\n' ' ')"
		same_bytes "$d/online" /sys/devices/system/cpu/online || fail "cpu/online '$(<"$d/online")', host '$(</sys/devices/system/cpu/online)'"
		local f
		for f in MemTotal SwapTotal; do
			[[ $(grep "^$f:" "$d/meminfo") == "$(grep "^$f:" /proc/meminfo)" ]] ||
				fail "meminfo '$(grep "^$f:" "$d/meminfo")', host '$(grep "^$f:" /proc/meminfo)'"
		done
		[[ $(cut -d: -f1 "$d/meminfo") == "$(cut -d: -f1 /proc/meminfo)" ]] || fail "meminfo's field names differ from the host's"
		[[ $(awk '/^cpu/ { print $1 }' "$d/stat") == "$(awk '/^cpu/ { print $1 }' /proc/stat)" ]] ||
			fail "stat's cpu lines '$(awk '/^cpu/ { print $1 }' "$d/stat" | paste -sd' ')', host '$(awk '/^cpu/ { print $1 }' /proc/stat | paste -sd' ')'"
		[[ $(awk '{ print $3 }' "$d/diskstats") == "$(awk '{ print $3 }' /proc/diskstats)" ]] ||
			fail "diskstats' devices differ from the host's"
	fi
	show_last
}

# A time namespace: uptime starts near 0 and the init's start time (field
# 22 of /proc/1/stat, in ticks) is within it, so ps's ages stay sane.
case_uptime_starts_near_zero() {
	capture run --rm busybox sh -c 'cat /proc/uptime; cut -d" " -f22 /proc/1/stat'
	expect_rc 0
	local up ticks hz host_up
	up=$(sed -n '1p' <<<"$out" | cut -d' ' -f1)
	ticks=$(sed -n '2p' <<<"$out")
	hz=$(getconf CLK_TCK)
	host_up=$(cut -d' ' -f1 /proc/uptime)
	if [[ ! $up =~ ^[0-9]+\.[0-9]+$ || ! $ticks =~ ^[0-9]+$ ]]; then
		fail "unexpected output"
	else
		float_ok "$up < 5" || fail "uptime $up s at the start (host: $host_up s), expected < 5"
		float_ok "$ticks / $hz <= $up" || fail "init started at $ticks ticks = $(awk "BEGIN { print $ticks / $hz }") s, after the uptime $up s (ps etime would be negative)"
	fi
	show_last
}

# sleep 3: the container's uptime grows by about 3 s.
case_uptime_advances() {
	capture run --rm busybox sh -c 'cut -d" " -f1 /proc/uptime; sleep 3; cut -d" " -f1 /proc/uptime'
	expect_rc 0
	local a b
	a=$(sed -n '1p' <<<"$out") b=$(sed -n '2p' <<<"$out")
	if [[ ! $a =~ ^[0-9]+\.[0-9]+$ || ! $b =~ ^[0-9]+\.[0-9]+$ ]]; then
		fail "unexpected output"
	else
		float_ok "$b - $a >= 2.9 && $b - $a <= 4.5" || fail "uptime went from $a to $b over a sleep 3"
		float_ok "$b < 10" || fail "uptime $b after a sleep 3 in a new container"
	fi
	show_last
}

# loadavg is the container's: five fields in the kernel's format; its tasks
# (init, three sleeps, the reader) and last pid are those of its pid
# namespace, small numbers.
case_loadavg_own() {
	capture run --rm busybox sh -c 'sleep 20 & sleep 20 & sleep 20 & sleep 0.5; cat /proc/loadavg; kill %1 %2 %3'
	expect_rc 0
	local re='^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} ([0-9]+)/([0-9]+) ([0-9]+)$'
	if [[ ! $out =~ $re ]]; then
		fail "loadavg '$out' does not have the kernel's five fields"
	else
		local running=${BASH_REMATCH[1]} tasks=${BASH_REMATCH[2]} last_pid=${BASH_REMATCH[3]}
		((tasks >= 4 && tasks <= 20)) || fail "total tasks $tasks, expected 4..20 (init, 3 sleeps, cat)"
		((running <= tasks)) || fail "running $running > total $tasks"
		((last_pid >= 4 && last_pid < 1000)) || fail "last_pid $last_pid, expected a container pid 4..999 (host's last pid: $(cut -d' ' -f5 /proc/loadavg))"
	fi
	show_last
}

# --proc-view=off: no ctrfs-proc mount, the real meminfo (as root even
# under -m 256m, whose limit the view would show); the default has them.
case_proc_view_off() {
	local limit=()
	[[ $mode == root ]] && limit=(-m 256m)
	run_named viewoff "${limit[@]}" --proc-view=off busybox sh -c 'grep "^MemTotal:" /proc/meminfo; grep -c "fuse.ctrfs-proc" /proc/self/mountinfo; true'
	expect_rc 0
	[[ $(sed -n '1p' <<<"$out") == "$(grep '^MemTotal:' /proc/meminfo)" ]] ||
		fail "MemTotal '$(sed -n '1p' <<<"$out")', expected the host's '$(grep '^MemTotal:' /proc/meminfo)'"
	[[ $(sed -n '2p' <<<"$out") == 0 ]] || fail "$(sed -n '2p' <<<"$out") fuse.ctrfs-proc mounts inside, expected none"
	show_last
	rm_quiet viewoff
	# The control: without the flag, the view is mounted.
	capture run --rm busybox grep -c fuse.ctrfs-proc /proc/self/mountinfo
	[[ $out =~ ^[0-9]+$ && $out -ge 7 ]] || fail "by default $out fuse.ctrfs-proc mounts inside, expected 7 (meminfo cpuinfo stat loadavg swaps diskstats cpu/online)"
	show_last
}

# ---------------------------------------------------------------- bad input (both)

case_bad_memory_too_small() { expect_refusal "-m|1k" run --rm -m 1k busybox true; }
case_bad_memory_not_a_size() { expect_refusal "-m|abc" run --rm -m abc busybox true; }
# --cpus 0 is "no limit" as in docker; a negative count is refused.
case_bad_cpus_negative() { expect_refusal "--cpus" run --rm --cpus -1 busybox true; }
case_bad_cpus_too_many() {
	local many=$((host_nproc + 1))
	((many < 99)) && many=99
	expect_refusal "--cpus|$many" run --rm --cpus "$many" busybox true
}
case_bad_cpuset_offline() {
	# 7 as in the brief, unless the host has it online: then one past the last.
	local cpu=7
	online_cpus | grep -qx 7 && cpu=$(($(online_cpus | tail -n1) + 1))
	expect_refusal "--cpuset-cpus|$cpu" run --rm --cpuset-cpus "$cpu" busybox true
}
case_bad_pids_not_a_number() { expect_refusal "--pids-limit" run --rm --pids-limit x busybox true; }
case_bad_swap_without_memory() { expect_refusal "--memory-swap" run --rm --memory-swap 10m busybox true; }

# ---------------------------------------------------------------- rootless refusals
# Without a delegated cgroup v2 subtree a plain user cannot limit anything
# here: the error names the flag, says why (cgroup) and how (delegation).
case_rootless_refuses_memory() { expect_refusal "--memory|cgroup|delegat" run --rm -m 64m busybox true; }
case_rootless_refuses_memory_swap() { expect_refusal "--memory|cgroup|delegat" run --rm -m 64m --memory-swap 128m busybox true; }
case_rootless_refuses_cpus() { expect_refusal "--cpus|cgroup|delegat" run --rm --cpus 0.5 busybox true; }
case_rootless_refuses_cpuset() { expect_refusal "--cpuset-cpus|cgroup|delegat" run --rm --cpuset-cpus 0 busybox true; }
case_rootless_refuses_pids() { expect_refusal "--pids-limit|cgroup|delegat" run --rm --pids-limit 20 busybox true; }

# ---------------------------------------------------------------- end of mode
# No cgroup of any container of ours, no process using the state root, no
# mount under it.
case_nothing_left() {
	local id left=""
	for id in "${ours[@]}"; do left+=$(cgroup_dirs_of "$id"); done
	[[ -z $left ]] || fail "cgroups left: $(tr '\n' ' ' <<<"$left")"
	expect_mode_mounts_unchanged
	expect_no_process_using "$R"
	local rows
	rows=$(db "select name from containers")
	[[ -z $rows ]] || fail "containers left: $(tr '\n' ' ' <<<"$rows")"
}

run_all limits
