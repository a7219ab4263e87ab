#!/bin/bash
# TAP test (root): `ctrfs proc`, the per-container /proc view.
#  - with no limits every file but loadavg is the host's, byte for byte;
#  - a v1 memory cgroup limited to 256 MiB and a cpuset of CPU 0 show as a
#    256 MiB, one-CPU machine in meminfo, free(1), cpuinfo, stat, cpu-online;
#  - a cgroup that disappears gives host values, not I/O errors;
#  - bad input (a pid that does not exist, a cgroup outside /sys/fs/cgroup,
#    a busy mount point) is refused with one clear line and mounts nothing.
# Everything mounted, started or created here is undone on exit.
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}

n=0 failed=0
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
# nok NAME DIAGNOSTIC...: every diagnostic line is printed as a TAP comment.
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

files=(meminfo cpuinfo stat swaps diskstats)
plan=20
echo "1..$plan"

if [[ $(id -u) -ne 0 ]]; then
	for ((i = 1; i <= plan; i++)); do skip "proc view case $i" "needs root (cgroups, allow_other)"; done
	exit 0
fi
if [[ ! -x $ctrfs ]]; then
	for ((i = 1; i <= plan; i++)); do nok "ctrfs binary exists" "$ctrfs is not executable"; done
	exit 1
fi

base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-proc-view.XXXXXX")
mnt=$base/mnt
mkdir "$mnt"
cg=ctr-test-$$
sleeper=""

mounts_under() { awk -v b="$base" 'index($5, b) == 1 { print $5 }' /proc/self/mountinfo; }
cleanup() {
	local m c
	for m in $(mounts_under | sort -r); do timeout 10 umount "$m" 2>/dev/null || umount -l "$m"; done
	if [[ -n $sleeper ]]; then kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null; fi
	for c in memory cpuset; do [[ -d /sys/fs/cgroup/$c/$cg ]] && rmdir "/sys/fs/cgroup/$c/$cg"; done
	rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_view ARGS...: mounts the view on $mnt and waits for it to answer.
mount_view() {
	timeout 20 "$ctrfs" proc "$@" "$mnt" </dev/null || return 1
	for ((i = 0; i < 50; i++)); do [[ -r $mnt/meminfo ]] && return 0; sleep 0.1; done
	return 1
}
unmount_view() { timeout 10 umount "$mnt" 2>/dev/null || umount -l "$mnt"; }

# same_as_host FILE HOSTPATH: the view's file equals the host's. Both change
# all the time (free memory, CPU ticks), so each try waits out the view's
# 100 ms staleness and reads both back to back without forking; one equal
# pair passes. A view that served stale pages would never match stat.
same_as_host() {
	local v h try
	for ((try = 0; try < 80; try++)); do
		sleep 0.11
		IFS= read -rd '' v <"$mnt/$1"
		IFS= read -rd '' h <"$2"
		[[ -n $v && $v == "$h" ]] && return 0
	done
	# meminfo moves all the time; on a busy machine (or under a sanitizer,
	# which slows the daemon) an exact match may never come. Then: the same
	# fields in the same order, the sizes that do not move (totals, huge
	# pages, DirectMap) equal, and every other value between two host reads
	# made around the view's, give or take 2% and 2 MiB.
	if [[ $1 == meminfo ]] && meminfo_close_to_host; then
		return 0
	fi
	diff <(printf '%s' "$v") <(printf '%s' "$h") | head -6 | sed 's/^/  /'
	return 1
}

meminfo_close_to_host() {
	sleep 0.11
	cat /proc/meminfo >"$base/m1"; cat "$mnt/meminfo" >"$base/mv"; cat /proc/meminfo >"$base/m2"
	awk '
		FNR == 1 { f++ }
		{ name[f, FNR] = $1; val[f, FNR] = $2; unit[f, FNR] = $3; lines[f] = FNR }
		END {
			if (lines[1] != lines[2] || lines[2] != lines[3]) { print "  line counts differ"; exit 1 }
			for (i = 1; i <= lines[2]; i++) {
				if (name[1, i] != name[2, i] || name[2, i] != name[3, i] || unit[1, i] != unit[2, i]) {
					print "  line " i ": " name[2, i] " vs " name[1, i]; exit 1
				}
				lo = val[1, i] < val[3, i] ? val[1, i] : val[3, i]
				hi = val[1, i] < val[3, i] ? val[3, i] : val[1, i]
				fixed = name[2, i] ~ /^(MemTotal|SwapTotal|HugePages_Total|Hugepagesize|Hugetlb|CmaTotal|VmallocTotal|DirectMap)/
				if (fixed && val[2, i] != val[1, i]) { print "  " name[2, i] " " val[2, i] " != " val[1, i]; exit 1 }
				if (!fixed && (val[2, i] < lo - lo * 0.02 - 2048 || val[2, i] > hi + hi * 0.02 + 2048)) {
					print "  " name[2, i] " " val[2, i] " outside " lo ".." hi; exit 1
				}
			}
		}' "$base/m1" "$base/mv" "$base/m2"
}

# stat_is_host: the view's stat is the host's. Reading the view costs
# context switches and interrupts, so its ctxt/intr can never equal a host
# read made after it; instead every counter must lie between two host
# reads made around it, every other field (btime, line names, field
# counts) must be equal, and the gauges procs_running/procs_blocked may be
# anything. The view is read after its 100 ms staleness, so it is made now.
stat_is_host() {
	local try out
	for ((try = 0; try < 10; try++)); do
		sleep 0.11
		cat /proc/stat >"$base/h1"; cat "$mnt/stat" >"$base/v"; cat /proc/stat >"$base/h2"
		out=$(awk '
			FNR == 1 { f++ }
			{ nf[f, FNR] = NF; lines[f] = FNR; for (i = 1; i <= NF; i++) v[f, FNR, i] = $i }
			END {
				if (lines[1] != lines[2] || lines[2] != lines[3]) { print "line counts " lines[1] " " lines[2] " " lines[3]; exit 1 }
				for (l = 1; l <= lines[2]; l++) {
					name = v[2, l, 1]
					if (nf[1, l] != nf[2, l] || name != v[1, l, 1]) { print "line " l " differs in layout: " name; exit 1 }
					if (name ~ /^procs_/) continue
					for (i = 2; i <= nf[2, l]; i++) {
						a = v[1, l, i] + 0; x = v[2, l, i] + 0; b = v[3, l, i] + 0
						if (x < a || x > b) { print name " field " i ": " x " not within host " a ".." b; exit 1 }
					}
				}
			}' "$base/h1" "$base/v" "$base/h2") && return 0
	done
	echo "$out"
	return 1
}

# ---- no limits: the host's text ----
if mount_view --pid $$; then
	ok "mounts the view of this shell (--pid $$)"
	for f in "${files[@]}"; do
		if [[ $f == stat ]]; then
			if out=$(stat_is_host); then ok "no limits: stat is the host's (counters between two host reads)"
			else nok "no limits: stat is the host's (counters between two host reads)" "$out"; fi
		elif out=$(same_as_host "$f" "/proc/$f"); then ok "no limits: $f equals /proc/$f byte for byte"
		else nok "no limits: $f equals /proc/$f byte for byte" "$out"; fi
	done
	if out=$(same_as_host cpu-online /sys/devices/system/cpu/online); then
		ok "no limits: cpu-online equals /sys/devices/system/cpu/online"
	else
		nok "no limits: cpu-online equals /sys/devices/system/cpu/online" "$out"
	fi
	la=$(<"$mnt/loadavg")
	if [[ $la =~ ^[0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+/[0-9]+\ [0-9]+$ ]]; then
		ok "loadavg has the kernel's layout ($la)"
	else
		nok "loadavg has the kernel's layout" "got: $la"
	fi
	unmount_view
else
	nok "mounts the view of this shell (--pid $$)" "ctrfs proc --pid $$ $mnt failed"
	for f in "${files[@]}" cpu-online loadavg; do nok "no limits: $f" "not mounted"; done
fi

# ---- a 256 MiB memory cgroup and a cpuset of CPU 0 (cgroup v1) ----
limited_names=("MemTotal is 262144 kB" "free(1) reads a 256 MiB machine" "cpuinfo lists one processor, numbered 0"
	"stat has cpu0 and no other CPU line" "cpu-online is 0" "a removed cgroup reads as the host, not EIO")
if [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/cpuset && ! -e /sys/fs/cgroup/memory/cgroup.controllers ]] &&
	mkdir "/sys/fs/cgroup/memory/$cg" "/sys/fs/cgroup/cpuset/$cg" &&
	echo $((256 * 1024 * 1024)) >"/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes" &&
	cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$cg/cpuset.mems" &&
	echo 0 >"/sys/fs/cgroup/cpuset/$cg/cpuset.cpus"; then
	sleep 300 </dev/null >/dev/null 2>&1 &
	sleeper=$!
	echo "$sleeper" >"/sys/fs/cgroup/memory/$cg/cgroup.procs"
	echo "$sleeper" >"/sys/fs/cgroup/cpuset/$cg/cgroup.procs"
	if mount_view --pid "$sleeper"; then
		ok "mounts the view of a process in the limited cgroups"
		line=$(grep '^MemTotal:' "$mnt/meminfo")
		if [[ $line == "MemTotal:         262144 kB" ]]; then ok "${limited_names[0]}"
		else nok "${limited_names[0]}" "got: $line"; fi
		total=$(unshare -m sh -c "mount --bind '$mnt/meminfo' /proc/meminfo && free -k" 2>&1 | awk '/^Mem:/ { print $2 }')
		if [[ $total == 262144 ]]; then ok "${limited_names[1]}"
		else nok "${limited_names[1]}" "free -k total: '$total'"; fi
		procs=$(grep '^processor' "$mnt/cpuinfo")
		if [[ $(grep -c . <<<"$procs") -eq 1 && $procs =~ ^processor[[:space:]]*:\ 0$ ]]; then ok "${limited_names[2]}"
		else nok "${limited_names[2]}" "processor lines: $procs"; fi
		cpus=$(grep '^cpu' "$mnt/stat" | cut -d' ' -f1 | tr '\n' ' ')
		if [[ $cpus == "cpu cpu0 " ]]; then ok "${limited_names[3]}"
		else nok "${limited_names[3]}" "cpu lines: $cpus"; fi
		online=$(<"$mnt/cpu-online")
		if [[ $online == 0 ]]; then ok "${limited_names[4]}"
		else nok "${limited_names[4]}" "cpu-online: $online"; fi

		# The container ends and its cgroups go; the view is still mounted.
		kill "$sleeper"; wait "$sleeper" 2>/dev/null; sleeper=""
		rmdir "/sys/fs/cgroup/memory/$cg" "/sys/fs/cgroup/cpuset/$cg"
		sleep 0.15
		got=$(grep '^MemTotal:' "$mnt/meminfo" 2>&1); rc=$?
		want=$(grep '^MemTotal:' /proc/meminfo)
		if [[ $rc -eq 0 && $got == "$want" ]] && cat "$mnt/stat" "$mnt/cpuinfo" >/dev/null 2>&1; then
			ok "${limited_names[5]}"
		else
			nok "${limited_names[5]}" "read rc $rc: $got" "host: $want"
		fi
		unmount_view
	else
		nok "mounts the view of a process in the limited cgroups" "ctrfs proc --pid $sleeper failed"
		for name in "${limited_names[@]}"; do nok "$name" "not mounted"; done
	fi
else
	skip "mounts the view of a process in the limited cgroups" "no cgroup v1 memory and cpuset hierarchies to make ctr-test cgroups in"
	for name in "${limited_names[@]}"; do skip "$name" "no cgroup v1 memory and cpuset hierarchies"; done
fi

# ---- bad input: exit 1, one line naming the culprit, nothing mounted ----
expect_refusal() {
	local name=$1 needle=$2; shift 2
	local err rc lines before after why=()
	before=$(mounts_under)
	timeout 20 "$ctrfs" proc "$@" 2>"$base/err" </dev/null; rc=$?
	err=$(<"$base/err")
	after=$(mounts_under)
	lines=$(printf '%s' "$err" | grep -c .)
	[[ $rc -eq 1 ]] || why+=("exit code $rc, expected 1")
	[[ $lines -eq 1 ]] || why+=("stderr has $lines lines, expected 1")
	[[ $err == *"$needle"* ]] || why+=("stderr does not name '$needle'")
	[[ $before == "$after" ]] || why+=("mounts changed: before '$before', after '$after'")
	if ((${#why[@]})); then nok "$name" "stderr: $err" "${why[@]}"; else ok "$name"; fi
}

nopid=$(($(cat /proc/sys/kernel/pid_max) + 1))
expect_refusal "a pid that does not exist is named" "$nopid" --pid "$nopid" "$mnt"
expect_refusal "a cgroup outside /sys/fs/cgroup is named" "$base" --cgroup "$base" "$mnt"
expect_refusal "a missing mount point is named" "$base/nomnt" --pid $$ "$base/nomnt"
if mount_view --pid $$; then
	expect_refusal "a busy mount point (a view already there) is named" "$mnt" --pid $$ "$mnt"
	unmount_view
else
	nok "a busy mount point (a view already there) is named" "the first mount failed"
fi

# Unmounting ends the daemon: nothing of ours is left mounted.
if [[ -z $(mounts_under) ]]; then ok "nothing is left mounted"; else nok "nothing is left mounted" "$(mounts_under)"; fi

[[ $n -eq $plan ]] || echo "# internal: planned $plan, ran $n"
exit $((failed > 0))
