#!/bin/bash
# TAP test: `ctrrun run` end to end. Every case runs twice, as root and as the
# unprivileged user ctrtest (rootless, subordinate ids from /etc/subuid), each
# mode with its own state root under a temp dir that is removed at the end.
# Expected values are computed here (from /etc/subuid, the state database,
# the arguments given), never taken from the output under test.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The cases of one mode, in order; each prints exactly one TAP line.
# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_hello case_uid0 case_hostname_default case_hostname_flag
	case_pid_isolation case_pid1_cmdline case_mount_isolation case_userns_map
	case_chown_ownership
	case_volume_rw case_volume_ro case_volume_created case_volume_several
	case_volume_file case_symlink_escape_root case_symlink_escape_etc_link
	case_symlink_etc_link_created_inside case_symlink_escape_etc_link_existing
	case_env_flag case_env_file case_env_defaults case_workdir
	case_user_numeric case_user_name case_user_unknown case_umask_default
	case_exit_code case_exit_not_found case_exit_not_executable
	case_init_sigkill case_sigterm_forwarded
	case_rm_flag case_exited_kept_then_rm
	case_streams_separate case_stdin_forwarded case_stdin_closed_without_i
	case_tty case_tty_size case_tty_resize case_tty_ctrl_c case_ctrrun_sigkill
	case_bad_locked_proc case_bad_unknown_image case_bad_volume_no_colon case_bad_volume_relative_host
	case_bad_volume_relative_ctr case_bad_volume_empty_host
	case_bad_volume_empty_ctr case_bad_volume_mode case_bad_env
	case_bad_duplicate_name case_bad_unwritable_root case_concurrent_name
	case_opts_after_image_are_the_commands case_opts_value_forms case_opts_bundled
	case_opts_double_dash case_opts_help_every_command
	case_bad_opt_unknown case_bad_opt_unknown_short case_bad_opt_abbreviated case_bad_opt_missing_value
	case_bad_opt_value_to_switch case_bad_opt_logs_tail
	case_nothing_left
)

# ---------------------------------------------------------------- helpers
# find_ctrrun PID: the ctrrun process at or below PID (timeout, runuser and
# env sit between the shell and ctrrun).
find_ctrrun() {
	local p=$1 i
	for ((i = 0; i < 5; i++)); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == ctrrun ]] && { echo "$p"; return 0; }
		p=$(pgrep -P "$p" | head -n1)
		[[ -n $p ]] || return 1
	done
	return 1
}

# What a refused command must leave unchanged: container rows, container
# dirs, host mounts, everything under the volume dir.
snapshot() {
	snapshot_containers
	echo "volumes:"; (cd "$V" && find . | sort)
}

# The id mapping expected inside a plain user's container: 0 is the user,
# 1.. its subordinate range (/etc/subuid). (Root's: see case_userns_map.)
expected_map() { # FILE(subuid|subgid) HOST_ID
	printf '0 %s 1\n1 %s %s' "$2" "$(sub_start "$1")" "$(($(sub_count "$1") - 1))"
}

# ---------------------------------------------------------------- images
# The busybox rootfs and a hostile variant with symlinks pointing out of
# the root: /escape -> /, /etc/link -> a canary dir on the host that must
# stay empty, /etc/link2 -> a second one that the image has too.
make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	mkdir -m 1777 "$tmp/canary"
	cp -a "$tmp/rootfs" "$tmp/evilfs"
	ln -s / "$tmp/evilfs/escape"
	ln -s "$tmp/canary" "$tmp/evilfs/etc/link"
	# The same with a target that also exists inside the image.
	mkdir -m 1777 "$tmp/canary2"
	mkdir -p "$tmp/evilfs$tmp/canary2"
	ln -s "$tmp/canary2" "$tmp/evilfs/etc/link2"
	pack "$tmp/evilfs" "$tmp/evil.tar"
}
import_images() { import_image "$tmp/busybox.tar" busybox && import_image "$tmp/evil.tar" evil; }

# ---------------------------------------------------------------- cases
case_hello() {
	capture run --rm busybox sh -c 'echo hello'
	expect_rc 0
	expect_out hello
	# The test user has subordinate ids, so there is nothing to note.
	[[ -z $err ]] || fail "stderr is not empty"
	show_last
}

case_uid0() {
	capture run --rm busybox id
	expect_rc 0
	[[ $out == "uid=0(root) gid=0(root)"* ]] || fail "id inside is not uid=0(root) gid=0(root)"
	show_last
}

case_hostname_default() {
	capture run --name hn busybox hostname
	expect_rc 0
	local id
	id=$(container_id hn)
	if [[ ${#id} != 64 ]]; then
		fail "no container row named hn"
	else
		expect_out "$(short "$id")"
		local ids
		ids=$(ctr ps -a -q --no-trunc)
		grep -qx "$id" <<<"$ids" || fail "ps -a -q --no-trunc does not list $id: $ids"
	fi
	show_last
	ctr rm hn >/dev/null 2>&1
}

case_hostname_flag() {
	capture run --rm --hostname h busybox hostname
	expect_rc 0
	expect_out h
	show_last
}

case_pid_isolation() {
	# ps as the command itself: it is PID 1 and alone in its namespace.
	capture run --rm busybox ps -o pid
	expect_rc 0
	[[ $(tr -s ' \n' ' ' <<<"$out" | sed 's/^ //; s/ $//') == "PID 1" ]] ||
		fail "ps inside lists more than the container's one process"
	show_last
}

case_pid1_cmdline() {
	last="ctrrun run --rm busybox cat /proc/1/cmdline"
	ctr run --rm busybox cat /proc/1/cmdline >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	out=$(tr '\0' '|' <"$tmp/out") err=$(<"$tmp/err")
	expect_rc 0
	expect_out "cat|/proc/1/cmdline|"
	show_last
}

case_mount_isolation() {
	local before after host
	before=$(host_mounts)
	capture run --rm busybox cat /proc/mounts
	after=$(host_mounts)
	expect_rc 0
	[[ $before == "$after" ]] || fail "host mounts changed: $(changes "$before" "$after")"
	[[ $(awk '$2 == "/" { print $3 }' <<<"$out") == fuse.ctrfs ]] || fail "/ inside is not a ctrfs mount"
	[[ $out == *"$tmp"* ]] && fail "a mount inside names the host's temp dir $tmp"
	[[ $out == *" /work"* ]] && fail "a host mount under /work is visible inside"
	# Host mount points other than the ones every container has anew.
	while read -r host; do
		case $host in /|/proc|/sys|/dev|/dev/pts|/dev/shm|/dev/mqueue) continue ;; esac
		awk -v m="$host" '$2 == m { f = 1 } END { exit !f }' <<<"$out" && fail "host mount point $host is visible inside"
	done < <(sort -u <<<"$before")
	show_last
}

case_userns_map() {
	capture run --rm busybox sh -c 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
	expect_rc 0
	local uid_map gid_map
	uid_map=$(sed -n '1,/^--$/p' <<<"$out" | grep -v '^--$' | awk '{ $1 = $1; print }')
	gid_map=$(sed -n '/^--$/,$p' <<<"$out" | grep -v '^--$' | awk '{ $1 = $1; print }')
	local want_uid want_gid
	if [[ $mode == root ]]; then
		# Root's containers: a block of 65536 of root's subordinate ids, past
		# the first block, the same block for uids and gids.
		local b_uid b_gid first_uid first_gid count
		read -r _ b_uid count <<<"$uid_map"
		read -r _ b_gid _ <<<"$gid_map"
		first_uid=$(root_sub_start /etc/subuid) first_gid=$(root_sub_start /etc/subgid)
		local k=$(((b_uid - first_uid) / 65536))
		want_uid="0 $((first_uid + 65536 * k)) 65536" want_gid="0 $((first_gid + 65536 * k)) 65536"
		((k >= 1 && (b_uid - first_uid) % 65536 == 0)) || fail "uid_map $uid_map is not a block of root's range $first_uid"
		[[ ${count:-} == 65536 ]] || fail "uid_map maps ${count:-no} ids, expected 65536"
		((b_uid + 65536 <= first_uid + $(awk -F: '$1 == "root" { print $3; exit }' /etc/subuid))) ||
			fail "uid_map $uid_map runs past root's range"
	else
		want_uid=$(expected_map /etc/subuid "$(id -u "$user")")
		want_gid=$(expected_map /etc/subgid "$(id -g "$user")")
	fi
	[[ $uid_map == "$want_uid" ]] || fail "uid_map $(printf %q "$uid_map"), expected $(printf %q "$want_uid")"
	[[ $gid_map == "$want_gid" ]] || fail "gid_map $(printf %q "$gid_map"), expected $(printf %q "$want_gid")"
	show_last
}

case_chown_ownership() {
	capture run --name own busybox sh -c 'touch /f && chown 1000:1000 /f'
	expect_rc 0
	local id owner want
	id=$(container_id own)
	want=$(host_ids 1000 1000)
	owner=$(stat -c %u:%g "$R/containers/$id/upper/f" 2>&1)
	[[ $owner == "$want" ]] || fail "upper/f is owned by $owner on the host, expected $want"
	show_last
	ctr rm own >/dev/null 2>&1
}

case_volume_rw() {
	mkdir -p "$V/rw"
	echo from-host >"$V/rw/pre"
	own "$V/rw"
	capture run --rm -v "$V/rw:/data" busybox sh -c 'cat /data/pre && echo from-inside >/data/new'
	expect_rc 0
	expect_out from-host
	[[ $(cat "$V/rw/new" 2>&1) == from-inside ]] || fail "the file written inside is not on the host as $V/rw/new"
	show_last
}

case_volume_ro() {
	mkdir -p "$V/ro"
	echo from-host >"$V/ro/pre"
	own "$V/ro"
	capture run --rm -v "$V/ro:/data:ro" busybox sh -c 'cat /data/pre && echo x >/data/new'
	[[ $rc != 0 ]] || fail "writing into a :ro volume succeeded"
	[[ $rc == 125 ]] && fail "exit 125: ctrrun itself failed"
	expect_out from-host
	expect_err_has "Read-only file system"
	[[ -e $V/ro/new ]] && fail "$V/ro/new was created through a :ro volume"
	show_last
}

case_volume_created() {
	[[ -e $V/missing ]] && fail "$V/missing exists before the run"
	capture run --rm -v "$V/missing/sub:/m" busybox sh -c 'echo hi >/m/f'
	expect_rc 0
	[[ -d $V/missing/sub ]] || fail "host dir $V/missing/sub was not created"
	[[ $(cat "$V/missing/sub/f" 2>&1) == hi ]] || fail "the file written inside is not in the created host dir"
	show_last
}

case_volume_several() {
	mkdir -p "$V/a" "$V/b"
	echo b-content >"$V/b/g"
	own "$V/a" "$V/b"
	capture run --rm -v "$V/a:/a" -v "$V/b:/b:ro" busybox \
		sh -c 'echo one >/a/f; cat /b/g; touch /b/h 2>/dev/null; echo touch=$?'
	expect_rc 0
	expect_out $'b-content\ntouch=1'
	[[ $(cat "$V/a/f" 2>&1) == one ]] || fail "write to the first volume is not on the host"
	[[ -e $V/b/h ]] && fail "the second (:ro) volume was written"
	show_last
}

case_volume_file() {
	echo file-volume >"$V/file"
	own "$V/file"
	capture run --rm -v "$V/file:/etc/x" busybox sh -c 'cat /etc/x && echo more >>/etc/x'
	expect_rc 0
	expect_out file-volume
	[[ $(cat "$V/file") == $'file-volume\nmore' ]] || fail "append inside did not reach the host file"
	show_last
}

# The image has /escape -> /; the volume target /escape/evil must be made
# inside the container's root (its upper dir), never as the host's /evil.
case_symlink_escape_root() {
	if [[ -e /evil ]]; then skip_reason="/evil exists on the host"; return; fi
	mkdir -p "$V/esc"
	echo marker >"$V/esc/m"
	own "$V/esc"
	capture run --name esc -v "$V/esc:/escape/evil" evil sh -c 'cat /escape/evil/m && cat /evil/m'
	expect_rc 0
	expect_out $'marker\nmarker'
	if [[ -e /evil ]]; then
		fail "the volume escaped the root: /evil was created on the host"
		rmdir /evil 2>/dev/null
	fi
	local id
	id=$(container_id esc)
	[[ -n $id && -d $R/containers/$id/upper/evil ]] || fail "the mount point evil is not in the container's upper dir"
	show_last
	ctr rm esc >/dev/null 2>&1
}

# /etc/link -> $tmp/canary, a dir that exists on the host but not in the
# image. Resolved inside the root, the mount point is upper/$tmp/canary/x:
# the host's canary dir must stay empty whatever ctrrun does...
case_symlink_escape_etc_link() {
	mkdir -p "$V/lnk"
	echo marker >"$V/lnk/m"
	own "$V/lnk"
	capture run --name lnk -v "$V/lnk:/etc/link/x" evil cat /etc/link/x/m
	[[ $rc == 0 || $rc == 125 ]] || fail "neither ran (0) nor refused (125)"
	[[ -n $(ls -A "$tmp/canary") ]] && fail "the volume escaped the root: $tmp/canary holds $(ls -A "$tmp/canary")"
	show_last
	ctr rm lnk >/dev/null 2>&1
	rm -rf "${tmp:?}/canary/"* 2>/dev/null
}

# ...and, as docker does, it makes the missing dirs inside the root.
case_symlink_etc_link_created_inside() {
	mkdir -p "$V/lnk"
	echo marker >"$V/lnk/m"
	own "$V/lnk"
	capture run --name lnk -v "$V/lnk:/etc/link/x" evil cat /etc/link/x/m
	expect_rc 0
	expect_out marker
	local id
	id=$(container_id lnk)
	[[ -n $id && -d $R/containers/$id/upper$tmp/canary/x ]] || fail "the mount point is not upper$tmp/canary/x in the container's upper dir"
	show_last
	ctr rm lnk >/dev/null 2>&1
	rm -rf "${tmp:?}/canary/"* 2>/dev/null
}

# /etc/link2 -> $tmp/canary2, which exists both in the image and on the
# host: the mount point is the image's dir (upper$tmp/canary2/x).
case_symlink_escape_etc_link_existing() {
	mkdir -p "$V/lnk2"
	echo marker >"$V/lnk2/m"
	own "$V/lnk2"
	capture run --name lnk2 -v "$V/lnk2:/etc/link2/x" evil cat "$tmp/canary2/x/m"
	expect_rc 0
	expect_out marker
	[[ -n $(ls -A "$tmp/canary2") ]] && fail "the volume escaped the root: $tmp/canary2 holds $(ls -A "$tmp/canary2")"
	local id
	id=$(container_id lnk2)
	[[ -n $id && -d $R/containers/$id/upper$tmp/canary2/x ]] || fail "the mount point is not upper$tmp/canary2/x in the container's upper dir"
	show_last
	ctr rm lnk2 >/dev/null 2>&1
	rm -rf "${tmp:?}/canary2/"* 2>/dev/null
}

case_env_flag() {
	# shellcheck disable=SC2016 # expanded by the container's shell
	capture run --rm -e A=1 -e B=x=y -e A=2 busybox sh -c 'echo "$A"; echo "$B"'
	expect_rc 0
	expect_out $'2\nx=y'
	show_last
}

case_env_file() {
	printf '%s\n' '# a comment' '' 'B=from-file' '  # indented comment' 'C=first' 'C=second' 'D=file' >"$V/env"
	own "$V/env"
	capture run --rm --env-file "$V/env" -e D=flag busybox env
	expect_rc 0
	local got
	got=$(grep -E '^(B|C|D)=' <<<"$out" | sort | tr '\n' ' ')
	[[ $got == "B=from-file C=second D=flag " ]] || fail "env B, C, D: '$got', expected 'B=from-file C=second D=flag '"
	grep -q '#' <<<"$out" && fail "a comment line became a variable"
	grep -q '^=' <<<"$out" && fail "a blank line became a variable"
	show_last
}

case_env_defaults() {
	last="CTR_TEST_LEAK=1 ctrrun run --rm busybox env"
	out=$(CTR_TEST_LEAK=1 ctr run --rm busybox env 2>"$tmp/err" </dev/null)
	rc=$? err=$(<"$tmp/err")
	expect_rc 0
	grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' <<<"$out" || fail "PATH is not docker's default"
	grep -qx 'HOME=/root' <<<"$out" || fail "HOME is not /root for root"
	grep -q '^CTR_TEST_LEAK=' <<<"$out" && fail "the host's environment leaked into the container"
	show_last
}

case_workdir() {
	capture run --rm -w /some/new/dir busybox sh -c 'pwd; test -d /some/new/dir && echo isdir'
	expect_rc 0
	expect_out $'/some/new/dir\nisdir'
	show_last
}

case_user_numeric() {
	capture run --rm -u 65534 busybox id -u
	expect_rc 0
	expect_out 65534
	show_last
}

case_user_name() {
	capture run --rm -u nobody busybox sh -c 'id -u; id -g'
	expect_rc 0
	# nobody:x:65534:65534 in the image's /etc/passwd (tools/mkbusybox-rootfs).
	expect_out $'65534\n65534'
	show_last
}

# docker's (runc's) umask 0022, whatever the caller of ctrrun has.
case_umask_default() {
	last="umask 077; ctrrun run --rm busybox sh -c umask"
	out=$(umask 077; ctr run --rm busybox sh -c umask 2>"$tmp/err" </dev/null)
	rc=$? err=$(<"$tmp/err")
	expect_rc 0
	expect_out 0022
	show_last
}

case_user_unknown() { expect_refusal nosuchuser run --rm -u nosuchuser busybox true; }

case_exit_code() {
	capture run --rm busybox sh -c 'exit 3'
	expect_rc 3
	show_last
}

case_exit_not_found() {
	capture run --rm busybox nosuchcommand
	expect_rc 127
	expect_err_has nosuchcommand
	show_last
}

case_exit_not_executable() {
	capture run --rm busybox /etc/passwd
	expect_rc 126
	expect_err_has /etc/passwd
	show_last
}

# start_bg NAME ARGS...: ctrrun run --name NAME ARGS in the background; sets
# bg (its pid: timeout's) and waits until the container runs.
start_bg() {
	local name=$1
	shift
	(cd "$V" && exec timeout -k 5 "$tmo" "${CTR[@]}" run --name "$name" "$@" >"$tmp/bg.out" 2>"$tmp/bg.err" </dev/null) &
	bg=$!
	bg_pids+=("$bg")
	wait_running "$name"
}
# finish_bg: waits for it; sets rc, out, err.
finish_bg() {
	# Quiet: bash would report a job that ends by SIGKILL on stderr.
	{ wait "$bg"; rc=$?; } 2>/dev/null
	out=$(<"$tmp/bg.out") err=$(<"$tmp/bg.err")
}

case_init_sigkill() {
	last="ctrrun run --name k9 busybox sleep 60; kill -9 of its init"
	if ! start_bg k9 busybox sleep 60; then
		fail "container k9 never reached running"
	else
		local pid
		pid=$(db "select pid from containers where name='k9'")
		[[ -n $pid ]] && kill -9 "$pid"
	fi
	finish_bg
	expect_rc 137
	local row
	row=$(db "select state, exit_code from containers where name='k9'")
	[[ $row == "exited|137" ]] || fail "state.db row: '$row', expected exited|137"
	show_last
	rm_quiet k9
}

case_sigterm_forwarded() {
	last="ctrrun run --name term busybox sh -c 'trap \"exit 7\" TERM; ...'; SIGTERM to ctrrun"
	if ! start_bg term busybox sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'; then
		fail "container term never reached running"
	else
		# PID 1 ignores signals it has no handler for: wait for the trap
		# (SIGTERM = bit 15 of SigCgt) so the test does not race the shell.
		local pid
		pid=$(db "select pid from containers where name='term'")
		wait_sig "$pid" SigCgt 15
		local cpid
		if cpid=$(find_ctrrun "$bg"); then kill -TERM "$cpid"; else fail "no ctrrun process below $bg"; fi
	fi
	finish_bg
	expect_rc 7
	show_last
	rm_quiet term
}

case_rm_flag() {
	local rows_before dirs_before
	rows_before=$(db 'select id from containers order by id')
	dirs_before=$(ls -A "$R/containers")
	# A file of a subordinate id in the upper dir: rootless --rm must remove it.
	capture run --rm --name rmme busybox sh -c 'touch /f; chown 1000:1000 /f; hostname'
	expect_rc 0
	[[ $out =~ ^[0-9a-f]{12}$ ]] || fail "no short id from hostname: the container may not have run"
	[[ -n $(db "select id from containers where name='rmme'") ]] && fail "the row of the --rm container is still there"
	[[ $rows_before == "$(db 'select id from containers order by id')" ]] || fail "container rows changed"
	[[ $dirs_before == "$(ls -A "$R/containers")" ]] || fail "dirs under $R/containers changed"
	show_last
}

case_exited_kept_then_rm() {
	capture run --name keep busybox sh -c 'touch /f; chown 1000:1000 /f; exit 4'
	expect_rc 4
	local id row psline
	id=$(container_id keep)
	row=$(db "select state, exit_code from containers where name='keep'")
	[[ $row == "exited|4" ]] || fail "state.db row: '$row', expected exited|4"
	psline=$(ctr ps -a | awk '$NF == "keep"')
	[[ $psline == *"Exited (4)"* ]] || fail "ps -a does not show keep as Exited (4): '$psline'"
	[[ -n $id && -d $R/containers/$id ]] || fail "$R/containers/<id> of keep is missing before rm"
	show_last
	capture rm keep
	expect_rc 0
	[[ -n $(container_id keep) ]] && fail "ctrrun rm left the row"
	[[ -n $id && -e $R/containers/$id ]] && fail "ctrrun rm left $R/containers/$id"
	show_last
}

case_streams_separate() {
	capture run --rm busybox sh -c 'echo out; echo err >&2'
	expect_rc 0
	expect_out out
	grep -qx err <<<"$err" || fail "stderr does not carry 'err'"
	show_last
}

case_stdin_forwarded() {
	printf 'abc\n' >"$tmp/in"
	stdin_file=$tmp/in capture run -i --rm busybox cat
	expect_rc 0
	expect_out abc
	show_last
}

case_stdin_closed_without_i() {
	printf 'abc\n' >"$tmp/in"
	stdin_file=$tmp/in capture run --rm busybox cat
	expect_rc 0
	expect_out ""
	show_last
}

case_tty() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	in_pty "$(ctr_line) run -it --rm busybox sh" feed $'tty; exit 5\n' 3
	expect_rc 5
	grep -qE '^/dev/pts/[0-9]+$' <<<"$out" || fail "tty inside did not print /dev/pts/N"
	# Seen once: the ctrfs daemon's farewell on the container's terminal.
	grep -q 'fuse:' <<<"$out" && fail "a fuse message reached the terminal"
	show_last
}

case_tty_size() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	in_pty "stty rows 40 cols 100; $(ctr_line) run -t --rm busybox stty size" true
	expect_rc 0
	expect_out "40 100"
	show_last
}

# The outer terminal is resized while the container runs: SIGWINCH makes
# ctrrun pass the new size on. The resize comes from a background job of the
# pty's shell (TIOCSWINSZ is not subject to job control).
case_tty_resize() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	# shellcheck disable=SC2317 # called by in_pty
	writer() { feed '' 1.5; feed $'stty size\n' 2.5; feed $'stty size; exit 0\n' 2; }
	in_pty "stty rows 40 cols 100; (sleep 2.5; stty rows 50 cols 120 </dev/tty) & $(ctr_line) run -it --rm busybox sh" writer
	expect_rc 0
	local sizes
	sizes=$(grep -E '^[0-9]+ [0-9]+$' <<<"$out" | tr '\n' ' ')
	[[ $sizes == "40 100 50 120 " ]] || fail "sizes seen inside: '$sizes', expected '40 100 50 120 '"
	show_last
}

case_tty_ctrl_c() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	local t0=$SECONDS
	# shellcheck disable=SC2317 # called by in_pty
	writer() { feed '' 1.5; feed $'sleep 30\n' 1.5; feed $'\003' 0.5; feed $'echo rc=$?\n' 0.5; feed $'exit 9\n' 2; }
	in_pty "$(ctr_line) run -it --rm busybox sh" writer
	local took=$((SECONDS - t0))
	expect_rc 9
	# 128 + SIGINT: the sleep got the signal, not the shell's input.
	grep -q 'rc=130' <<<"$out" || fail "the sleep did not end by SIGINT (no rc=130 in the output)"
	((took < 20)) || fail "took ${took}s: Ctrl-C did not end the sleep 30"
	show_last
}

case_ctrrun_sigkill() {
	last="ctrrun run --name sk busybox sleep 60; kill -9 of ctrrun"
	if ! start_bg sk busybox sleep 60; then
		fail "container sk never reached running"
		finish_bg
		show_last
		return
	fi
	local id procs init init_t fs fs_t cpid
	id=$(container_id sk)
	init=$(db "select pid from containers where id='$id'")
	init_t=$(start_ticks "$init")
	[[ -n $init_t ]] || fail "no live init recorded in containers"
	procs=$(db "select fs_pid from container_processes where container_id='$id'")
	fs=$procs fs_t=""
	[[ -n $fs ]] && fs_t=$(start_ticks "$fs")
	[[ -n $fs_t ]] || fail "no live ctrfs daemon recorded in container_processes"
	if cpid=$(find_ctrrun "$bg"); then kill -9 "$cpid"; else fail "no ctrrun process below $bg"; fi
	finish_bg
	local i
	for ((i = 0; i < 100; i++)); do
		exists "$init" "$init_t" || exists "$fs" "$fs_t" || break
		sleep 0.1
	done
	exists "$init" "$init_t" && fail "the container's init ($init) survived ctrrun's SIGKILL"
	exists "$fs" "$fs_t" && fail "the ctrfs daemon ($fs) survived ctrrun's SIGKILL"
	local psline
	psline=$(ctr ps -a 2>&1 | awk '$NF == "sk"')
	[[ $psline == *"Exited ("* ]] || fail "ps -a does not show sk as exited: '$psline'"
	[[ $(db "select state from containers where id='$id'") == exited ]] || fail "state.db does not say exited after ps"
	show_last
	capture rm sk
	expect_rc 0
	[[ -n $(container_id sk) ]] && fail "ctrrun rm left the row"
	[[ -e $R/containers/$id ]] && fail "ctrrun rm left $R/containers/$id"
	show_last
}

case_bad_unknown_image() { expect_refusal nosuchimage run --rm nosuchimage true; }
case_bad_volume_no_colon() { expect_refusal "$V/nocolon" run --rm -v "$V/nocolon" busybox true; }
case_bad_volume_relative_host() { expect_refusal "relative:/x" run --rm -v relative:/x busybox true; }
case_bad_volume_relative_ctr() { expect_refusal "$V/h1:relative" run --rm -v "$V/h1:relative" busybox true; }
case_bad_volume_empty_host() { expect_refusal ":/x" run --rm -v :/x busybox true; }
case_bad_volume_empty_ctr() { expect_refusal "$V/h2:" run --rm -v "$V/h2:" busybox true; }
case_bad_volume_mode() { expect_refusal bogus run --rm -v "$V/h3:/b:bogus" busybox true; }
case_bad_env() { expect_refusal NOEQUALS run --rm -e NOEQUALS busybox true; }

# A host /proc with a file mounted over (as lxcfs does): the kernel refuses a
# user namespace a fresh procfs, and the error must say why. The bind lasts
# only this case (the test is root in both modes).
case_bad_locked_proc() {
	local over=/proc/timer_list
	[[ -e $over ]] || over=/proc/uptime
	if ! mount --bind /dev/null "$over"; then
		fail "cannot mount over $over"
		show_last
		return
	fi
	expect_refusal "fresh procfs|mounted over" run --rm busybox true
	umount "$over"
}

case_bad_duplicate_name() {
	capture run --name dup busybox true
	local first
	first=$(db "select id, state, exit_code from containers where name='dup'")
	[[ $rc == 0 && -n $first ]] || { fail "could not create the first container dup"; show_last; return; }
	expect_refusal dup run --name dup busybox true
	[[ $(db "select id, state, exit_code from containers where name='dup'") == "$first" ]] || fail "the first container dup changed"
	[[ -d $R/containers/${first%%|*} ]] || fail "the first container's dir is gone"
	ctr rm dup >/dev/null 2>&1
}

case_bad_unwritable_root() {
	if [[ $mode == root ]]; then skip_reason="root can write every dir"; return; fi
	local ro=$M/rootowned
	mkdir -p "$ro"
	chown root:root "$ro"
	chmod 0755 "$ro"
	local saved=("${CTR[@]}")
	CTR=("${AS[@]}" env ${ctrfs:+"CTRFS=$ctrfs"} "$ctrrun" --root "$ro")
	capture run --rm busybox true
	CTR=("${saved[@]}")
	expect_rc 125
	expect_err_has "$ro"
	[[ -n $(ls -A "$ro") ]] && fail "something was created in $ro: $(ls -A "$ro")"
	show_last
}

case_concurrent_name() {
	local p1 p2 rc1 rc2
	(cd "$V" && exec timeout -k 5 "$tmo" "${CTR[@]}" run --name same busybox true >/dev/null 2>"$tmp/c1.err" </dev/null) &
	p1=$!
	(cd "$V" && exec timeout -k 5 "$tmo" "${CTR[@]}" run --name same busybox true >/dev/null 2>"$tmp/c2.err" </dev/null) &
	p2=$!
	bg_pids+=("$p1" "$p2")
	wait "$p1"; rc1=$?
	wait "$p2"; rc2=$?
	last="two concurrent ctrrun run --name same busybox true"
	rc="$rc1 $rc2" out="" err="1: $(<"$tmp/c1.err") 2: $(<"$tmp/c2.err")"
	local loser_err
	if [[ $rc1 == 0 && $rc2 == 125 ]]; then loser_err=$(<"$tmp/c2.err")
	elif [[ $rc1 == 125 && $rc2 == 0 ]]; then loser_err=$(<"$tmp/c1.err")
	else fail "exit statuses $rc1 and $rc2, expected one 0 and one 125"; loser_err=""
	fi
	[[ -n $loser_err && $loser_err != *"already in use"* ]] && fail "the loser's error does not say 'already in use'"
	local count
	count=$(db "select count(*) from containers where name='same'")
	[[ $count == 1 ]] || fail "$count rows named same, expected 1"
	show_last
	ctr rm same >/dev/null 2>&1
}

# Last case of a mode: no mount and no process of this mode is left.
# ---------------------------------------------------------------- option syntax
# docker's: options before IMAGE are run's, everything after it the command's
# (POSIX order); --flag=value and --flag value; -fVALUE and -f VALUE;
# bundled short flags; -- ends the options; --help on every command.
case_opts_after_image_are_the_commands() {
	capture run --rm busybox ls -l /
	expect_rc 0
	# ls -l's long format: a mode column, here for /bin.
	grep -qE '^[dl][rwxst-]{9} .* bin( -> .*)?$' <<<"$out" || fail "ls did not get -l: no long listing of /bin"
	show_last
	capture run --rm busybox echo --help -d
	expect_rc 0
	expect_out "--help -d"
	show_last
}

case_opts_value_forms() {
	local form
	for form in "--hostname=h1" "--hostname h1" "-hh1" "-h h1"; do
		# shellcheck disable=SC2086 # the form's words are the test
		capture run --rm $form busybox hostname
		expect_rc 0
		expect_out h1
		show_last
	done
	capture run --rm --env=A=1 -eB=2 --env C=3 busybox sh -c 'echo "$A$B$C"'
	expect_rc 0
	expect_out 123
	show_last
}

case_opts_bundled() {
	printf 'in\n' >"$tmp/in"
	# -i and -e bundled, -e's value the next argument; then -e with its value attached.
	# shellcheck disable=SC2016 # expanded by the container's shell
	stdin_file=$tmp/in capture run --rm -ie A=1 -eB=2 busybox sh -c 'cat; echo "$A$B"'
	expect_rc 0
	expect_out $'in\n12'
	show_last
	# -d bundled with -w, whose value is the next argument.
	capture run -dw /tmp --name bundled busybox pwd
	expect_rc 0
	[[ $out =~ ^[0-9a-f]{64}$ ]] || fail "run -dw did not detach (no id printed)"
	show_last
	capture wait bundled
	expect_out 0
	capture logs bundled
	expect_out /tmp
	show_last
	rm_quiet bundled
}

case_opts_double_dash() {
	capture run --rm --name dd -- busybox echo after-dashes
	expect_rc 0
	expect_out after-dashes
	show_last
	capture run --name dd2 busybox true
	capture rm -- dd2
	expect_rc 0
	expect_out dd2
	[[ -z $(container_id dd2) ]] || fail "rm -- dd2 left the container"
	show_last
}

case_opts_help_every_command() {
	local c
	for c in run import images rmi ps rm container logs exec stop kill start wait commit export inspect; do
		capture "$c" --help
		expect_rc 0
		[[ $out == "usage: ctrrun $c "* ]] || fail "$c --help: stdout does not start with 'usage: ctrrun $c'"
		[[ -z $err ]] || fail "$c --help wrote to stderr"
		show_last
	done
	capture --help
	expect_rc 0
	[[ $out == "usage: ctrrun "* ]] || fail "ctrrun --help: no usage on stdout"
	show_last
}

case_bad_opt_unknown() { expect_refusal "--bogus" run --rm --bogus busybox true; }
case_bad_opt_unknown_short() { expect_refusal "-Z" run --rm -itZ busybox true; }
# docker takes no abbreviations (getopt_long would: --det for --detach).
case_bad_opt_abbreviated() { expect_refusal "--det" run --rm --det busybox true; }
case_bad_opt_missing_value() {
	expect_refusal "--name" run --rm --name
	expect_refusal "-e needs a value" run --rm -e
	expect_refusal "--root" --root
}
case_bad_opt_value_to_switch() { expect_refusal "--rm" run --rm=yes busybox true; }
case_bad_opt_logs_tail() {
	expect_refusal "--tail|lots" logs --tail=lots nosuch
	expect_refusal "--tail" logs --tail
	expect_refusal "--bogus" ps --bogus
	expect_refusal "-t needs a value" stop -t
}

case_nothing_left() {
	expect_mode_mounts_unchanged
	expect_no_process_using "$R"
	local rows
	rows=$(db "select name from containers where state <> 'exited'")
	[[ -z $rows ]] || fail "containers not exited: $rows"
}

run_all run
