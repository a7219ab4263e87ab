#!/bin/bash
# TAP test: what kill -9 of a command leaves behind, at the instants most
# likely to leave something (listed below), caught on purpose rather than at random (kill9.sh does
# random instants): an import and a commit killed while their layer is being
# extracted into layers/.tmp-*, an rm killed while it deletes the upper dir.
# Expected: the next command removes the temporary directory of a dead
# import and never one of a live import; a container whose rm is under way
# or was cut short says `removing` (docker: "Removal In Progress") and only
# rm acts on it (start, exec, commit and export refuse it); rm finishes it,
# and so does the next command once the remover is gone.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../runner/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../runner/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_import_killed case_import_live_untouched case_legacy_tmp case_commit_killed
	case_rm_stopped_midway case_rm_killed_then_start case_rm_killed_then_rm
	case_nothing_left
)

# Files in the big layer and in a big upper dir: enough that extracting or
# deleting them takes long enough for the test to catch the command half
# way.
n_files=${CTR_CRASH_FILES:-6000}

# The busybox image, and a layer of many small files (python's tarfile: a
# shell loop would take longer than the test).
make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	python3 - "$tmp/many.tar" "$n_files" <<'EOF' && chmod 0644 "$tmp/many.tar"
import io, os, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])
with tarfile.open(out, "w") as t:
    for d in range(n // 1000 + 1):
        info = tarfile.TarInfo("many/%03d" % d)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        t.addfile(info)
    for i in range(n):
        data = os.urandom(2048)
        info = tarfile.TarInfo("many/%03d/f%06d" % (i // 1000, i))
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
EOF
	# The same tree extracted once, hard-linked into upper dirs (making
	# thousands of files takes far longer than removing them): five copies,
	# so that the upper dir's link count tells when the first has gone.
	local k
	mkdir -p "$tmp/tree/many0" && tar -C "$tmp/tree/many0" -xf "$tmp/many.tar" || return 1
	for k in 1 2 3 4; do cp -al "$tmp/tree/many0" "$tmp/tree/many$k" || return 1; done
}

# find_ctrrun PID: the ctrrun process at or below PID (timeout, runuser and
# env sit between the shell and ctrrun).
find_ctrrun() {
	local p=$1 i
	for ((i = 0; i < 6; i++)); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == ctrrun ]] && { echo "$p"; return 0; }
		p=$(pgrep -P "$p" | head -n1)
		[[ -n $p ]] || return 1
	done
	return 1
}

# bg_ctr ARGS...: ctrrun ARGS in the background (its own process group, as
# timeout(1) makes one); sets bg (timeout's pid, the group) and cpid (ctrrun).
# Rootless through setpriv, which execs, not runuser: runuser stops itself
# when its child stops, and would stop again after SIGCONT for the stop it
# had not yet reaped.
bg_ctr() {
	last="ctrrun $*"
	local as=()
	[[ $mode == rootless ]] && as=(setpriv --reuid="$user" --regid="$user" --init-groups --)
	(cd "$V" && exec timeout -k 5 "$tmo" "${as[@]}" env XDG_RUNTIME_DIR="$M/run" ${ctrfs:+"CTRFS=$ctrfs"} \
		"$ctrrun" --root "$R" "$@") >"$tmp/bg.out" 2>"$tmp/bg.err" &
	bg=$!
	bg_pids+=("$bg")
	local i
	for ((i = 0; i < 200; i++)); do
		cpid=$(find_ctrrun "$bg") && return 0
		sleep 0.01
	done
	fail "no ctrrun process below $bg"
	return 1
}
# finish_bg: waits for the background command; sets rc, out, err.
finish_bg() {
	wait "$bg" 2>/dev/null
	rc=$?
	out=$(<"$tmp/bg.out")
	err=$(<"$tmp/bg.err")
}

tmp_dirs() { find "$R/layers" -maxdepth 1 -name '.tmp-*' 2>/dev/null | sort; }
# wait_tmp: until a layers/.tmp-* exists (10 s); its path in $made.
wait_tmp() {
	local i
	for ((i = 0; i < 2000; i++)); do
		made=$(tmp_dirs | head -n1)
		[[ -n $made ]] && return 0
		sleep 0.005
	done
	return 1
}

# Layer directories and rows agree: every layers/<id> has a row, every row
# its directory.
expect_layers_agree() {
	local rows dirs
	rows=$(db 'select id from layers order by id')
	dirs=$(find "$R/layers" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | sort)
	[[ $rows == "$dirs" ]] || fail "layer rows and dirs differ: $(changes "$rows" "$dirs")"
}

# ---------------------------------------------------------------- import, commit
case_import_killed() {
	bg_ctr import "$tmp/many.tar" many:killed || { finish_bg; show_last; return; }
	if ! wait_tmp; then
		fail "the import never made a layers/.tmp-* directory"
		finish_bg; show_last; return
	fi
	kill -9 "$cpid"
	finish_bg
	[[ -d $made ]] || fail "the killed import's $made vanished by itself (the test proves nothing)"
	capture ps -a
	expect_rc 0
	[[ -z $(tmp_dirs) ]] || fail "the next command left $(tmp_dirs | tr '\n' ' ') ($(du -sh "$made" 2>/dev/null | cut -f1))"
	expect_layers_agree
	show_last
	# And the import works when run again.
	capture import "$tmp/many.tar" many:again
	expect_rc 0
	[[ -z $(tmp_dirs) ]] || fail "import left $(tmp_dirs)"
	expect_layers_agree
	show_last
}

# A live import's directory is never taken: the import is stopped (SIGSTOP)
# while it extracts, another command runs, the import goes on and succeeds.
case_import_live_untouched() {
	ctr rmi many:again >/dev/null 2>&1
	bg_ctr import "$tmp/many.tar" many:live || { finish_bg; show_last; return; }
	if ! wait_tmp; then
		fail "the import never made a layers/.tmp-* directory"
		finish_bg; show_last; return
	fi
	# ctrrun only: the helper extracting for it goes on (and ends); ctrrun
	# waits, its directory not yet renamed into place.
	kill -STOP "$cpid"
	capture ps -a
	expect_rc 0
	[[ -d $made ]] || fail "the next command removed $made of a live (stopped) import"
	show_last
	kill -CONT -- "-$bg"
	finish_bg
	expect_rc 0
	[[ $out =~ ^sha256:[0-9a-f]{64}$ ]] || fail "the import did not print the image id: '$out'"
	[[ -z $(tmp_dirs) ]] || fail "import left $(tmp_dirs)"
	local layer
	layer=$(db "select layer_id from image_layers where image_id = (select id from images where repository = 'many' and tag = 'live')")
	[[ $(find "$R/layers/$layer/diff/many" -type f 2>/dev/null | wc -l) == "$n_files" ]] ||
		fail "the layer of many:live does not hold the $n_files files"
	expect_layers_agree
	show_last
	ctr rmi many:live >/dev/null 2>&1
}

# One left by a ctrrun from before owners were recorded in the name
# (.tmp-XXXXXX): removed once it is an hour old, kept while it is younger.
case_legacy_tmp() {
	"${AS[@]}" mkdir -p "$R/layers/.tmp-AbC123/diff/x" "$R/layers/.tmp-DeF456/diff/y"
	touch -d '2 hours ago' "$R/layers/.tmp-AbC123"
	capture ps -a
	expect_rc 0
	[[ -e $R/layers/.tmp-AbC123 ]] && fail "a 2-hour-old legacy .tmp-AbC123 is left"
	[[ -d $R/layers/.tmp-DeF456 ]] || fail "a fresh legacy .tmp-DeF456 was removed"
	show_last
	rm -rf "$R/layers/.tmp-DeF456"
}

case_commit_killed() {
	local id upper
	capture run --name big busybox true
	id=$(container_id big)
	upper=$R/containers/$id/upper
	[[ -n $id && -d $upper ]] || { fail "no container big"; show_last; return; }
	# The upper dir's files as the container would have made them (its
	# root owns the upper dir), written from the host for speed.
	cp -al "$tmp/tree/many0/many" "$upper/" && chown -R --reference="$upper" "$upper"
	bg_ctr commit big big:killed || { finish_bg; show_last; return; }
	if ! wait_tmp; then
		fail "the commit never made a layers/.tmp-* directory"
		finish_bg; show_last; return
	fi
	kill -9 "$cpid"
	finish_bg
	capture ps -a
	expect_rc 0
	[[ -z $(tmp_dirs) ]] || fail "the next command left $(tmp_dirs | tr '\n' ' ')"
	expect_layers_agree
	show_last
	capture commit big big:again
	expect_rc 0
	[[ -z $(tmp_dirs) ]] || fail "commit left $(tmp_dirs)"
	expect_layers_agree
	show_last
	rm_quiet big
	ctr rmi big:again big:killed >/dev/null 2>&1
}

# ---------------------------------------------------------------- rm mid-delete
# make_victim NAME: an exited container with five copies of the many/ tree
# in its upper dir (made from the host, owned as the container's root owns
# the upper dir); sets id, upper.
make_victim() {
	capture run --name "$1" busybox sh -c 'echo keep >/keep'
	id=$(container_id "$1")
	upper=$R/containers/$id/upper
	[[ -n $id && -f $upper/keep ]] || { fail "no container $1 with /keep"; return 1; }
	local owner
	owner=$(stat -c %u:%g "$upper")
	cp -al "$tmp/tree/"many? "$upper/" && chown -R "$owner" "$upper"
	return 0
}
# upper_count: files left in the victim's upper dir.
upper_count() { find "$upper" 2>/dev/null | wc -l; }
# rm_midway NAME: rm NAME in the background, stopped (its whole process
# group: ctrrun and the helper that deletes) once files have started to go.
rm_midway() {
	local before i links now
	before=$(upper_count)
	links=$(stat -c %h "$upper")
	bg_ctr rm "$1" || return 1
	# Until one of the five copies has gone (the upper dir loses a link):
	# the others are still there to be caught.
	for ((i = 0; i < 10000; i++)); do
		now=$(stat -c %h "$upper" 2>/dev/null) || break
		((now < links)) && break
	done
	kill -STOP -- "-$bg"
	now=$(upper_count)
	if ((now >= before || now == 0)); then
		fail "rm was not caught half way ($now of $before entries left)"
		kill -CONT -- "-$bg"
		return 1
	fi
	return 0
}

# The remover is alive (stopped): the container says removing, only rm acts
# on it, and a second rm says that the removal is already in progress.
case_rm_stopped_midway() {
	make_victim v1 || { show_last; return; }
	rm_midway v1 || { finish_bg; show_last; return; }
	[[ $(state_of v1) == removing ]] || fail "state.db says '$(state_of v1)' while rm deletes the files, expected removing"
	[[ $(ctr ps -a 2>/dev/null | awk '$NF == "v1"') == *"Removal In Progress"* ]] ||
		fail "ps -a does not show v1 as Removal In Progress (docker's status)"
	capture start v1
	[[ $rc != 0 ]] || fail "start ran a container whose files are being deleted"
	expect_err_has_i remov
	show_last
	capture exec v1 true
	[[ $rc != 0 ]] || fail "exec succeeded"
	expect_err_has_i remov
	show_last
	capture commit v1 v1:img
	[[ $rc != 0 ]] || fail "commit of a container being removed succeeded"
	expect_err_has_i remov
	show_last
	capture export -o "$V/v1.tar" v1
	[[ $rc != 0 ]] || fail "export of a container being removed succeeded"
	show_last
	capture rm v1
	expect_rc 1
	expect_err_has_i "in progress"
	show_last
	# The remover dies; rm takes over and finishes.
	kill -9 "$cpid"
	kill -CONT -- "-$bg"
	finish_bg
	capture rm v1
	expect_rc 0
	expect_out v1
	[[ -z $(db "select 1 from containers where id='$id'") ]] || fail "the row of v1 is left"
	[[ -e $R/containers/$id ]] && fail "$R/containers/$id is left"
	show_last
}

# kill -9 of rm half way, then start: refused (before: it ran the container
# with half its files); the store is settled afterwards (the removal done).
case_rm_killed_then_start() {
	make_victim v2 || { show_last; return; }
	rm_midway v2 || { finish_bg; show_last; return; }
	kill -9 "$cpid"
	kill -CONT -- "-$bg"
	finish_bg
	capture start v2
	[[ $rc != 0 ]] || fail "start ran a container whose rm was killed half way"
	expect_err_has_i remov
	show_last
	capture ps -a
	expect_rc 0
	[[ $out == *" v2"* ]] && fail "ps -a still lists v2 after two commands: $out"
	[[ -z $(db "select 1 from containers where id='$id'") ]] || fail "the row of v2 is left ($(state_of v2))"
	[[ -e $R/containers/$id ]] && fail "$R/containers/$id is left ($(upper_count) entries)"
	show_last
}

# kill -9 of rm half way, then rm: it finishes the job.
case_rm_killed_then_rm() {
	make_victim v3 || { show_last; return; }
	rm_midway v3 || { finish_bg; show_last; return; }
	kill -9 "$cpid"
	kill -CONT -- "-$bg"
	finish_bg
	capture rm v3
	expect_rc 0
	expect_out v3
	[[ -z $(db "select 1 from containers where id='$id'") ]] || fail "the row of v3 is left ($(state_of v3))"
	[[ -e $R/containers/$id ]] && fail "$R/containers/$id is left"
	show_last
}

case_nothing_left() {
	capture ps -a
	local rows
	rows=$(db "select name || ' ' || state from containers")
	[[ -z $rows ]] || fail "containers left: $(tr '\n' ' ' <<<"$rows")"
	[[ -z $(ls -A "$R/containers") ]] || fail "dirs under containers/: $(ls -A "$R/containers")"
	[[ -z $(tmp_dirs) ]] || fail "left: $(tmp_dirs)"
	expect_layers_agree
	[[ $(db 'PRAGMA integrity_check') == ok ]] || fail "integrity_check is not ok"
	expect_no_process_using "$R"
	show_last
}

run_all crash-leftovers
