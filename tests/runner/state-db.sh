#!/bin/bash
# TAP test: ctrrun's commands beside a state.db that another process holds,
# that is damaged, or that was cut to zero bytes, and `run`
# racing the removal of its image. Every case runs as root and as the
# unprivileged user ctrtest (rootless), each mode with its own state root.
#
# - A `sqlite3` session holding BEGIN IMMEDIATE (as a user who left one
#   open): ps, logs, images and inspect answer at once from the last
#   commit; run waits for the lock, and fails clearly when it never comes.
# - Garbage written into the pages of a copy of the store: every command
#   prints an error and exits non-zero; none prints an error and exits 0.
# - A zero-length state.db beside layers and containers is refused, named,
#   left as it is; alone in a new directory it becomes a new store.
#
# Expected values come from docs/ctrrun.1 and from docker's rules (exit 125
# for ctrrun's own failures), never from the output under test.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases_root=(
	case_readers_beside_write_lock case_stale_settled_only_when_free case_writer_waits_for_lock
	case_writer_fails_clearly
	case_damaged_every_command_fails case_damaged_history_fails_command case_damaged_logs_and_processes
	case_damaged_images
	case_empty_db_beside_store case_empty_db_new_store
	case_run_racing_rmi
)
# The same but the 10-second busy timeout, which says nothing new rootless.
# shellcheck disable=SC2034
cases_rootless=(
	case_readers_beside_write_lock case_stale_settled_only_when_free case_writer_waits_for_lock
	case_damaged_every_command_fails case_damaged_history_fails_command case_damaged_logs_and_processes
	case_damaged_images
	case_empty_db_beside_store case_empty_db_new_store
	case_run_racing_rmi
)

# "Promptly": far below the 10 s busy timeout, with room for the ASan build.
prompt_ms=2000

now_ns() { date +%s%N; }

# ---------------------------------------------------------------- the lock holder
# hold_lock [DB]: a sqlite3 session (as the mode's user) that holds BEGIN
# IMMEDIATE on DB (the mode's state.db) until release_lock, with an
# uncommitted row in it. hold_sql SQL sends it more.
holder_pid="" holder_fd=""
hold_lock() {
	local db=${1:-$R/state.db} i
	rm -f "$tmp/holder.in" "$tmp/holder.out"
	mkfifo "$tmp/holder.in"
	"${AS[@]}" sqlite3 -batch -cmd '.timeout 5000' "$db" <"$tmp/holder.in" >"$tmp/holder.out" 2>&1 &
	holder_pid=$!
	bg_pids+=("$holder_pid")
	exec {holder_fd}>"$tmp/holder.in"
	hold_sql "PRAGMA foreign_keys = ON; BEGIN IMMEDIATE;
	          INSERT INTO events (time_ns, type, action, actor_id) VALUES (1, 'image', 'held', 'x');
	          SELECT 'locked';"
	for ((i = 0; i < 100; i++)); do
		grep -q '^locked$' "$tmp/holder.out" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "the sqlite3 session did not get the write lock: $(cat "$tmp/holder.out")"
	return 1
}
hold_sql() { echo "$1" >&"$holder_fd"; }
release_lock() {
	[[ -n $holder_fd ]] || return 0
	hold_sql "${1:-ROLLBACK};"
	exec {holder_fd}>&-
	wait "$holder_pid" 2>/dev/null
	holder_fd="" holder_pid=""
}

# timed ARGS...: capture with a timeout far below the busy timeout; sets
# took (ms) too.
timed() {
	local t0
	t0=$(now_ns)
	last="ctrrun $*"
	out=$(cd "$V" && timeout -k 1 5 "${CTR[@]}" "$@" 2>"$tmp/err" </dev/null)
	rc=$?
	err=$(<"$tmp/err")
	took=$((($(now_ns) - t0) / 1000000))
}
expect_prompt() { ((took < prompt_ms)) || fail "$last took $took ms (the lock is held; expected < $prompt_ms)"; }

# ---------------------------------------------------------------- beside a held lock
case_readers_beside_write_lock() {
	capture run --name reader busybox sh -c 'echo err-1 >&2; sleep 0.1; echo out-1; echo out-2'
	[[ $rc == 0 ]] || { fail "run reader failed"; show_last; return; }
	local id
	id=$(container_id reader)
	hold_lock || return
	timed ps
	expect_rc 0; expect_prompt
	[[ $out == "CONTAINER ID"* ]] || fail "ps printed no table: $out"
	show_last
	timed ps -a
	expect_rc 0; expect_prompt
	[[ $(awk '$NF == "reader"' <<<"$out") == "$(short "$id")"*"Exited (0)"* ]] || fail "ps -a does not show reader exited"
	show_last
	timed ps -a -q --no-trunc
	expect_rc 0; expect_prompt
	[[ $out == *"$id"* ]] || fail "ps -aq --no-trunc does not list $id"
	show_last
	timed images
	expect_rc 0; expect_prompt
	[[ $out == *busybox*latest* ]] || fail "images does not list busybox:latest"
	show_last
	timed logs reader
	expect_rc 0; expect_prompt
	expect_out $'out-1\nout-2'
	[[ $err == err-1 ]] || fail "logs' stderr is '$err', expected err-1"
	show_last
	timed logs --tail 1 reader
	expect_rc 0; expect_prompt; expect_out out-2
	show_last
	timed inspect reader
	expect_rc 0; expect_prompt
	[[ $out == *"\"Id\": \"$id\""* && $out == *'"Status": "exited"'* ]] || fail "inspect reader: not its id and state"
	show_last
	timed inspect busybox
	expect_rc 0; expect_prompt
	[[ $out == *'"RepoTags"'*'busybox:latest'* ]] || fail "inspect busybox: no RepoTags busybox:latest"
	show_last
	timed inspect --type container reader
	expect_rc 0; expect_prompt
	show_last
	release_lock
	[[ $(db "select count(*) from events where action = 'held'") == 0 ]] || fail "the held row was committed"
	rm_quiet reader
}

# A container whose monitor died is settled (exit 137 recorded) by the next
# command that can take the write lock; a read-only command beside a held
# lock does not wait for it: it shows what is recorded, and the first one
# after the lock is free settles it.
case_stale_settled_only_when_free() {
	capture run -d --name orphan busybox sleep 60
	local id=$out mon mon_t
	[[ $rc == 0 && $id =~ ^[0-9a-f]{64}$ ]] || { fail "run -d orphan failed"; show_last; return; }
	wait_running orphan || fail "orphan is not running"
	read -r mon mon_t < <(db "select monitor_pid, monitor_start_ticks from container_processes where container_id='$id'" | tr '|' ' ')
	[[ -n $mon ]] && alive "$mon" "$mon_t" || { fail "no live monitor recorded"; rm_quiet orphan; return; }
	hold_lock || { rm_quiet orphan; return; }
	kill -9 "$mon"
	local i
	for ((i = 0; i < 100; i++)); do
		alive "$mon" "$mon_t" || break
		sleep 0.05
	done
	timed ps -a
	expect_rc 0; expect_prompt
	[[ $(awk '$NF == "orphan"' <<<"$out") == *"Up "* ]] || fail "beside the lock, ps -a should show what is recorded (Up): $out"
	show_last
	timed inspect orphan
	expect_rc 0; expect_prompt
	show_last
	release_lock
	timed ps -a
	expect_rc 0
	[[ $(awk '$NF == "orphan"' <<<"$out") == *"Exited (137)"* ]] || fail "with the lock free, ps -a does not settle orphan: $out"
	show_last
	rm_quiet orphan
}

# A command that writes waits for the lock (the busy timeout) and goes on.
case_writer_waits_for_lock() {
	rm -f "$tmp/w.rc"
	hold_lock || return
	local t0 t1
	t0=$(now_ns)
	(cd "$V" && timeout -k 5 "$tmo" "${CTR[@]}" run --rm busybox echo waited >"$tmp/w.out" 2>"$tmp/w.err" </dev/null; echo $? >"$tmp/w.rc") &
	local runner=$!
	sleep 1.5
	[[ -e $tmp/w.rc ]] && fail "run did not wait for the lock"
	release_lock
	wait "$runner"
	t1=$(now_ns)
	last="ctrrun run --rm busybox echo waited (lock held 1.5 s)" rc=$(<"$tmp/w.rc") out=$(<"$tmp/w.out") err=$(<"$tmp/w.err")
	expect_rc 0; expect_out waited
	((($(ms_between "$t0" "$t1")) >= 1500)) || fail "run finished before the lock was released"
	show_last
}
ms_between() { echo $((($2 - $1) / 1000000)); }

# Held past the busy timeout: run fails with exit 125 and says why, and
# leaves nothing behind.
case_writer_fails_clearly() {
	local before
	before=$(ls -A "$R/containers")
	hold_lock || return
	local t0
	t0=$(now_ns)
	capture run --name blocked busybox true
	local took_ms
	took_ms=$(ms_between "$t0" "$(now_ns)")
	release_lock
	expect_rc 125
	expect_err_has "state db $R/state.db"
	expect_err_has "database is locked"
	expect_err_has "another process held the database"
	((took_ms >= 9000 && took_ms < 20000)) || fail "run gave up after $took_ms ms, expected the 10 s busy timeout"
	[[ -z $(db "select id from containers where name = 'blocked'") ]] || fail "a row for blocked is left"
	[[ $(ls -A "$R/containers") == "$before" ]] || fail "a container dir is left"
	show_last
}

# ---------------------------------------------------------------- a damaged state.db
# damaged_copy NAME TABLE...: a copy of the mode's store in $M/NAME (D)
# with garbage in every page of the given tables and their indexes (all:
# every page but the schema's), after a checkpoint so that the pages are
# in state.db. CTR_D runs ctrrun on it.
damaged_copy() {
	local name=$1
	shift
	D=$M/$name
	rm -rf "$D"
	db_write "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	cp -a "$R" "$D"
	rm -f "$D/state.db-wal" "$D/state.db-shm"
	local sql pages p
	if [[ $1 == all ]]; then
		sql="SELECT pageno FROM dbstat WHERE name <> 'sqlite_schema'"
	else
		sql="SELECT pageno FROM dbstat WHERE name IN
		     (SELECT name FROM sqlite_schema WHERE tbl_name IN ($(printf "'%s'," "$@" | sed 's/,$//')))"
	fi
	pages=$("${AS[@]}" sqlite3 -readonly "$D/state.db" "$sql")
	[[ -n $pages ]] || { fail "no pages found for $*"; return 1; }
	for p in $pages; do
		head -c 4096 /dev/urandom | dd of="$D/state.db" bs=4096 seek=$((p - 1)) conv=notrunc status=none
	done
	CTR_D=("${CTR[@]:0:${#CTR[@]}-1}" "$D")
}
# on_damaged ARGS...: ctrrun on the damaged copy; sets out, err, rc, last.
on_damaged() {
	last="ctrrun --root $D $*"
	out=$(cd "$V" && timeout -k 5 30 "${CTR_D[@]}" "$@" 2>"$tmp/err" </dev/null)
	rc=$?
	err=$(<"$tmp/err")
}
# error_lines: ctrrun's messages on stderr but notes and warnings.
error_lines() { grep -E '^(ctrrun: |Error: )' <<<"$err" | grep -vE '^ctrrun: (note|warning): '; }
# expect_no_silent_failure: an error printed means a non-zero exit.
expect_no_silent_failure() {
	if [[ -n $(error_lines) && $rc == 0 ]]; then
		fail "$last printed an error and exited 0: $(error_lines | head -1)"
	fi
}

# The commands of a store with an image busybox, exited containers a (with
# a log) and b, and the tar of busybox to import: every one of them.
every_command() {
	printf '%s\n' "ps" "ps -a" "ps -q" "images" "images -q" "inspect a" "inspect busybox" "logs a" "logs --tail 1 a" \
		"run --rm busybox true" "run --name new busybox true" "run -d busybox true" \
		"rm -f b" "stop a" "kill a" "start a" "wait a" "exec a true" "rm a" \
		"commit a committed" "export -o $M/a.tar a" "import $tmp/busybox.tar imported" \
		"rmi busybox" "rmi -f busybox" "container prune"
}
damaged_store_setup() {
	capture run --name a busybox sh -c 'seq 1 50; echo to-stderr >&2'
	[[ $rc == 0 ]] || { fail "run a failed"; show_last; return 1; }
	capture run --name b busybox true
	[[ $rc == 0 ]] || { fail "run b failed"; show_last; return 1; }
}
damaged_store_cleanup() {
	rm_quiet a b
	rm -rf "$D"
}

# Every table's pages are garbage: every command that reads must say so
# and fail.
case_damaged_every_command_fails() {
	damaged_store_setup || return
	damaged_copy damaged-all all || { damaged_store_cleanup; return; }
	local cmd failed=()
	while read -r cmd; do
		# shellcheck disable=SC2086 # the command's words
		on_damaged $cmd
		if [[ $rc == 0 || -z $(error_lines) ]]; then
			failed+=("'$cmd' (exit $rc, stderr: $(head -c 200 <<<"$err"))")
		fi
	done < <(every_command)
	((${#failed[@]} == 0)) || fail "commands that did not print an error and exit non-zero: ${failed[*]}"
	damaged_store_cleanup
}

# Only the history (events) is damaged: commands that do their job but
# cannot record it print an error, so they must not exit 0.
case_damaged_history_fails_command() {
	damaged_store_setup || return
	damaged_copy damaged-events events || { damaged_store_cleanup; return; }
	local cmd silent=() printed=0
	while read -r cmd; do
		# shellcheck disable=SC2086
		on_damaged $cmd
		[[ -n $(error_lines) && $rc == 0 ]] && silent+=("'$cmd': $(error_lines | head -1)")
		[[ $err == *malformed* ]] && printed=$((printed + 1))
	done < <(every_command)
	((printed >= 3)) || fail "only $printed commands met the damaged events table (expected run, rm, import...)"
	((${#silent[@]} == 0)) || fail "printed an error and exited 0: ${silent[*]}"
	damaged_store_cleanup
}

# Logs and the processes of running containers damaged: logs, rm -f, and
# the crash cleanup every command does first.
case_damaged_logs_and_processes() {
	damaged_store_setup || return
	damaged_copy damaged-logs logs container_processes || { damaged_store_cleanup; return; }
	local cmd silent=()
	while read -r cmd; do
		# shellcheck disable=SC2086
		on_damaged $cmd
		[[ -n $(error_lines) && $rc == 0 ]] && silent+=("'$cmd': $(error_lines | head -1)")
		if [[ $cmd == "logs a" || $cmd == "rm -f a" ]]; then
			[[ $rc != 0 && $err == *malformed* ]] ||
				fail "'$cmd' on a damaged log: exit $rc, stderr '$(head -c 200 <<<"$err")'"
		fi
	done < <(printf '%s\n' "ps -a" "logs a" "inspect a" "wait a" "rm -f a" "run --rm busybox true")
	((${#silent[@]} == 0)) || fail "printed an error and exited 0: ${silent[*]}"
	damaged_store_cleanup
}

# The images table damaged: the ps view (which crash cleanup reads first)
# fails, while a container's own row and log can still be read: logs
# prints the log, and the error, so it must not exit 0.
case_damaged_images() {
	damaged_store_setup || return
	damaged_copy damaged-images images || { damaged_store_cleanup; return; }
	on_damaged logs a
	[[ $rc != 0 && $err == *malformed* ]] || fail "logs a beside a damaged images table: exit $rc, stderr '$err'"
	show_last
	local cmd silent=()
	while read -r cmd; do
		# shellcheck disable=SC2086
		on_damaged $cmd
		[[ -n $(error_lines) && $rc == 0 ]] && silent+=("'$cmd': $(error_lines | head -1)")
	done < <(every_command)
	((${#silent[@]} == 0)) || fail "printed an error and exited 0: ${silent[*]}"
	damaged_store_cleanup
}

# ---------------------------------------------------------------- a zero-length state.db
case_empty_db_beside_store() {
	capture run --name kept busybox true
	[[ $rc == 0 ]] || { fail "run kept failed"; show_last; return; }
	db_write "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	D=$M/truncated
	rm -rf "$D"
	cp -a "$R" "$D"
	rm -f "$D/state.db-wal" "$D/state.db-shm"
	: >"$D/state.db"
	CTR_D=("${CTR[@]:0:${#CTR[@]}-1}" "$D")
	local cmd
	for cmd in "ps -a" "images" "run --rm busybox true" "import $tmp/busybox.tar again" "rm -f kept"; do
		# shellcheck disable=SC2086
		on_damaged $cmd
		expect_rc 125
		expect_err_has "state db $D/state.db"
		expect_err_has "empty (0 bytes)"
		[[ -z $out ]] || fail "$cmd printed on stdout: $out"
		[[ $(stat -c %s "$D/state.db") == 0 ]] || fail "after $cmd, state.db is no longer 0 bytes"
		show_last
	done
	[[ -n $(ls -A "$D/layers") && -n $(ls -A "$D/containers") ]] || fail "layers or containers were removed"
	rm_quiet kept
	rm -rf "$D"
}

case_empty_db_new_store() {
	D=$M/fresh
	rm -rf "$D"
	mkdir -m 0700 "$D"
	: >"$D/state.db"
	chmod 0600 "$D/state.db"
	[[ $mode == rootless ]] && chown -R "$user:" "$D"
	CTR_D=("${CTR[@]:0:${#CTR[@]}-1}" "$D")
	on_damaged ps -a
	expect_rc 0
	[[ $out == "CONTAINER ID"* && $(wc -l <<<"$out") == 1 ]] || fail "ps -a of a new store is not an empty table"
	[[ -z $err ]] || fail "stderr: $err"
	show_last
	[[ $("${AS[@]}" sqlite3 -readonly "$D/state.db" "PRAGMA user_version") -ge 4 ]] || fail "no schema was made in the new store"
	on_damaged images -q
	expect_rc 0; expect_out ""
	show_last
	rm -rf "$D"
}

# ---------------------------------------------------------------- run racing rmi
# run finds its image, then records the container; rmi deleting the image
# in between is forced here: a session holds the write lock while run
# starts, deletes the image as rmi does (one transaction) and lets go.
case_run_racing_rmi() {
	capture import --change 'CMD ["true"]' "$tmp/busybox.tar" victim
	[[ $rc == 0 ]] || { fail "import victim failed"; show_last; return; }
	local victim_id before
	victim_id=$(db "select id from images where repository = 'victim'")
	before=$(ls -A "$R/containers")
	rm -f "$tmp/r.rc"
	hold_lock || return
	(cd "$V" && timeout -k 5 "$tmo" "${CTR[@]}" run --name race1 victim >"$tmp/r.out" 2>"$tmp/r.err" </dev/null; echo $? >"$tmp/r.rc") &
	local runner=$!
	sleep 1.5  # run is past its image lookup, waiting for the lock to record the container
	hold_sql "DELETE FROM images WHERE id = '$victim_id';"
	release_lock COMMIT
	wait "$runner"
	last="ctrrun run --name race1 victim (image deleted meanwhile)" rc=$(<"$tmp/r.rc") out=$(<"$tmp/r.out") err=$(<"$tmp/r.err")
	expect_rc 125
	expect_err_has "victim"
	expect_err_has "was removed while the container was being created"
	[[ $err == *"no image $victim_id"* ]] && fail "the message is the database's, not the user's"
	[[ -z $(db "select id from containers where name = 'race1'") ]] || fail "a row for race1 is left"
	[[ $(ls -A "$R/containers") == "$before" ]] || fail "a container dir is left"
	show_last
}

cleanup_extra() { release_lock 2>/dev/null; }

run_all state-db
