#!/bin/bash
# TAP test: kill -9 of every ctrrun command that changes the store, at
# random instants: import, commit, run, rm, rmi, start, as root
# and as the unprivileged test user, until CTR_KILL9_N (20) kills per
# command and mode have hit the command while it ran.
#
# An iteration: set up what the command needs, start the command, send
# SIGKILL to the ctrrun process (only that process, as a user's kill -9
# does) after a random delay drawn uniformly from 0 to the command's own
# duration (measured once per command, unkilled, at the start of its case),
# then run the next command (`ctrrun ps -a`) and check:
#   - PRAGMA integrity_check is ok;
#   - container rows and containers/<id> agree, none is left `removing` or
#     `dead`, none `created` or `running` with a dead ctrrun or monitor;
#   - layer rows and layers/<id> agree (so no layers/.tmp-* is left), every
#     layer has its diff dir and is used by an image;
#   - no process of the killed command is left (its helpers die with it);
#   - running the command again succeeds (when what it makes is not
#     already there: a kill that came late may find the work done).
# The store is checked again at the end of each case.
#
# The delays come from bash's RANDOM seeded with CTR_KILL9_SEED (random when
# unset, printed as a TAP comment); every case seeds it again from the seed,
# the mode and its name, so `CTR_KILL9_SEED=S CTR_CASES=case_rm
# CTR_RUN_MODES=root` replays one case's delays (the scheduler's timing is
# the machine's).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../runner/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../runner/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(case_import case_commit case_run case_rm case_rmi case_start case_nothing_left)
iterations=${CTR_KILL9_N:-20}
seed=${CTR_KILL9_SEED:-$(( (SRANDOM % 1000000) + 1 ))}
# Files in the layers and upper dirs the commands work on: enough that
# extraction and deletion take a while (so that kills land inside them),
# few enough that 240 iterations fit in about two minutes.
n_files=${CTR_KILL9_FILES:-800}
echo "# kill9: seed $seed, $iterations kills per command and mode (CTR_KILL9_SEED=$seed replays the delays)"

make_images() {
	make_rootfs "$tmp/rootfs" && pack "$tmp/rootfs" "$tmp/busybox.tar" || return 1
	python3 - "$tmp/many.tar" "$n_files" <<'EOF' && chmod 0644 "$tmp/many.tar"
import io, os, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])
with tarfile.open(out, "w") as t:
    for d in range(n // 500 + 1):
        info = tarfile.TarInfo("many/%03d" % d)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        t.addfile(info)
    for i in range(n):
        data = os.urandom(1024)
        info = tarfile.TarInfo("many/%03d/f%06d" % (i // 500, i))
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
EOF
	# The same tree extracted once, hard-linked into upper dirs (creating
	# files here costs far more than the commands under test take).
	mkdir "$tmp/tree" && tar -C "$tmp/tree" -xf "$tmp/many.tar"
}

# The ctrrun that gets killed runs without timeout(1) or runuser between it
# and this shell (setpriv and env exec), so $! is ctrrun itself. Under
# AddressSanitizer (tools/check) it runs without the leak check at exit: a
# SIGKILL that lands while LeakSanitizer stops the process's threads makes
# it report "Unable to get registers", which is the kill, not a bug. (The
# commands run again unkilled keep the check.)
begin_mode() {
	local asan=()
	[[ -n ${ASAN_OPTIONS:-} ]] && asan=("ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0")
	if [[ $mode == root ]]; then
		KCTR=(env "${asan[@]}" ${ctrfs:+"CTRFS=$ctrfs"} "$ctrrun" --root "$R")
	else
		KCTR=(setpriv --reuid="$user" --regid="$user" --init-groups -- env "${asan[@]}" HOME="$M"
			XDG_RUNTIME_DIR="$M/run" ${ctrfs:+"CTRFS=$ctrfs"} "$ctrrun" --root "$R")
	fi
}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
exec {sleep_fd}<> <(:)

# case_seed NAME: RANDOM seeded from the seed, the mode and the case; the
# case's clock and count of kills that hit a running command start.
case_seed() {
	RANDOM=$(( (seed + $(cksum <<<"$mode $1" | cut -d' ' -f1)) % 2147483647 ))
	case_t0=$SECONDS landed=0
}
# case_done NAME: the store once more, then a TAP comment with the case's
# time and kills.
case_done() {
	local p
	while IFS= read -r p; do
		[[ -n $p ]] && fail "at the end: $p"
	done < <(problems)
	((landed >= iterations)) || fail "only $landed of the kills hit a running ctrrun $1"
	echo "# $mode: $1: $landed kills while it ran, $((i - 1 - landed)) after its end (delays up to ${span_ms:-?} ms), $((SECONDS - case_t0)) s"
}

# more_kills I: whether iteration I is to run: until CTR_KILL9_N kills have
# hit the command while it ran (a delay drawn past its end hits nothing),
# at most 3N iterations.
more_kills() { ((landed < iterations && $1 <= 3 * iterations)); }

# calibrate PREP ARGS...: three times PREP (a command that makes what
# ctrrun ARGS needs), then ctrrun ARGS, unkilled, started as the killed ones
# are; sets span_ms to the median duration (at least 10 ms). Fails the case
# when one fails.
calibrate() {
	local prep=$1 t0 t1 k took=()
	shift
	for ((k = 0; k < 3; k++)); do
		$prep >/dev/null 2>&1
		last="ctrrun $* (unkilled)"
		t0=$(now_ms)
		(cd "$V" && exec "${KCTR[@]}" "$@") >"$tmp/out" 2>"$tmp/err" </dev/null &
		wait $!
		rc=$?
		t1=$(now_ms)
		out=$(<"$tmp/out") err=$(<"$tmp/err")
		if [[ $rc != 0 ]]; then
			fail "ctrrun $* failed unkilled (exit $rc)"
			show_last
			return 1
		fi
		took+=($((t1 - t0)))
	done
	span_ms=$(printf '%s\n' "${took[@]}" | sort -n | sed -n 2p)
	((span_ms >= 10)) || span_ms=10
	return 0
}

# kill_at ARGS...: ctrrun ARGS in the background, SIGKILL after a random
# delay within span_ms; sets delay_ms and killed (whether it still ran).
kill_at() {
	delay_ms=$((RANDOM % (span_ms + 1)))
	(cd "$V" && exec "${KCTR[@]}" "$@") >/dev/null 2>"$tmp/killed.err" </dev/null &
	local pid=$!
	# read -t on a pipe nobody writes: a sleep without starting a process.
	local secs
	printf -v secs '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000))
	read -r -t "$secs" -u "$sleep_fd"
	# Not reaped yet (a zombie at most), so the pid is still ours. Whether
	# the signal hit the command while it ran: its status says (no command
	# here exits 137 by itself).
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if (($? == 137)); then
		killed=yes
		landed=$((landed + 1))
	else
		killed=no
	fi
	what="kill -9 of ctrrun $* after $delay_ms ms, killed=$killed"
	last=$what
}

# problems: what is wrong with the store and the processes after the next
# command settled it, one line each; nothing when all is well. One sqlite3
# run reads everything (rootless, each run goes through runuser).
problems() {
	local kind a b c
	local integrity="" crows=() half=() mons=() lrows=() unused=() known=" "
	while IFS='|' read -r kind a b c; do
		case $kind in
		integrity) integrity+="$a " ;;
		crow) crows+=("$a") ;;
		half) half+=("$a") ;;
		mon) mons+=("$a|$b|$c") ;;
		lrow) lrows+=("$a") ;;
		unused) unused+=("${a:0:12}") ;;
		known) known+="$a $b " ;;
		esac
	done < <(db "select 'integrity', * from pragma_integrity_check;
		select 'crow', id from containers order by id;
		select 'half', c.name || ' ' || c.state from containers c left join container_processes p
			on p.container_id = c.id
			where c.state in ('removing', 'dead') or (c.state = 'created' and p.monitor_pid is null);
		select 'mon', c.id, p.monitor_pid, p.monitor_start_ticks from containers c join container_processes p
			on p.container_id = c.id where c.state in ('created', 'running');
		select 'lrow', id from layers order by id;
		select 'unused', id from layers where id not in (select layer_id from image_layers);
		select 'known', p.monitor_pid, ifnull(p.fs_pid, '') from container_processes p
			join containers c on c.id = p.container_id where c.state in ('created', 'running')")
	[[ $integrity == "ok " ]] || echo "integrity_check: ${integrity:0:300}"
	local rows dirs
	rows=$(printf '%s\n' "${crows[@]}" | sed '/^$/d')
	dirs=$(find "$R/containers" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
	[[ $rows == "$dirs" ]] || echo "container rows and dirs differ: $(changes "$rows" "$dirs")"
	((${#half[@]} == 0)) || echo "containers left half-made: ${half[*]}"
	# A monitor that records the exit of a short command and ends between
	# the query and the look at /proc: asked again.
	local m id mon ticks state
	for m in "${mons[@]}"; do
		IFS='|' read -r id mon ticks <<<"$m"
		alive "$mon" "$ticks" && continue
		state=$(db "select c.state from containers c join container_processes p on p.container_id = c.id
			where c.id = '$id' and p.monitor_pid = $mon and p.monitor_start_ticks = $ticks")
		[[ $state == running || $state == created ]] && echo "container ${id:0:12} is $state with a dead monitor"
	done
	rows=$(printf '%s\n' "${lrows[@]}" | sed '/^$/d')
	dirs=$(find "$R/layers" -mindepth 1 -maxdepth 1 ! -name '.lock' -printf '%f\n' | sort)
	[[ $rows == "$dirs" ]] || echo "layer rows and dirs differ: $(changes "$rows" "$dirs")"
	((${#unused[@]} == 0)) || echo "layers no image uses: ${unused[*]}"
	for id in "${lrows[@]}"; do
		[[ -d $R/layers/$id/diff ]] || echo "layer ${id:0:12} has no diff dir"
	done
	stray_processes "$known"
}

# stray_processes KNOWN: processes naming the store that no running
# container accounts for (KNOWN: its monitor and union daemon pids, spaced;
# the view's daemon is a child of the monitor): the killed command's helpers
# must go with it. A daemon may take a moment to see its container's end:
# up to 5 s.
stray_processes() {
	local known=$1 try p cmd left
	for ((try = 0; try < 50; try++)); do
		left=()
		for p in $(grep -lsF -- "$R" /proc/[0-9]*/cmdline | cut -d/ -f3); do
			[[ $p == "$$" || $p == "$BASHPID" ]] && continue
			[[ $known == *" $p "* || $known == *" $(stat_field "$p" 4) "* ]] && continue
			cmd=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null) || continue
			[[ -n $cmd ]] && left+=("$p: ${cmd:0:100}")
		done
		((${#left[@]} == 0)) && return 0
		sleep 0.1
		# Containers may have started or ended meanwhile.
		((try % 10 == 9)) && known=" $(db "select p.monitor_pid, ifnull(p.fs_pid, '') from container_processes p
			join containers c on c.id = p.container_id where c.state in ('created', 'running')" | tr '|\n' '  ') "
	done
	echo "stray processes: ${left[*]}"
}

# settle_and_check ITERATION: the next command, then problems(); failures
# name the iteration and the kill.
settle_and_check() {
	capture ps -a
	[[ $rc == 0 ]] || fail "iteration $1 ($what): ps -a after it failed (exit $rc): ${err:0:300}"
	local p
	while IFS= read -r p; do
		[[ -n $p ]] && fail "iteration $1 ($what): $p"
	done < <(problems)
}

# again ITERATION ARGS...: runs ctrrun ARGS again; it must succeed. (The
# store after it is checked by the next iteration and at the end.)
again() {
	local i=$1
	shift
	capture "$@"
	[[ $rc == 0 ]] || fail "iteration $i ($what): running it again failed (exit $rc): ${err:0:300}"
}

image_exists() { [[ -n $(db "select 1 from images where repository = '${1%%:*}' and tag = '${1#*:}'") ]]; }
container_exists() { [[ -n $(db "select 1 from containers where name = '$1'") ]]; }

# fill_upper NAME: the container's upper dir gets the many/ tree, owned as
# its root owns the upper dir (made from the host: much faster than from
# inside).
fill_upper() {
	local id upper
	id=$(container_id "$1")
	upper=$R/containers/$id/upper
	[[ -n $id && -d $upper ]] || return 1
	cp -al "$tmp/tree/many" "$upper/" && chown -R --reference="$upper" "$upper"
}

# make_filled NAME: an exited container NAME with the tree in its upper dir.
make_filled() {
	capture run --name "$1" busybox true
	[[ $rc == 0 ]] && fill_upper "$1"
}

# ---------------------------------------------------------------- cases
case_import() {
	case_seed import
	calibrate "ctr rmi imp:cal" import "$tmp/many.tar" imp:cal || return
	ctr rmi imp:cal >/dev/null 2>&1
	local i
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		kill_at import "$tmp/many.tar" "imp:k$i"
		settle_and_check "$i"
		# Its image may be whole already (the kill came late): then it is
		# the name that is taken, as it should be.
		image_exists "imp:k$i" || again "$i" import "$tmp/many.tar" "imp:k$i"
		# So that the next import extracts the layer afresh.
		ctr rmi "imp:k$i" >/dev/null 2>&1
	done
	case_done import
	show_last
}

case_commit() {
	case_seed commit
	capture run --name cbase busybox true
	fill_upper cbase || { fail "could not fill the upper dir of cbase"; show_last; return; }
	calibrate "ctr rmi cimg:cal" commit cbase cimg:cal || return
	ctr rmi cimg:cal >/dev/null 2>&1
	local i
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		kill_at commit cbase "cimg:k$i"
		settle_and_check "$i"
		image_exists "cimg:k$i" || again "$i" commit cbase "cimg:k$i"
		ctr rmi "cimg:k$i" >/dev/null 2>&1
	done
	rm_quiet cbase
	case_done commit
	show_last
}

# Three ways of running, drawn at random: detached (the monitor outlives the
# killed ctrrun once it was forked), in the foreground (the killed ctrrun is
# the monitor), and in the foreground with --rm.
case_run() {
	case_seed run
	local variants=("-d busybox sleep 1000" "busybox true" "--rm busybox true") i v
	calibrate : run -d busybox sleep 1000 || return
	local cal=$span_ms
	ctr ps -a -q --no-trunc 2>/dev/null | xargs -r timeout 30 "${CTR[@]}" rm -f >/dev/null 2>&1
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		v=${variants[RANDOM % 3]}
		# The foreground runs last as long as the detached one's start.
		span_ms=$cal
		# shellcheck disable=SC2086 # the variant's words
		kill_at run $v
		settle_and_check "$i"
		# shellcheck disable=SC2086
		again "$i" run $v
		ctr ps -a -q --no-trunc 2>/dev/null | xargs -r timeout 30 "${CTR[@]}" rm -f >/dev/null 2>&1
	done
	case_done run
	show_last
}

case_rm() {
	case_seed rm
	calibrate "make_filled rmcal" rm rmcal || return
	local i
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		make_filled "rm$i" || { fail "iteration $i: could not make rm$i"; continue; }
		kill_at rm "rm$i"
		settle_and_check "$i"
		container_exists "rm$i" && again "$i" rm "rm$i"
		container_exists "rm$i" && fail "iteration $i: rm$i is still there after rm"
	done
	case_done rm
	show_last
}

case_rmi() {
	case_seed rmi
	calibrate "import_image $tmp/many.tar rmical" rmi rmical || return
	local i
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		import_image "$tmp/many.tar" "rmi$i" || { fail "iteration $i: import failed"; continue; }
		kill_at rmi "rmi$i"
		settle_and_check "$i"
		image_exists "rmi$i:latest" && again "$i" rmi "rmi$i"
		image_exists "rmi$i:latest" && fail "iteration $i: rmi$i is still there after rmi"
	done
	case_done rmi
	show_last
}

case_start() {
	case_seed start
	capture run --name stf busybox true
	[[ $rc == 0 ]] || { fail "no container stf"; show_last; return; }
	calibrate "ctr wait stf" start stf || return
	local i
	for ((i = 1; ; i++)); do
		more_kills "$i" || break
		ctr wait stf >/dev/null 2>&1
		kill_at start stf
		settle_and_check "$i"
		again "$i" start stf
	done
	ctr wait stf >/dev/null 2>&1
	rm_quiet stf
	case_done start
	show_last
}

case_nothing_left() {
	capture ps -a
	local rows
	rows=$(db "select name || ' ' || state from containers")
	[[ -z $rows ]] || fail "containers left: $(tr '\n' ' ' <<<"$rows")"
	local p
	while IFS= read -r p; do
		[[ -n $p ]] && fail "$p"
	done < <(problems)
	show_last
}

run_all kill9
