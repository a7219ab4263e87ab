#!/bin/bash
# TAP test: the life of detached containers end to end: run -d and its
# monitor, logs, exec, stop, kill, start, wait, rm, container prune, crash
# detection and many commands at once. Every case runs twice, as root and as
# the unprivileged user ctrtest (rootless), each mode with its own state root
# under a temp dir that is removed at the end. Expected values are computed
# here (seq, the arguments given, the host clock, /proc), never taken from
# the output under test.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The cases of one mode, in order; each prints exactly one TAP line.
# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_detach_returns_at_once case_detach_survives_shell case_detach_survives_hangup
	case_detach_rm
	case_logs_streams_complete case_logs_partial_last_line case_logs_binary
	case_logs_follow case_logs_follow_exited case_logs_tail case_logs_tail_value_forms
	case_logs_tail_partial_last_line
	case_logs_timestamps case_logs_since case_logs_after_exit case_log_lines_view
	case_log_max_size case_sqlite_reader_while_running case_chatty_survives_commands
	case_exec_sees_processes case_exec_sees_hostname_and_files case_exec_exit_code
	case_exec_not_found case_exec_env_workdir_user case_exec_stdin case_exec_tty
	case_exec_stopped
	case_stop_escalates case_stop_cooperative case_kill_usr1 case_wait_exit_code
	case_start_keeps_upper case_killed_monitor case_killed_monitor_pid_reused
	case_rm_running_refused case_rm_force case_prune
	case_unknown_container case_ambiguous_prefix case_ps_bundled_flags
	case_concurrent
	case_nothing_left
)

# ---------------------------------------------------------------- helpers
# "pid ticks" of every monitor, init and ctrfs daemon seen, so that the end
# of a mode (and the cleanup) can tell whether one is left.
recorded=()
begin_mode() { recorded=(); }

# The processes this test's ctrrun commands started (by pid and start time,
# so a reused pid is never hit).
cleanup_extra() {
	local p
	for p in "${recorded[@]}"; do
		# shellcheck disable=SC2086 # "pid ticks"
		alive $p && kill -9 "${p%% *}" 2>/dev/null
	done
}
# expect_recorded_gone: none of the recorded processes is alive. A monitor
# whose container was just removed may still be on its way out (under the
# ASan build, LeakSanitizer's scan at exit takes a moment): up to 10 s.
expect_recorded_gone() {
	local p left=() try
	for ((try = 0; try < 100; try++)); do
		left=()
		for p in "${recorded[@]}"; do
			# shellcheck disable=SC2086 # "pid ticks"
			alive $p && left+=("${p%% *}")
		done
		((${#left[@]} == 0)) && return 0
		sleep 0.1
	done
	local what=()
	for p in "${left[@]}"; do what+=("$p($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-60))"); done
	fail "recorded processes left: ${what[*]}"
}

now_ns() { date +%s%N; }
# Milliseconds from ns A to ns B.
ms_between() { echo $((($2 - $1) / 1000000)); }

# gone_within SECONDS PID TICKS
gone_within() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		alive "$2" "$3" || return 0
		sleep 0.05
	done
	return 1
}

# procs_of ID: sets init, init_t, mon, mon_t, fs, fs_t from state.db and
# remembers them for the end-of-mode check.
procs_of() {
	local row
	row=$(db "select c.pid, c.pid_start_ticks, p.monitor_pid, p.monitor_start_ticks, p.fs_pid, p.fs_start_ticks
		from containers c left join container_processes p on p.container_id = c.id where c.id = '$1'")
	IFS='|' read -r init init_t mon mon_t fs fs_t <<<"$row"
	[[ -n $init ]] && recorded+=("$init $init_t")
	[[ -n $mon ]] && recorded+=("$mon $mon_t")
	[[ -n $fs ]] && recorded+=("$fs $fs_t")
	return 0
}

# ps_line NAME: the container's line of ps -a.
ps_line() { ctr ps -a 2>/dev/null | awk -v n="$1" '$NF == n'; }

# wait_log NAME TEXT: until the container's stored output holds TEXT (10 s).
wait_log() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(ctr logs "$1" 2>&1) == *"$2"* ]] && return 0
		sleep 0.05
	done
	return 1
}

# detach NAME ARGS...: ctrrun run -d --name NAME ARGS; sets id (its stdout)
# and fails the case unless it is a running container's full id.
detach() {
	local name=$1
	shift
	capture run -d --name "$name" "$@"
	id=$out
	if [[ $rc != 0 || ! $id =~ ^[0-9a-f]{64}$ ]]; then
		fail "run -d --name $name did not print a container id (exit $rc)"
		return 1
	fi
	procs_of "$id"
	return 0
}

# Mounts that name this test's temp dir anywhere (source, target, options).
mounts_naming_tmp() { awk -v r="$tmp" 'index($0, r) { print $5 }' /proc/self/mountinfo | sort; }

# ---------------------------------------------------------------- detach
case_detach_returns_at_once() {
	# $(...) also proves that nothing (the monitor) keeps ctrrun's stdout open.
	local t0 t1
	t0=$(now_ns)
	detach quick busybox sleep 30
	t1=$(now_ns)
	local took
	took=$(ms_between "$t0" "$t1")
	((took < 2000)) || fail "run -d took ${took} ms, expected < 2000"
	[[ $id == "$(container_id quick)" ]] || fail "the printed id is not the id of container quick in state.db"
	[[ $(state_of quick) == running ]] || fail "state of quick is '$(state_of quick)', expected running"
	alive "$init" "$init_t" || fail "the init (pid $init) is not alive"
	show_last
	rm_quiet quick
}

# The shell that starts ctrrun run -d exits at once (ctrrun in its
# background); the container must not depend on either.
case_detach_survives_shell() {
	local f=$tmp/det
	rm -f "$f".*
	last="setsid bash -c 'ctrrun run -d --name det busybox sleep 30 &'"
	# shellcheck disable=SC2016 # expanded by the inner bash
	(cd "$V" && OUT=$f.out ERR=$f.err RC=$f.rc timeout 20 setsid -w bash -c \
		'{ "$@"; echo $? >"$RC"; } >"$OUT" 2>"$ERR" </dev/null & exit 0' _ \
		"${CTR[@]}" run -d --name det busybox sleep 30)
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -s $f.rc ]] && break
		sleep 0.05
	done
	rc=$(cat "$f.rc" 2>/dev/null) out=$(cat "$f.out" 2>/dev/null) err=$(cat "$f.err" 2>/dev/null)
	expect_rc 0
	id=$(container_id det)
	[[ -n $id && $out == "$id" ]] || fail "stdout is not the id of container det"
	procs_of "$id"
	sleep 1
	[[ $(ps_line det) == *" Up "* ]] || fail "ps -a does not show det Up 1 s after its shell exited: '$(ps_line det)'"
	alive "$init" "$init_t" || fail "the init (pid $init) is gone"
	if alive "$mon" "$mon_t"; then
		# A monitor that kept a controlling terminal or its starter's
		# session would die with them.
		[[ $(stat_field "$mon" 7) == 0 ]] || fail "the monitor (pid $mon) has a controlling terminal"
		[[ $(stat_field "$mon" 6) == "$mon" ]] || fail "the monitor (pid $mon) is not a session leader"
	else
		fail "the monitor ($mon) is not alive"
	fi
	show_last
	rm_quiet det
}

# Started from a terminal that then closes (SIGHUP to its session).
case_detach_survives_hangup() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	in_pty "$(ctr_line) run -d --name hup busybox sleep 30" true
	expect_rc 0
	id=$(container_id hup)
	[[ -n $id && $out == "$id" ]] || fail "stdout is not the id of container hup"
	procs_of "$id"
	sleep 1
	[[ $(ps_line hup) == *" Up "* ]] || fail "ps -a does not show hup Up after its terminal closed: '$(ps_line hup)'"
	alive "$init" "$init_t" || fail "the init (pid $init) is gone"
	local fd target
	for fd in 0 1 2; do
		target=$(readlink "/proc/$mon/fd/$fd" 2>/dev/null)
		[[ $target == /dev/pts/* ]] && fail "the monitor's fd $fd is the terminal $target"
	done
	show_last
	rm_quiet hup
}

# --rm with -d: the monitor removes the container when it exits.
case_detach_rm() {
	detach drm --rm busybox sh -c 'sleep 0.3; exit 3' || { show_last; return; }
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -z $(container_id drm) && ! -e $R/containers/$id ]] && break
		sleep 0.05
	done
	[[ -n $(container_id drm) ]] && fail "the row of the --rm container is still there after 10 s"
	[[ -e $R/containers/$id ]] && fail "$R/containers/$id is still there after 10 s"
	gone_within 5 "$mon" "$mon_t" || fail "the monitor (pid $mon) did not exit"
	show_last
}

# ---------------------------------------------------------------- logs
case_logs_streams_complete() {
	# shellcheck disable=SC2016 # expanded by the container's shell
	detach streams busybox sh -c 'for i in $(seq 1 2000); do echo out$i; echo err$i >&2; done' || { show_last; return; }
	capture wait streams
	expect_rc 0
	expect_out 0
	last="ctrrun logs streams"
	ctr logs streams >"$tmp/lo" 2>"$tmp/le"
	rc=$?
	expect_rc 0
	seq -f 'out%g' 1 2000 >"$tmp/want_out"
	seq -f 'err%g' 1 2000 >"$tmp/want_err"
	cmp -s "$tmp/lo" "$tmp/want_out" ||
		fail "stdout of logs is not out1..out2000 in order: $(diff "$tmp/want_out" "$tmp/lo" | head -5 | tr '\n' ' ')"
	cmp -s "$tmp/le" "$tmp/want_err" ||
		fail "stderr of logs is not err1..err2000 in order: $(diff "$tmp/want_err" "$tmp/le" | head -5 | tr '\n' ' ')"
	out=$(head -n 5 "$tmp/lo") err=$(head -n 5 "$tmp/le")
	show_last
	rm_quiet streams
}

case_logs_partial_last_line() {
	detach partial busybox sh -c 'printf "line1\npartial"; printf "eline\neparte" >&2' || { show_last; return; }
	ctr wait partial >/dev/null
	last="ctrrun logs partial"
	ctr logs partial >"$tmp/lo" 2>"$tmp/le"
	rc=$?
	expect_rc 0
	out=$(od -c "$tmp/lo") err=$(od -c "$tmp/le")
	cmp -s "$tmp/lo" <(printf 'line1\npartial') || fail "stdout is not exactly 'line1\\npartial'"
	cmp -s "$tmp/le" <(printf 'eline\neparte') || fail "stderr is not exactly 'eline\\neparte'"
	show_last
	rm_quiet partial
}

case_logs_binary() {
	detach binary busybox sh -c 'printf "\000\001\377"; printf "\376\000\n\200" >&2' || { show_last; return; }
	ctr wait binary >/dev/null
	last="ctrrun logs binary"
	ctr logs binary >"$tmp/lo" 2>"$tmp/le"
	rc=$?
	expect_rc 0
	out=$(od -An -tx1 "$tmp/lo") err=$(od -An -tx1 "$tmp/le")
	cmp -s "$tmp/lo" <(printf '\x00\x01\xff') || fail "stdout bytes are not 00 01 ff"
	cmp -s "$tmp/le" <(printf '\xfe\x00\n\x80') || fail "stderr bytes are not fe 00 0a 80"
	show_last
	rm_quiet binary
}

case_logs_follow() {
	detach fol busybox sh -c 'echo l1; sleep 0.7; echo l2 >&2; sleep 0.7; echo l3' || { show_last; return; }
	local f=$tmp/fol
	(ctr logs -f fol >"$f.out" 2>"$f.err"; echo $? >"$f.rc"; now_ns >"$f.end") &
	local lp=$!
	bg_pids+=("$lp")
	local started_state
	started_state=$(state_of fol)
	[[ $started_state == running ]] || fail "the container had ended before logs -f started; the case proves nothing"
	wait "$lp"
	last="ctrrun logs -f fol"
	rc=$(cat "$f.rc") out=$(cat "$f.out") err=$(cat "$f.err")
	expect_rc 0
	expect_out l1$'\n'l3
	[[ $err == l2 ]] || fail "stderr $(printf %q "$err"), expected l2"
	local fin end
	fin=$(db "select finished_ns from containers where name='fol'")
	end=$(cat "$f.end")
	if [[ -z $fin ]]; then
		fail "no finished_ns recorded"
	else
		((end >= fin)) || fail "logs -f returned $(ms_between "$end" "$fin") ms before the container finished"
		(($(ms_between "$fin" "$end") <= 2000)) ||
			fail "logs -f returned $(ms_between "$fin" "$end") ms after the container finished, expected <= 2000"
	fi
	show_last
	rm_quiet fol
}

case_logs_follow_exited() {
	detach folx busybox echo finished || { show_last; return; }
	ctr wait folx >/dev/null
	local t0
	t0=$(now_ns)
	capture logs -f folx
	expect_rc 0
	expect_out finished
	(($(ms_between "$t0" "$(now_ns)") < 2000)) || fail "logs -f of an exited container did not return at once"
	show_last
	rm_quiet folx
}

case_logs_tail() {
	detach tail busybox seq 1 10 || { show_last; return; }
	ctr wait tail >/dev/null
	capture logs --tail 3 tail
	expect_rc 0
	expect_out "$(seq 8 10)"
	show_last
	capture logs -n 3 tail
	expect_rc 0
	expect_out "$(seq 8 10)"
	show_last
	capture logs --tail 0 tail
	expect_rc 0
	expect_out ""
	show_last
	capture logs --tail 100 tail
	expect_rc 0
	expect_out "$(seq 1 10)"
	show_last
	rm_quiet tail
}

# docker's value forms (--tail=N, --tail N, -nN, -n N) and bundled short
# flags: -tn 2 is -t with -n 2.
case_logs_tail_value_forms() {
	detach tailf busybox seq 1 10 || { show_last; return; }
	ctr wait tailf >/dev/null
	local form
	for form in "--tail=5" "--tail 5" "-n5" "-n 5"; do
		# shellcheck disable=SC2086 # the form's words are the test
		capture logs $form tailf
		expect_rc 0
		expect_out "$(seq 6 10)"
		show_last
	done
	capture logs -tn 2 tailf
	expect_rc 0
	[[ $(wc -l <<<"$out") == 2 ]] || fail "logs -tn 2 printed $(wc -l <<<"$out") lines, expected 2"
	[[ $out =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ 9$'\n'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ 10$ ]] ||
		fail "logs -tn 2: not the last 2 lines with timestamps"
	show_last
	# As docker's logs: options after the container too.
	capture logs tailf --tail=2
	expect_rc 0
	expect_out "$(seq 9 10)"
	show_last
	# -ft: follows (returns at once: the container has exited) with timestamps.
	capture logs -ft --tail=1 tailf
	expect_rc 0
	[[ $out =~ ^[0-9]{4}-[0-9-]+T[0-9:.]+Z\ 10$ ]] || fail "logs -ft --tail=1: not the last line with its timestamp"
	show_last
	rm_quiet tailf
}

# A last line without a newline is a line too (docker keeps it as an entry):
# --tail 1 must print it alone.
case_logs_tail_partial_last_line() {
	detach tailp busybox sh -c 'printf "a\nb\nc"' || { show_last; return; }
	ctr wait tailp >/dev/null
	last="ctrrun logs --tail 1 tailp"
	ctr logs --tail 1 tailp >"$tmp/lo" 2>"$tmp/le"
	rc=$? out=$(od -c "$tmp/lo") err=$(<"$tmp/le")
	expect_rc 0
	cmp -s "$tmp/lo" <(printf 'c') || fail "stdout is not exactly 'c'"
	show_last
	rm_quiet tailp
}

case_logs_timestamps() {
	local t0 t1
	t0=$(now_ns)
	detach stamps busybox sh -c 'echo one; echo two >&2' || { show_last; return; }
	ctr wait stamps >/dev/null
	t1=$(now_ns)
	capture logs -t stamps
	expect_rc 0
	local re='^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]{1,9})?Z (.*)$'
	local line ns frac checked=0
	while IFS= read -r line; do
		[[ -z $line ]] && continue
		if [[ $line =~ $re ]]; then
			frac=${BASH_REMATCH[2]#.}
			frac=$(printf '%-9s' "$frac" | tr ' ' 0)
			ns=$(($(date -u -d "${BASH_REMATCH[1]}Z" +%s) * 1000000000 + 10#$frac))
			((ns >= t0 - 1000000000 && ns <= t1 + 1000000000)) ||
				fail "timestamp of '$line' is not between the run's start and end"
			checked=$((checked + 1))
		else
			fail "line '$line' has no RFC 3339 timestamp prefix"
		fi
	done < <(printf '%s\n%s\n' "$out" "$err")
	[[ $(sed -E 's/^[^ ]+ //' <<<"$out") == one ]] || fail "stdout text is not 'one'"
	[[ $(sed -E 's/^[^ ]+ //' <<<"$err") == two ]] || fail "stderr text is not 'two'"
	((checked == 2)) || fail "$checked timestamped lines, expected 2"
	show_last
	rm_quiet stamps
}

case_logs_since() {
	detach since busybox sh -c 'echo early; sleep 2; echo late' || { show_last; return; }
	wait_log since early || fail "'early' never reached the log"
	sleep 0.5
	# Between the two lines: 'early' was read before now, 'late' comes 1.5 s later.
	local mid future
	mid=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
	ctr wait since >/dev/null
	capture logs --since "$mid" since
	expect_rc 0
	expect_out late
	show_last
	future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
	capture logs --since "$future" since
	expect_rc 0
	expect_out ""
	[[ -z $err ]] || fail "stderr is not empty"
	show_last
	capture logs --since 1h since
	expect_rc 0
	expect_out $'early\nlate'
	show_last
	rm_quiet since
}

# The log lives in state.db: it is there after the container and its
# monitor are gone.
case_logs_after_exit() {
	detach after busybox sh -c 'echo bye; echo bye-err >&2; exit 5' || { show_last; return; }
	ctr wait after >/dev/null
	gone_within 5 "$mon" "$mon_t" || fail "the monitor (pid $mon) is still there after the exit"
	[[ $(db "select state, exit_code from containers where name='after'") == "exited|5" ]] ||
		fail "state.db does not say exited|5"
	capture logs after
	expect_rc 0
	expect_out bye
	[[ $err == bye-err ]] || fail "stderr $(printf %q "$err"), expected bye-err"
	show_last
	rm_quiet after
}

case_log_lines_view() {
	# 'ab' and 'cd' come in two reads: the view joins them into one line.
	detach view busybox sh -c 'echo one; echo two >&2; printf ab; sleep 0.3; echo cd; printf par' ||
		{ show_last; return; }
	ctr wait view >/dev/null
	last="sqlite3 state.db 'select ... from log_lines'"
	out=$(db "select line from log_lines where container_id='$id' and stream='stdout' order by line_no")
	rc=$?
	expect_rc 0
	expect_out $'one\nabcd\npar'
	local got
	got=$(db "select line from log_lines where container_id='$id' and stream='stderr' order by line_no")
	[[ $got == two ]] || fail "stderr lines $(printf %q "$got"), expected two"
	got=$(db "select group_concat(complete, ',') from (select complete from log_lines
		where container_id='$id' and stream='stdout' order by line_no)")
	[[ $got == 1,1,0 ]] || fail "complete flags of stdout lines: '$got', expected 1,1,0"
	show_last
	rm_quiet view
}

case_log_max_size() {
	local lines=160000 limit=$((64 * 1024))
	detach big --log-max-size 64k busybox seq 1 "$lines" || { show_last; return; }
	ctr wait big >/dev/null
	local kept
	kept=$(db "select coalesce(sum(length(data)), 0) from logs where container_id='$id'")
	last="ctrrun logs big (after run --log-max-size 64k of $(seq 1 $lines | wc -c) bytes)"
	((kept <= limit * 11 / 10)) || fail "$kept bytes kept in the logs table, expected <= $((limit * 11 / 10))"
	# Whole chunks (up to 64 KiB each) are dropped, so what is left may be
	# well under the limit; but not nothing.
	((kept > 0)) || fail "nothing kept"
	ctr logs big >"$tmp/lo" 2>"$tmp/le"
	rc=$? out=$(tail -n 3 "$tmp/lo") err=$(<"$tmp/le")
	expect_rc 0
	[[ $(tail -n 1 "$tmp/lo") == "$lines" ]] || fail "the last line is not $lines"
	# The oldest output went: what is left is the end of seq's output (the
	# first line may be the tail of a cut one).
	local k
	k=$(($(wc -l <"$tmp/lo") - 1))
	if ((k > 0)); then
		cmp -s <(tail -n "$k" "$tmp/lo") <(seq $((lines - k + 1)) "$lines") ||
			fail "the kept lines are not the last $k of seq 1 $lines"
	fi
	show_last
	rm_quiet big
}

# Someone reads state.db with a plain (read-write) sqlite3 while a detached
# container runs, e.g. through the log_lines view. Its monitor must still
# record the rest of the output and the exit: SQLite deletes the WAL when
# the last connection closes, which it knows by the locks the others hold.
case_sqlite_reader_while_running() {
	detach reader busybox sh -c 'echo before; sleep 1.5; echo after; exit 9' || { show_last; return; }
	wait_log reader before || fail "'before' never reached the log"
	last="sqlite3 state.db 'select line from log_lines ...' while the container runs"
	out=$(db_write "select line from log_lines where container_id='$id'")
	rc=$?
	expect_rc 0
	expect_out before
	show_last
	capture wait reader
	expect_rc 0
	expect_out 9
	show_last
	capture logs reader
	expect_rc 0
	expect_out $'before\nafter'
	show_last
	rm_quiet reader
}

# Other ctrrun commands open state.db while a detached container's monitor
# writes its log: the monitor must go on (seen: killed by SIGBUS when a new
# connection truncated the shared-memory file it had mapped).
case_chatty_survives_commands() {
	detach chatty --log-max-size 1m busybox sh -c 'trap "exit 0" TERM; while :; do echo aaaaaaaaaaaaaaaaaaaa; done' ||
		{ show_last; return; }
	wait_sig "$init" SigCgt 15 || fail "the shell never caught SIGTERM"
	local k before after
	for ((k = 0; k < 5; k++)); do
		capture ps -a
		[[ $rc == 0 ]] || fail "ps -a exited $rc: $err"
		capture logs --tail 1 chatty
		[[ $rc == 0 ]] || fail "logs exited $rc: $err"
		sleep 0.2
	done
	alive "$mon" "$mon_t" || fail "the monitor (pid $mon) died while other commands ran"
	[[ $(ps_line chatty) == *" Up "* ]] || fail "ps -a does not show chatty Up: '$(ps_line chatty)'"
	# The monitor writes in batches (large ones for a container this chatty).
	before=$(db "select max(id) from logs where container_id='$id'")
	for ((k = 0; k < 50; k++)); do
		after=$(db "select max(id) from logs where container_id='$id'")
		[[ -n $after && $after != "$before" ]] && break
		sleep 0.1
	done
	[[ -n $after && $after != "$before" ]] || fail "no new log rows in 5 s (max id stays $before)"
	capture stop chatty
	expect_rc 0
	[[ $(db "select state, exit_code from containers where name='chatty'") == "exited|0" ]] ||
		fail "state.db: '$(db "select state, exit_code from containers where name='chatty'")', expected exited|0"
	show_last
	rm_quiet chatty
}

# ---------------------------------------------------------------- exec
# One long-running container for the exec cases: it leaves a marker file
# and says ready before it becomes sleep (PID 1).
exsrv_id=""
need_exsrv() {
	if [[ $(state_of exsrv) != running ]]; then
		rm_quiet exsrv
		detach exsrv -e CENV=from-run busybox sh -c 'echo mark >/marker; echo ready; exec sleep 600' || return 1
		exsrv_id=$id
		wait_log exsrv ready || { fail "exsrv never said ready"; return 1; }
		# PID 1 execs sleep right after saying ready.
		local i
		for ((i = 0; i < 100; i++)); do
			[[ $(tr '\0' ' ' <"/proc/$init/cmdline" 2>/dev/null) == "sleep 600 " ]] && break
			sleep 0.05
		done
	fi
	return 0
}

case_exec_sees_processes() {
	need_exsrv || { show_last; return; }
	# shellcheck disable=SC2016 # expanded by the container's shell
	capture exec exsrv sh -c 'echo self=$$; ps -o pid,args; true'
	expect_rc 0
	local pid1 self
	pid1=$(awk '$1 == 1 { $1 = ""; sub(/^ /, ""); print }' <<<"$out")
	[[ $pid1 == "sleep 600" ]] || fail "PID 1 inside is '$pid1', expected the container's command 'sleep 600'"
	self=$(sed -n 's/^self=//p' <<<"$out")
	[[ -n $self && $self != 1 ]] || fail "the exec'd shell's pid is '$self', expected one of the container's (> 1)"
	grep -qE "^ *$self +sh -c" <<<"$out" || fail "ps inside does not list the exec'd shell (pid $self)"
	# The container's PID namespace: sleep, the exec'd shell and its ps.
	local procs
	procs=$(grep -cE '^ *[0-9]+ ' <<<"$out")
	[[ $procs == 3 ]] || fail "ps inside lists $procs processes, expected 3 (sleep, sh, ps)"
	show_last
}

case_exec_sees_hostname_and_files() {
	need_exsrv || { show_last; return; }
	# shellcheck disable=SC2016 # expanded by the container's shell
	capture exec exsrv sh -c 'hostname; cat /marker; echo $CENV'
	expect_rc 0
	expect_out "$(short "$exsrv_id")"$'\nmark\nfrom-run'
	show_last
}

case_exec_exit_code() {
	need_exsrv || { show_last; return; }
	capture exec exsrv sh -c 'exit 7'
	expect_rc 7
	show_last
	capture exec exsrv sh -c 'kill -9 $$'
	expect_rc 137
	show_last
}

case_exec_not_found() {
	need_exsrv || { show_last; return; }
	capture exec exsrv nosuchcommand
	expect_rc 127
	expect_err_has nosuchcommand
	show_last
	capture exec exsrv /etc/passwd
	expect_rc 126
	expect_err_has /etc/passwd
	show_last
}

case_exec_env_workdir_user() {
	need_exsrv || { show_last; return; }
	# shellcheck disable=SC2016 # expanded by the container's shell
	capture exec -e FOO=bar -e CENV=over -w /tmp -u 65534 exsrv sh -c 'echo $FOO; echo $CENV; pwd; id -u; id -g'
	expect_rc 0
	expect_out $'bar\nover\n/tmp\n65534\n65534'
	show_last
	capture exec -u 1000:1001 exsrv sh -c 'id -u; id -g'
	expect_rc 0
	expect_out $'1000\n1001'
	show_last
	# runc's umask 0022, not the one of whoever runs ctrrun exec.
	last="umask 077; ctrrun exec exsrv sh -c umask"
	out=$(umask 077; ctr exec exsrv sh -c umask 2>"$tmp/err" </dev/null)
	rc=$? err=$(<"$tmp/err")
	expect_rc 0
	expect_out 0022
	show_last
}

case_exec_stdin() {
	need_exsrv || { show_last; return; }
	printf 'abc\n' >"$tmp/in"
	stdin_file=$tmp/in capture exec -i exsrv cat
	expect_rc 0
	expect_out abc
	show_last
	stdin_file=$tmp/in capture exec exsrv cat
	expect_rc 0
	expect_out ""
	show_last
}

case_exec_tty() {
	if ! command -v script >/dev/null; then skip_reason="script (util-linux) is missing"; return; fi
	need_exsrv || { show_last; return; }
	in_pty "$(ctr_line) exec -it exsrv sh" feed $'tty; exit 5\n' 3
	expect_rc 5
	grep -qE '^/dev/pts/[0-9]+$' <<<"$out" || fail "tty inside did not print /dev/pts/N"
	show_last
	capture exec exsrv tty
	[[ $rc == 1 ]] || fail "exec without -t: tty exited $rc, expected 1 (not a tty)"
	show_last
}

case_exec_stopped() {
	capture run --name exdone busybox true
	[[ $rc == 0 ]] || fail "could not make container exdone"
	capture exec exdone sh -c 'echo ran'
	expect_rc 125
	expect_out ""
	expect_err_has exdone
	expect_err_has "not running"
	((${#why[@]} == 0)) && [[ $(wc -l <<<"$err") != 1 ]] && fail "the error is not one line"
	show_last
	rm_quiet exdone
	rm_quiet exsrv
}

# ---------------------------------------------------------------- stop, kill, wait, start
case_stop_escalates() {
	detach stubborn busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done' || { show_last; return; }
	wait_sig "$init" SigIgn 15 || fail "the shell never ignored SIGTERM"
	local t0 took
	t0=$(now_ns)
	capture stop -t 1 stubborn
	took=$(ms_between "$t0" "$(now_ns)")
	expect_rc 0
	expect_out stubborn
	((took >= 900 && took <= 4000)) || fail "stop -t 1 took $took ms, expected about 1 s"
	[[ $(db "select state, exit_code from containers where name='stubborn'") == "exited|137" ]] ||
		fail "state.db: '$(db "select state, exit_code from containers where name='stubborn'")', expected exited|137"
	[[ $(ps_line stubborn) == *"Exited (137)"* ]] || fail "ps -a does not show Exited (137): '$(ps_line stubborn)'"
	alive "$init" "$init_t" && fail "the init (pid $init) is still alive"
	gone_within 5 "$fs" "$fs_t" || fail "the ctrfs daemon (pid $fs) is still alive"
	show_last
	rm_quiet stubborn
}

case_stop_cooperative() {
	detach coop busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' || { show_last; return; }
	wait_sig "$init" SigCgt 15 || fail "the shell never caught SIGTERM"
	local t0 took
	t0=$(now_ns)
	capture stop coop
	took=$(ms_between "$t0" "$(now_ns)")
	expect_rc 0
	expect_out coop
	((took < 3000)) || fail "stop took $took ms for a container that exits on SIGTERM"
	[[ $(db "select state, exit_code from containers where name='coop'") == "exited|0" ]] ||
		fail "state.db: '$(db "select state, exit_code from containers where name='coop'")', expected exited|0"
	[[ $(ps_line coop) == *"Exited (0)"* ]] || fail "ps -a does not show Exited (0): '$(ps_line coop)'"
	show_last
	# Stopping a stopped container is no error (docker).
	capture stop coop
	expect_rc 0
	show_last
	rm_quiet coop
}

case_kill_usr1() {
	detach usr1 busybox sh -c 'trap "echo got-usr1; echo x >/tmp/usr1" USR1; while :; do sleep 0.1; done' ||
		{ show_last; return; }
	wait_sig "$init" SigCgt 10 || fail "the shell never caught SIGUSR1"
	capture kill -s USR1 usr1
	expect_rc 0
	expect_out usr1
	show_last
	wait_log usr1 got-usr1 || fail "the trap's output never reached the log"
	capture exec usr1 cat /tmp/usr1
	expect_rc 0
	expect_out x
	[[ $(state_of usr1) == running ]] || fail "the container stopped on a handled SIGUSR1"
	show_last
	capture kill -s SIGKILL usr1
	expect_rc 0
	capture wait usr1
	expect_out 137
	show_last
	capture kill -s NOSUCHSIG usr1
	expect_rc 125
	expect_err_has NOSUCHSIG
	show_last
	rm_quiet usr1
}

case_wait_exit_code() {
	detach w42 busybox sh -c 'sleep 0.5; exit 42' || { show_last; return; }
	capture wait w42
	expect_rc 0
	expect_out 42
	show_last
	# Already exited: at once, same code.
	capture wait w42
	expect_rc 0
	expect_out 42
	show_last
	rm_quiet w42
}

case_start_keeps_upper() {
	capture run --name again busybox sh -c 'echo run >>/runs; wc -l </runs'
	expect_rc 0
	expect_out 1
	show_last
	id=$(container_id again)
	capture start again
	expect_rc 0
	expect_out again
	procs_of "$id"
	capture wait again
	expect_out 0
	capture logs again
	expect_out $'1\n2'
	show_last
	[[ $(cat "$R/containers/$id/upper/runs" 2>&1) == $'run\nrun' ]] ||
		fail "upper/runs on the host is not two lines 'run'"
	rm_quiet again
}

# ---------------------------------------------------------------- crash detection
case_killed_monitor() {
	detach orphan busybox sleep 60 || { show_last; return; }
	alive "$mon" "$mon_t" || fail "no live monitor recorded in container_processes"
	kill -9 "$mon"
	gone_within 5 "$mon" "$mon_t" || fail "the monitor did not die"
	local line
	line=$(ps_line orphan)
	[[ $line == *"Exited ("* ]] || fail "the first ps -a after the monitor died does not show orphan exited: '$line'"
	[[ $(state_of orphan) == exited ]] || fail "state.db does not say exited after ps"
	gone_within 3 "$init" "$init_t" || fail "the init (pid $init) is still alive"
	gone_within 3 "$fs" "$fs_t" || fail "the ctrfs daemon (pid $fs) is still alive"
	last="ctrrun ps -a (after kill -9 of the monitor)" rc=0 out=$line err=""
	show_last
	capture rm orphan
	expect_rc 0
	[[ -e $R/containers/$id ]] && fail "rm left $R/containers/$id"
	show_last
}

# The monitor's pid (and the init's) now belongs to an unrelated process:
# the start time tells them apart, and the unrelated process is not killed.
case_killed_monitor_pid_reused() {
	detach reuse busybox sleep 60 || { show_last; return; }
	local decoy decoy_t
	sleep 60 &
	decoy=$!
	bg_pids+=("$decoy")
	decoy_t=$(start_ticks "$decoy")
	kill -9 "$mon"
	gone_within 5 "$mon" "$mon_t" || fail "the monitor did not die"
	gone_within 5 "$init" "$init_t" || fail "the init did not die with its monitor"
	# As if the pids had been reused by the decoy (start times kept).
	db_write "update container_processes set monitor_pid=$decoy where container_id='$id';
	    update containers set pid=$decoy where id='$id'"
	local line
	line=$(ps_line reuse)
	[[ $line == *"Exited ("* ]] || fail "ps -a does not show reuse exited: '$line'"
	alive "$decoy" "$decoy_t" || fail "the unrelated process $decoy (the reused pid) was killed"
	kill -9 "$decoy" 2>/dev/null
	last="ctrrun ps -a (monitor and init pid reused)" rc=0 out=$line err=""
	show_last
	rm_quiet reuse
}

# ---------------------------------------------------------------- rm, prune
case_rm_running_refused() {
	detach busy busybox sleep 60 || { show_last; return; }
	capture rm busy
	# docs/ctrrun.1 and runner/cli/cmd_rm.c: rm exits 1 when a container could not be removed.
	expect_rc 1
	expect_err_has busy
	expect_err_has running
	expect_out ""
	[[ $(ps_line busy) == *" Up "* ]] || fail "busy is not Up after the refused rm"
	alive "$init" "$init_t" || fail "the init (pid $init) died"
	[[ -d $R/containers/$id ]] || fail "$R/containers/$id is gone"
	show_last
	rm_quiet busy
}

case_rm_force() {
	detach forced -e X=1 -v "$V/forced:/data" busybox sleep 60 || { show_last; return; }
	local t
	[[ $(db "select count(*) from env where container_id='$id'") -gt 0 ]] || fail "no env rows before rm (the check below would prove nothing)"
	[[ $(db "select count(*) from mounts where container_id='$id'") == 1 ]] || fail "no mounts row before rm"
	capture rm -f forced
	expect_rc 0
	expect_out forced
	[[ $(db "select count(*) from containers where id='$id'") == 0 ]] || fail "the containers row is left"
	for t in logs container_processes mounts env; do
		[[ $(db "select count(*) from $t where container_id='$id'") == 0 ]] || fail "rows in $t are left"
	done
	[[ -e $R/containers/$id ]] && fail "$R/containers/$id is left"
	alive "$init" "$init_t" && fail "the init (pid $init) is alive"
	gone_within 3 "$mon" "$mon_t" || fail "the monitor (pid $mon) is alive"
	gone_within 3 "$fs" "$fs_t" || fail "the ctrfs daemon (pid $fs) is alive"
	[[ -d $V/forced ]] || fail "the volume dir $V/forced was removed"
	show_last
}

case_prune() {
	capture run --name pa busybox true
	capture run --name pb busybox sh -c 'exit 3'
	local ida idb
	ida=$(container_id pa) idb=$(container_id pb)
	detach pc busybox sleep 60 || { show_last; return; }
	local idc=$id
	capture container prune
	expect_rc 0
	grep -qx "$ida" <<<"$out" || fail "prune did not list pa's id"
	grep -qx "$idb" <<<"$out" || fail "prune did not list pb's id"
	grep -q "$idc" <<<"$out" && fail "prune listed the running pc"
	[[ -z $(container_id pa) && -z $(container_id pb) ]] || fail "an exited container's row is left"
	[[ -e $R/containers/$ida || -e $R/containers/$idb ]] && fail "an exited container's dir is left"
	[[ $(state_of pc) == running ]] || fail "the running pc is '$(state_of pc)'"
	alive "$init" "$init_t" || fail "pc's init died"
	show_last
	rm_quiet pc
}

# ---------------------------------------------------------------- bad input
case_unknown_container() {
	local cmd want
	# The code's exit statuses: logs and exec 125 (as ctrrun's errors), the
	# commands taking several containers 1 (as docker and rm(1)'s doc).
	for cmd in "logs 125" "exec 125" "stop 1" "kill 1" "start 1" "wait 1" "rm 1"; do
		want=${cmd#* } cmd=${cmd% *}
		if [[ $cmd == exec ]]; then capture exec nosuchcontainer true; else capture "$cmd" nosuchcontainer; fi
		expect_rc "$want"
		expect_err_has nosuchcontainer
		expect_out ""
		[[ $(wc -l <<<"$err") == 1 ]] || fail "the error is not one line"
		show_last
	done
}

case_ambiguous_prefix() {
	local i p="" made=()
	for ((i = 0; i < 17; i++)); do
		p=$(db "select substr(id, 1, 1) from containers group by 1 having count(*) > 1 limit 1")
		[[ -n $p ]] && break
		ctr run --name amb$i busybox true >/dev/null 2>&1
		made+=("amb$i")
	done
	if [[ -z $p ]]; then
		fail "17 containers and no two share a first hex digit"
		rm_quiet "${made[@]}"
		return
	fi
	local ids before
	ids=$(db "select id from containers where id like '$p%' order by id")
	before=$(db "select id from containers order by id")
	capture logs "$p"
	expect_rc 125
	expect_err_has "\"$p\""
	while read -r i; do expect_err_has "$(short "$i")"; done <<<"$ids"
	show_last
	capture rm "$p"
	expect_rc 1
	while read -r i; do expect_err_has "$(short "$i")"; done <<<"$ids"
	[[ $(db "select id from containers order by id") == "$before" ]] || fail "rm of an ambiguous prefix removed something"
	show_last
	((${#made[@]})) && rm_quiet "${made[@]}"
}

# ---------------------------------------------------------------- concurrency
case_concurrent() {
	local d=$tmp/conc i c
	rm -rf "$d"
	mkdir -p "$d"
	local -a pids=()
	for ((i = 1; i <= 20; i++)); do
		mkdir -p "$V/cc$i"
		own "$V/cc$i"
		(ctr run -d --name "cc$i" -e "CC=$i" -v "$V/cc$i:/data" busybox \
			sh -c "trap 'exit 0' TERM; echo started-$i; while :; do sleep 0.1; done" \
			>"$d/run.$i.out" 2>"$d/run.$i.err"
		 echo $? >"$d/run.$i.rc") &
		pids+=($!)
	done
	bg_pids+=("${pids[@]}")
	wait "${pids[@]}"
	local ids=() bad=()
	for ((i = 1; i <= 20; i++)); do
		rc=$(cat "$d/run.$i.rc") out=$(cat "$d/run.$i.out")
		if [[ $rc != 0 || ! $out =~ ^[0-9a-f]{64}$ ]]; then
			bad+=("run cc$i: exit $rc, $(cat "$d/run.$i.err")")
			continue
		fi
		[[ $out == "$(container_id "cc$i")" ]] || bad+=("run cc$i printed an id that is not cc$i's")
		ids+=("$out")
		procs_of "$out"
	done
	for c in "${bad[@]}"; do fail "$c"; done
	[[ $(printf '%s\n' "${ids[@]}" | sort -u | wc -l) == 20 ]] || fail "not 20 distinct ids: ${#ids[@]} printed"
	for ((i = 1; i <= 20; i++)); do
		wait_log "cc$i" "started-$i" || fail "cc$i never said started-$i"
	done
	local idlist
	idlist=$(printf "'%s'," "${ids[@]}")
	idlist=${idlist%,}
	[[ $(db "select count(*) from mounts where container_id in ($idlist)") == 20 ]] || fail "not 20 mounts rows"
	[[ $(db "select count(distinct container_id) from env where container_id in ($idlist)") == 20 ]] ||
		fail "not every container has env rows"

	# ps, logs and stop, 20 of each, all at once.
	pids=()
	for ((i = 1; i <= 20; i++)); do
		(ctr ps -a >"$d/ps.$i.out" 2>"$d/ps.$i.err"; echo $? >"$d/ps.$i.rc") &
		pids+=($!)
		(ctr logs "cc$i" >"$d/logs.$i.out" 2>"$d/logs.$i.err"; echo $? >"$d/logs.$i.rc") &
		pids+=($!)
		(ctr stop "cc$i" >"$d/stop.$i.out" 2>"$d/stop.$i.err"; echo $? >"$d/stop.$i.rc") &
		pids+=($!)
	done
	bg_pids+=("${pids[@]}")
	wait "${pids[@]}"
	bad=()
	for ((i = 1; i <= 20; i++)); do
		for c in ps logs stop; do
			[[ $(cat "$d/$c.$i.rc") == 0 ]] || bad+=("$c #$i: exit $(cat "$d/$c.$i.rc"): $(head -c 300 "$d/$c.$i.err")")
		done
		[[ $(cat "$d/logs.$i.out") == "started-$i" ]] || bad+=("logs cc$i: '$(head -c 100 "$d/logs.$i.out")'")
		[[ $(cat "$d/stop.$i.out") == "cc$i" ]] || bad+=("stop cc$i printed '$(cat "$d/stop.$i.out")'")
		[[ $(awk '$NF ~ /^cc[0-9]+$/' "$d/ps.$i.out" | wc -l) == 20 ]] || bad+=("ps -a #$i does not list 20 cc containers")
	done
	[[ $(db "select count(*) from containers where name like 'cc%' and state='exited' and exit_code=0") == 20 ]] ||
		bad+=("not all 20 exited with 0: $(db "select name, state, exit_code from containers where name like 'cc%'" | tr '\n' ' ')")

	# rm, 20 at once.
	pids=()
	for ((i = 1; i <= 20; i++)); do
		(ctr rm "cc$i" >"$d/rm.$i.out" 2>"$d/rm.$i.err"; echo $? >"$d/rm.$i.rc") &
		pids+=($!)
	done
	bg_pids+=("${pids[@]}")
	wait "${pids[@]}"
	for ((i = 1; i <= 20; i++)); do
		[[ $(cat "$d/rm.$i.rc") == 0 && $(cat "$d/rm.$i.out") == "cc$i" ]] ||
			bad+=("rm cc$i: exit $(cat "$d/rm.$i.rc"): $(head -c 300 "$d/rm.$i.err")")
	done
	for c in "${bad[@]}"; do fail "$c"; done
	# Nothing to say on success: a message here is a race between commands
	# (seen: "container X is exited; it cannot become exited").
	local f
	for f in "$d"/*.err; do
		[[ -s $f ]] && fail "stderr of $(basename "$f" .err): $(head -c 300 "$f")"
	done

	local t
	[[ $(db 'PRAGMA integrity_check') == ok ]] || fail "integrity_check: $(db 'PRAGMA integrity_check' | head -5)"
	[[ -z $(db 'PRAGMA foreign_key_check') ]] || fail "foreign_key_check: $(db 'PRAGMA foreign_key_check' | head -5)"
	[[ $(db "select count(*) from containers where id in ($idlist)") == 0 ]] || fail "container rows are left"
	for t in logs container_processes mounts env; do
		[[ $(db "select count(*) from $t where container_id in ($idlist)") == 0 ]] || fail "rows in $t are left"
		[[ $(db "select count(*) from $t where container_id not in (select id from containers)") == 0 ]] ||
			fail "orphan rows in $t"
	done
	for i in "${ids[@]}"; do
		[[ -e $R/containers/$i ]] && fail "$R/containers/$i is left"
	done
	[[ -n $(mounts_naming_tmp) ]] && fail "mounts under $tmp: $(mounts_naming_tmp | tr '\n' ' ')"
	expect_recorded_gone
	last="20 x run -d, then 20 x (ps -a, logs, stop), then 20 x rm, all at once" rc="" out="" err=""
	show_last
}

# Last case of a mode: everything the mode made is gone.
# ps -aq is ps -a -q (docker's bundled short flags), and so is --all --quiet.
case_ps_bundled_flags() {
	detach psq busybox true || { show_last; return; }
	ctr wait psq >/dev/null
	local want form
	want=$(ctr ps -a -q)
	grep -qx "$(short "$(container_id psq)")" <<<"$want" || fail "ps -a -q does not list psq"
	for form in -aq -qa "--all --quiet"; do
		# shellcheck disable=SC2086 # the form's words are the test
		capture ps $form
		expect_rc 0
		expect_out "$want"
		show_last
	done
	rm_quiet psq
}

case_nothing_left() {
	local rows
	rows=$(db "select name || ' ' || state from containers")
	[[ -z $rows ]] || fail "containers left (a case did not clean up): $(tr '\n' ' ' <<<"$rows")"
	[[ -z $(ls -A "$R/containers" 2>/dev/null) ]] || fail "dirs under $R/containers: $(ls -A "$R/containers")"
	[[ $(db 'PRAGMA integrity_check') == ok ]] || fail "integrity_check is not ok"
	local t
	for t in logs container_processes mounts env; do
		[[ $(db "select count(*) from $t where container_id not in (select id from containers)") == 0 ]] ||
			fail "orphan rows in $t"
	done
	[[ -n $(mounts_naming_tmp) ]] && fail "mounts under $tmp: $(mounts_naming_tmp | tr '\n' ' ')"
	expect_recorded_gone
	expect_no_process_using "$R"
}

run_all lifecycle
