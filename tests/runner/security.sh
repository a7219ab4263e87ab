#!/bin/bash
# TAP test: attacks from inside a container, as someone who controls the
# container's image or command would try them. Each attack is a
# case that must fail to reach the host; every case runs as root and as the
# unprivileged test user, each mode with its own state root. The attackers
# are small static C programs (tests/runner/attacks/) built here.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_exec_ptrace_race
	case_cgroup_escape_limited case_cgroup_escape_unlimited
	case_own_cgroup_everywhere
	case_volume_setuid_root
	case_not_host_root
	case_blocks_distinct case_map_recorded case_userns_host case_privileged_needs_userns_host
	case_legacy_keeps_identity
	case_daemon_reads_private_files case_daemon_fallback_host_root
	case_volume_ownership case_volume_nosuid_nodev
	case_seccomp_default_refuses case_seccomp_exec_refuses case_seccomp_unconfined
	case_cgroup_escape_unconfined case_seccomp_profile_file case_seccomp_podman_profile
	case_seccomp_bad_profile case_exec_sysinfo_from_view
	case_caps_default case_caps_add case_caps_drop_all case_caps_drop_all_add_one case_caps_drop_one
	case_caps_add_all case_caps_bad_name case_caps_exec case_privileged
	case_read_only case_tmpfs case_tmpfs_bad_option
	case_state_files_private case_state_root_tightened case_state_root_foreign_owner
)

# How many `ctrrun exec` the ptrace attacker races against.
exec_rounds=${CTR_EXEC_ROUNDS:-200}

snapshot() { snapshot_containers; }
import_images() { import_image "$tmp/busybox.tar" busybox && import_image "$tmp/secret.tar" secret; }

# ---------------------------------------------------------------- images
# The busybox image, and the attackers built static (the image has no libc).
# The "secret" image has root's private files: /etc/secret 0600, /root 0700.
make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	cp -a "$tmp/rootfs" "$tmp/secretfs"
	echo topsecret >"$tmp/secretfs/etc/secret"
	chmod 0600 "$tmp/secretfs/etc/secret"
	mkdir -p "$tmp/secretfs/root"
	echo r >"$tmp/secretfs/root/r"
	chmod 0700 "$tmp/secretfs/root"
	pack "$tmp/secretfs" "$tmp/secret.tar" || return 1
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
	# It must have seen most exec'd processes, or it proved nothing (it may
	# miss a few that come and go while it spins on another).
	((${pids:-0} >= exec_rounds / 2)) || fail "the attacker saw only ${pids:-0} of $exec_rounds exec'd processes ($summary)"
	rm_quiet race
}

# The cgroup attack (cgroup_escape.c) in container NAME's command line:
# nothing may be writable, whichever step stops it.
expect_cgroup_attack_fails() {
	expect_rc 0
	[[ $out == *"writable 0"* ]] || fail "the container could open cgroup limit files for writing: $(grep '^writable /' <<<"$out" | tr '\n' ' ')"
	show_last
}

# Root's container with limits: it must not raise them (as seen before
# the fix: pids.max 20 -> max, and -m 64m then allowed 150 MB).
case_cgroup_escape_limited() {
	local d limits=()
	d=$(attack_dir cg)
	# Rootless containers cannot have limits here (no delegated cgroup v2).
	[[ $mode == root ]] && limits=(-m 64m --pids-limit 20)
	capture run --rm "${limits[@]}" -v "$d:/atk" busybox /atk/cgroup_escape
	expect_cgroup_attack_fails
}

# Without limits: its cgroup namespace must not be rooted at a host cgroup
# whose files it could open.
case_cgroup_escape_unlimited() {
	local d
	d=$(attack_dir cg)
	capture run --rm -v "$d:/atk" busybox /atk/cgroup_escape
	expect_cgroup_attack_fails
}

# Root's containers have a cgroup of their own in every hierarchy, limits
# or not; inside, each is the root of the container's view.
case_own_cgroup_everywhere() {
	if [[ $mode != root ]]; then
		skip_reason="rootless containers cannot have cgroups on this host (no delegated cgroup v2); the cgroup_escape cases check they cannot write host ones"
		return
	fi
	capture run -d --name cgall busybox sleep 30
	expect_rc 0
	local pid line bad=()
	pid=$(db "select pid from containers where name='cgall'")
	while IFS= read -r line; do
		[[ $line == *"/ctrrun-"* ]] || bad+=("$line")
	done <"/proc/$pid/cgroup"
	((${#bad[@]} == 0)) || fail "hierarchies where the container has no cgroup of its own: ${bad[*]}"
	capture exec cgall cat /proc/self/cgroup
	grep -v ':/$' <<<"$out" | grep -q . && fail "inside, cgroups other than the root of the view: $(grep -v ':/$' <<<"$out" | tr '\n' ' ')"
	show_last
	rm_quiet cgall
}

# A setuid-root binary planted in a rw volume must not be one on the host
# (a host user running it would be root).
case_volume_setuid_root() {
	local d st
	# Made by ctrrun, as for `-v NEWDIR:/v`: the container's root owns it.
	d=$V/suid
	rm -rf "$d"
	capture run --rm -v "$d:/v" busybox sh -c 'cp /bin/busybox /v/sh && chown 0:0 /v/sh && chmod 4755 /v/sh && ls -ln /v/sh'
	expect_rc 0
	st=$(stat -c '%u %a' "$d/sh" 2>&1)
	[[ -f $d/sh ]] || fail "the container could not write its volume ($st)"
	[[ $st == "0 4755" ]] && fail "the container planted a setuid-root binary on the host: $d/sh is '$st' (uid mode)"
	show_last
}

# Container root is not host root: the init runs as a host uid that
# /etc/subuid gives root (or the user) for containers.
case_not_host_root() {
	capture run -d --name nhr busybox sleep 30
	expect_rc 0
	local pid uid
	pid=$(db "select pid from containers where name='nhr'")
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
	[[ $uid == 0 ]] && fail "the container's root is host root (uid 0 on the host)"
	show_last
	rm_quiet nhr
}

# skip_unless_root WHY: the case is about root's containers.
skip_unless_root() {
	[[ $mode == root ]] && return 0
	skip_reason="$1"
	return 1
}

# Two containers at once hold different blocks of root's ids.
case_blocks_distinct() {
	skip_unless_root "a plain user's containers all map the user's one range" || return
	capture run -d --name blk1 busybox sleep 30
	capture run -d --name blk2 busybox sleep 30
	local m1 m2
	m1=$(ctr exec blk1 cat /proc/self/uid_map | awk '{ print $2 }')
	m2=$(ctr exec blk2 cat /proc/self/uid_map | awk '{ print $2 }')
	[[ -n $m1 && -n $m2 ]] || fail "no uid_map read ($m1, $m2)"
	[[ $m1 != "$m2" ]] || fail "both containers map root to host uid $m1"
	show_last
	rm_quiet blk1 blk2
}

# state.db records the mapping the container runs with.
case_map_recorded() {
	capture run -d --name rec busybox sleep 30
	local inside recorded
	inside=$(ctr exec rec cat /proc/self/uid_map | awk '{ $1 = $1; print }')
	recorded=$(db "select s.uid_map from container_security s join containers c on c.id = s.container_id where c.name = 'rec'")
	[[ -n $inside && $inside == "$recorded" ]] || fail "uid_map inside '$inside', recorded '$recorded'"
	show_last
	rm_quiet rec
}

# --userns=host: root's container is host root again (documented).
case_userns_host() {
	capture run --rm --userns=host busybox cat /proc/self/uid_map
	expect_rc 0
	if [[ $mode == root ]]; then
		[[ $(awk '{ $1 = $1; print }' <<<"$out") == "0 0 4294967295" ]] || fail "--userns=host did not give the identity map"
	else
		# A plain user has no host ids to give: its usual mapping.
		[[ $(awk 'NR == 1 { print $2 }' <<<"$out") == "$(id -u "$user")" ]] || fail "rootless --userns=host is not the user's mapping"
	fi
	show_last
}

case_privileged_needs_userns_host() {
	skip_unless_root "rootless --privileged is the user's own namespace" || return
	expect_refusal "--privileged needs --userns=host" run --rm --privileged busybox true
}

# A container made before mappings were recorded keeps its identity map.
case_legacy_keeps_identity() {
	skip_unless_root "rootless containers always had the user's mapping" || return
	capture run --name legacy busybox true
	db_write "update container_security set userns = 'legacy', uid_map = NULL, gid_map = NULL, idmap_slot = NULL
		where container_id = (select id from containers where name = 'legacy')"
	capture start legacy
	ctr wait legacy >/dev/null
	capture run -d --name legacy2 busybox sleep 30
	db_write "update container_security set userns = 'legacy', uid_map = NULL, gid_map = NULL, idmap_slot = NULL
		where container_id = (select id from containers where name = 'legacy2')"
	ctr stop -t 0 legacy2 >/dev/null
	capture start legacy2
	local map
	map=$(ctr exec legacy2 cat /proc/self/uid_map | awk '{ $1 = $1; print }')
	[[ $map == "0 0 4294967295" ]] || fail "a legacy container started with map '$map', not its identity map"
	show_last
	rm_quiet legacy legacy2
}

# The image's private files (0600 root, a 0700 root dir) are readable and
# writable by the container's root, though the union daemon is not host root.
case_daemon_reads_private_files() {
	capture run -d --name priv secret sleep 30
	local fs
	fs=$(db "select fs_pid from container_processes p join containers c on c.id = p.container_id where c.name = 'priv'")
	capture exec priv sh -c 'cat /etc/secret /root/r && echo new >/etc/secret && cat /etc/secret && touch /root/x && ls -ln /root'
	expect_rc 0
	[[ $out == "topsecret"$'\n'"r"$'\n'"new"* ]] || fail "private files not read or written through the union"
	if [[ $mode == root ]]; then
		[[ $(awk '/^Uid:/ { print $2 }' "/proc/$fs/status" 2>/dev/null) != 0 ]] ||
			fail "the union daemon $fs runs as host root although the store can be idmapped"
	fi
	show_last
	rm_quiet priv
}

# Where the store cannot be idmapped (forced here), the union daemon runs as
# host root and says so in its log; the files work the same.
case_daemon_fallback_host_root() {
	skip_unless_root "rootless daemons are the user's" || return
	local id
	CTR=(env CTRRUN_NO_IDMAP=1 "${CTR[@]}")
	capture run -d --name fb secret sleep 30
	CTR=("${CTR[@]:2}")
	capture exec fb sh -c 'cat /etc/secret && touch /root/y'
	expect_rc 0
	expect_out topsecret
	id=$(container_id fb)
	grep -q "runs as host root" "$R/containers/$id/ctrfs.log" || fail "ctrfs.log does not say the daemon runs as host root"
	show_last
	rm_quiet fb
}

# Volumes keep their host owners (ids 1-65535); root's container writes as
# root's first subordinate id, and host root's files show as nobody.
case_volume_ownership() {
	local d=$V/owners
	rm -rf "$d"
	mkdir -p "$d"
	own "$d"
	# Container uid 1000's file as the host has it; and one of host root's.
	touch "$d/by1000" "$d/byroot"
	chown "$(host_ids 1000 1000)" "$d/by1000"
	capture run --rm -v "$d:/v" busybox sh -c 'ls -ln /v; echo x >/v/made'
	expect_rc 0
	local o
	o=$(awk '$NF == "by1000" { print $3 ":" $4 }' <<<"$out")
	[[ $o == 1000:1000 ]] || fail "a host file of uid 1000 shows as $o inside"
	if [[ $mode == root ]]; then
		o=$(awk '$NF == "byroot" { print $3 ":" $4 }' <<<"$out")
		[[ $o == 65534:65534 ]] || fail "a host root file shows as $o inside, expected nobody (65534:65534)"
		o=$(stat -c %u:%g "$d/made")
		[[ $o == "$(root_sub_start /etc/subuid):$(root_sub_start /etc/subgid)" ]] || fail "what the container's root wrote is $o on the host"
	else
		o=$(stat -c %u "$d/made")
		[[ $o == "$(id -u "$user")" ]] || fail "what the container's root wrote is uid $o on the host"
	fi
	show_last
}

# Volumes are nosuid and nodev.
case_volume_nosuid_nodev() {
	local d=$V/flags
	mkdir -p "$d"
	own "$d"
	capture run --rm -v "$d:/v" busybox awk '$5 == "/v" { print $6 }' /proc/self/mountinfo
	expect_rc 0
	[[ ,$out, == *,nosuid,* && ,$out, == *,nodev,* ]] || fail "the volume's mount options are '$out'"
	show_last
}

# ---------------------------------------------------------------- seccomp
# What docker's default profile refuses without CAP_SYS_ADMIN and friends.
refused=(unshare-user unshare-mount mount umount2 keyctl add_key request_key bpf perf_event_open userfaultfd
	open_by_handle_at init_module kexec_load syslog setns personality-odd)

# expect_all_eperm: every probe in $out says EPERM (and getpid works).
expect_all_eperm() {
	local name line
	for name in "${refused[@]}"; do
		line=$(grep "^$name " <<<"$out")
		[[ $line == "$name EPERM" ]] || fail "$name was not refused with EPERM: '${line:-no answer}'"
	done
	grep -qx "getpid ok" <<<"$out" || fail "getpid did not work"
}

case_seccomp_default_refuses() {
	local d
	d=$(attack_dir sc)
	capture run --rm -v "$d:/atk" busybox /atk/syscalls getpid "${refused[@]}"
	expect_rc 0
	expect_all_eperm
	show_last
}

# exec'd processes get the container's filter too (before: none, Seccomp 0).
case_seccomp_exec_refuses() {
	local d
	d=$(attack_dir scx)
	capture run -d --name scx -v "$d:/atk" busybox sleep 60
	capture exec scx /atk/syscalls getpid "${refused[@]}"
	expect_rc 0
	expect_all_eperm
	show_last
	rm_quiet scx
}

# seccomp=unconfined: the kernel answers (unshare of a user namespace works).
case_seccomp_unconfined() {
	local d
	d=$(attack_dir scu)
	capture run --rm --security-opt seccomp=unconfined -v "$d:/atk" busybox /atk/syscalls unshare-user keyctl
	expect_rc 0
	grep -qx "unshare-user ok" <<<"$out" || fail "unshare(CLONE_NEWUSER) did not work unconfined"
	grep -q "^keyctl EPERM" <<<"$out" && fail "keyctl still refused with EPERM unconfined"
	show_last
}

# The cgroup attack without seccomp in the way: the id mapping alone stops it.
case_cgroup_escape_unconfined() {
	local d limits=()
	d=$(attack_dir cgu)
	[[ $mode == root ]] && limits=(-m 64m --pids-limit 20)
	capture run --rm --security-opt seccomp=unconfined "${limits[@]}" -v "$d:/atk" busybox /atk/cgroup_escape
	grep -q "step unshare-user ok" <<<"$out" || fail "the attack did not get its user namespace unconfined"
	expect_cgroup_attack_fails
}

# A profile in docker's JSON format: everything but mkdir allowed.
case_seccomp_profile_file() {
	cat >"$M/nomkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
	chmod 0644 "$M/nomkdir.json"
	capture run --rm --security-opt "seccomp=$M/nomkdir.json" busybox sh -c 'mkdir /x; echo rc=$?; touch /y && echo touched'
	expect_rc 0
	[[ $out == *"rc=1"* && $out == *touched* ]] || fail "the profile did not refuse mkdir alone"
	[[ $err == *"Operation not permitted"* ]] || fail "mkdir's error is not EPERM"
	show_last
}

# The profile podman users have (Debian's golang-github-containers-common).
case_seccomp_podman_profile() {
	local f=/usr/share/containers/seccomp.json d
	if [[ ! -r $f ]]; then
		skip_reason="no $f (Debian package golang-github-containers-common)"
		return
	fi
	d=$(attack_dir scp)
	capture run --rm --security-opt "seccomp=$f" -v "$d:/atk" busybox /atk/syscalls getpid bpf kexec_load
	expect_rc 0
	[[ $out == *"getpid ok"* && $out == *"bpf EPERM"* && $out == *"kexec_load EPERM"* ]] ||
		fail "podman's profile did not allow getpid and refuse bpf and kexec_load"
	show_last
}

case_seccomp_bad_profile() {
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]}' >"$M/bad.json"
	chmod 0644 "$M/bad.json"
	expect_refusal 'bad.json|syscalls[0].action|SCMP_ACT_NOPE' run --rm --security-opt "seccomp=$M/bad.json" busybox true
	expect_refusal "no-such-profile.json" run --rm --security-opt "seccomp=$M/no-such-profile.json" busybox true
}

# An exec'd process's sysinfo is answered by the /proc view, as the init's
# processes' are: the container's uptime, not the host's.
case_exec_sysinfo_from_view() {
	capture run -d --name sysi busybox sleep 60
	capture exec sysi sh -c 'grep Seccomp_filters /proc/self/status; uptime'
	expect_rc 0
	[[ $out == *"Seccomp_filters:"*2* ]] || fail "the exec'd process has not both filters (sysinfo and the profile)"
	[[ $out == *"up 0 min"* ]] || fail "the exec'd process's uptime is not the container's"
	show_last
	rm_quiet sysi
}

# ---------------------------------------------------------------- capabilities
# expect_caps WANT ARGS...: CapEff and CapBnd of the container's root (hex,
# as /proc/self/status shows them), with run flags ARGS.
expect_caps() {
	local want=$1
	shift
	capture run --rm "$@" busybox sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status'
	expect_rc 0
	[[ $(awk '$1 == "CapEff:" { print $2 }' <<<"$out") == "$want" ]] || fail "CapEff is not $want"
	[[ $(awk '$1 == "CapBnd:" { print $2 }' <<<"$out") == "$want" ]] || fail "CapBnd is not $want"
	show_last
}
# Every capability of this kernel, as a CapEff value.
all_caps() { printf '%016x' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)); }

# docker's default set: docker run busybox grep CapEff /proc/self/status.
case_caps_default() { expect_caps 00000000a80425fb; }
case_caps_add() { expect_caps 00000000a80435fb --cap-add NET_ADMIN; }
case_caps_drop_all() { expect_caps 0000000000000000 --cap-drop ALL; }
case_caps_drop_all_add_one() { expect_caps 0000000000000001 --cap-drop all --cap-add cap_chown; }
case_caps_drop_one() { expect_caps 00000000a80425fa --cap-drop CAP_CHOWN; }
case_caps_add_all() { expect_caps "$(all_caps)" --cap-add ALL; }
case_caps_bad_name() { expect_refusal 'CAP_BOGUS' run --rm --cap-add BOGUS busybox true; }

case_caps_exec() {
	capture run -d --name capx --cap-drop ALL --cap-add NET_RAW busybox sleep 60
	capture exec capx grep CapEff /proc/self/status
	[[ $(awk '{ print $2 }' <<<"$out") == 0000000000002000 ]] || fail "exec'd root does not have the container's capabilities"
	show_last
	rm_quiet capx
}

# --privileged (root: with --userns=host): every capability, no seccomp
# profile (the sysinfo filter only), no masked paths, the host's devices.
case_privileged() {
	local flags=(--privileged)
	[[ $mode == root ]] && flags+=(--userns=host)
	capture run --rm "${flags[@]}" busybox sh -c 'grep -E "^CapEff|^Seccomp_filters" /proc/self/status;
		awk "\$2 == \"/proc/kcore\" || \$2 == \"/proc/sys\" { print \"mounted\", \$2 }" /proc/self/mounts; ls /dev'
	expect_rc 0
	[[ $(awk '$1 == "CapEff:" { print $2 }' <<<"$out") == "$(all_caps)" ]] || fail "not every capability"
	[[ $(awk '$1 == "Seccomp_filters:" { print $2 }' <<<"$out") == 1 ]] || fail "more filters than the sysinfo one"
	[[ $out == *"mounted /proc/"* ]] && fail "masked or read-only paths are mounted"
	local dev
	for dev in /dev/*; do
		[[ -c $dev || -b $dev ]] || continue
		grep -qx "$(basename "$dev")" <<<"$out" || { fail "host device $dev is missing"; break; }
	done
	show_last
}

# --read-only: the root refuses writes, /tmp /var/tmp /run and volumes take them.
case_read_only() {
	local d=$V/rovol
	mkdir -p "$d"
	own "$d"
	capture run --rm --read-only -v "$d:/v" busybox sh -c 'touch /x; echo root=$?; touch /tmp/a /var/tmp/b /run/c /v/d && echo rest-ok'
	expect_rc 0
	[[ $out == *"root=1"* ]] || fail "the root took a write"
	[[ $err == *"Read-only file system"* ]] || fail "the write to / did not fail with EROFS"
	[[ $out == *rest-ok* ]] || fail "/tmp, /var/tmp, /run or a volume refused a write"
	show_last
}

case_tmpfs() {
	capture run --rm --tmpfs /scratch:size=2m,mode=1770 busybox sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch'
	expect_rc 0
	local line
	line=$(grep " /scratch " <<<"$out")
	[[ $line == "tmpfs /scratch tmpfs "* ]] || fail "no tmpfs on /scratch"
	[[ ,$line, == *,nosuid,* && ,$line, == *,nodev,* && ,$line, == *,noexec,* && $line == *size=2048k* ]] ||
		fail "the tmpfs is not nosuid,nodev,noexec with size=2048k: $line"
	[[ $(tail -n1 <<<"$out") == 1770 ]] || fail "mode is not 1770"
	show_last
}

case_tmpfs_bad_option() { expect_refusal "bogus=1" run --rm --tmpfs /x:bogus=1 busybox true; }

# ---------------------------------------------------------------- the state root
# mode_of PATH: octal permission bits.
mode_of() { stat -c %a "$1" 2>/dev/null; }

# Nothing of the store is readable by others: state.db (secrets in -e, logs)
# and its -wal and -shm are 0600, the root and layers/ 0700.
case_state_files_private() {
	capture run --name priv1 -e SECRET=hunter2 busybox sh -c 'echo logged'
	expect_rc 0
	local f m
	for f in "$R/state.db" "$R/state.db-wal" "$R/state.db-shm"; do
		[[ -e $f ]] || continue
		m=$(mode_of "$f")
		[[ $m == 600 ]] || fail "$f is mode $m, not 600"
	done
	for f in "$R" "$R/layers" "$R/containers"; do
		m=$(mode_of "$f")
		[[ $m == 700 ]] || fail "$f is mode $m, not 700"
	done
	show_last
	rm_quiet priv1
}

# A state root that others can read or write is tightened, and ctrrun says so.
case_state_root_tightened() {
	local r=$M/loose
	rm -rf "$r"
	mkdir -p "$r"
	[[ $mode == rootless ]] && chown "$user:" "$r"
	chmod 0777 "$r"
	"${AS[@]}" env XDG_RUNTIME_DIR="$M/run" "$ctrrun" --root "$r" ps >/dev/null 2>&1
	"${AS[@]}" chmod 0644 "$r/state.db"
	chmod 0755 "$r"
	last="ctrrun --root $r ps (root 0755, state.db 0644)"
	out=$("${AS[@]}" env XDG_RUNTIME_DIR="$M/run" "$ctrrun" --root "$r" ps 2>"$tmp/err")
	rc=$? err=$(<"$tmp/err")
	expect_rc 0
	expect_err_has "$r"
	[[ $(mode_of "$r") == 700 ]] || fail "the state root stays mode $(mode_of "$r")"
	[[ $(mode_of "$r/state.db") == 600 ]] || fail "state.db stays mode $(mode_of "$r/state.db")"
	show_last
	rm -rf "$r"
}

# A state root that belongs to someone else is refused, untouched.
case_state_root_foreign_owner() {
	local r=$M/foreign
	rm -rf "$r"
	mkdir -p "$r"
	if [[ $mode == root ]]; then chown "$user:" "$r"; else chown root: "$r"; chmod 0777 "$r"; fi
	last="ctrrun --root $r ps (owned by another user)"
	out=$("${AS[@]}" env XDG_RUNTIME_DIR="$M/run" "$ctrrun" --root "$r" ps 2>"$tmp/err")
	rc=$? err=$(<"$tmp/err")
	expect_rc 125
	expect_err_has "$r"
	[[ -z $(ls -A "$r") ]] || fail "something was created in $r: $(ls -A "$r" | tr '\n' ' ')"
	show_last
	rm -rf "$r"
}

run_all security
