#!/bin/bash
# TAP test: a container's log is never dropped without a trace.
# Every case runs as root and as the unprivileged user ctrtest (rootless).
#  - A sqlite3 session holding BEGIN IMMEDIATE past the busy timeout: in the
#    default (blocking) mode no line is lost, the container's writes block
#    meanwhile, and the monitor still forwards signals.
#  - --log-opt mode=non-blocking: the container never waits; what did not
#    fit in max-buffer-size is dropped, and marker rows say exactly how much.
#  - A full disk (a small loop-mounted ext4 as the state root, made and
#    removed here): every line stored, or a marker covering exactly the lost
#    bytes; also when the container exits while the disk is still full.
#  - --log-max-size trimming keeps whole lines; state.db shrinks back after
#    a big log is removed; `logs 2>&1 | cat` keeps the order of arrival.
#  - --log-opt parsing, LogConfig in inspect, the mode kept by start.
# Expected output is computed here from what the container printed
# (numbered lines, or its own copy in a volume), never from ctrrun.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_logs_interleave case_logs_follow_interleave
	case_trim_keeps_whole_lines case_shrinks_after_rm case_trim_keeps_file_small
	case_log_opt_refused case_inspect_log_config
	case_locked_db_blocks case_nonblocking_drops_with_markers
	case_full_disk_markers case_full_disk_at_exit
)

# Longer than the database's busy timeout (10 s): a writer that gives up
# after the timeout loses what it held.
hold_secs=12

# ---------------------------------------------------------------- helpers
# What a refused run must leave unchanged: container rows and dirs, and
# mounts under this test's temp dir (lib.sh's host_mounts would also see
# other tests' ctrrun mounts, made meanwhile on a shared machine).
snapshot() {
	echo "rows:"; db 'select id from containers order by id'
	echo "dirs:"; ls -A "$R/containers" 2>&1
	echo "mounts:"; mounts_under_tmp
}

now_ns() { date +%s%N; }

# bytes PATH...: total size of the files that exist.
bytes() { local t=0 f; for f in "$@"; do [[ -e $f ]] && t=$((t + $(stat -c %s "$f"))); done; echo "$t"; }
db_bytes() { bytes "$R/state.db" "$R/state.db-wal"; }

# wait_file PATH [SECONDS]: until PATH exists (10 s unless told).
wait_file() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# ctl_dir NAME: a fresh directory for a container's /ctl volume, writable
# by the container's root; sets ctl.
ctl_dir() {
	ctl=$V/ctl-$1
	rm -rf "$ctl"
	mkdir -p "$ctl"
	own "$ctl"
}

# hold_lock SECONDS: a sqlite3 session (as the mode's user) that holds the
# write lock of state.db for SECONDS; returns once it holds it. lock_pid.
hold_lock() {
	local f=$tmp/lock.out i
	rm -f "$f"
	printf 'BEGIN IMMEDIATE;\n.print locked\n.shell sleep %s\nCOMMIT;\n' "$1" |
		"${AS[@]}" sqlite3 -cmd '.timeout 30000' "$R/state.db" >"$f" 2>&1 &
	lock_pid=$!
	bg_pids+=("$lock_pid")
	for ((i = 0; i < 200; i++)); do
		grep -q locked "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_log NAME TEXT: until the container's stored output holds TEXT (10 s).
wait_log() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(ctr logs "$1" 2>&1) == *"$2"* ]] && return 0
		sleep 0.05
	done
	return 1
}

# monitor_of NAME: pid of the container's monitor.
monitor_of() {
	db "select p.monitor_pid from container_processes p join containers c on c.id = p.container_id
		where c.name = '$1'"
}

# The stream check: state.db's rows of one stream of a container, in
# order, against the bytes the container printed (FILE). A data row must be
# the next bytes of FILE; a marker row (lost_bytes set) skips that many.
# Prints "markers=N lost=B" and exits 0 when all of FILE is accounted for,
# else prints what differs and exits 1. Runs as the mode's user (the file
# is theirs; a root connection could leave root-owned -shm behind).
stream_check_py='
import sqlite3, sys
db, cid, stream, path = sys.argv[1:5]
want = open(path, "rb").read()
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
cols = [r[1] for r in c.execute("pragma table_info(logs)")]
lost_col = "lost_bytes" if "lost_bytes" in cols else "NULL"
rows = c.execute("select id, data, %s from logs where container_id = ? and stream = ? order by id" % lost_col,
                 (cid, stream)).fetchall()
pos = markers = lost = 0
def line_at(off):
    start = want.rfind(b"\n", 0, off) + 1
    end = want.find(b"\n", off)
    return want[start:end if end >= 0 else len(want)][:20]
for rid, data, lb in rows:
    if lb is not None:
        markers += 1; lost += lb; pos += lb
        continue
    data = bytes(data)
    if want[pos:pos + len(data)] != data:
        # where the stored bytes really continue, if anywhere: a silent gap
        k = want.find(data[:64], pos)
        gap = " (they are found %d bytes further on: %d bytes, from line %r, missing without a marker)" % (
            k - pos, k - pos, line_at(pos)) if k > pos else ""
        print("row %d: %d stored bytes differ from the printed ones at offset %d%s" % (rid, len(data), pos, gap))
        sys.exit(1)
    pos += len(data)
if pos != len(want):
    print("the stored rows end at offset %d of %d: %d bytes from line %r are missing without a marker" % (
        pos, len(want), len(want) - pos, line_at(pos)))
    sys.exit(1)
print("markers=%d lost=%d" % (markers, lost))
'
# stream_check ID STREAM FILE: runs the check; sets check_out, returns its status.
stream_check() {
	check_out=$("${AS[@]}" python3 -c "$stream_check_py" "$R/state.db" "$1" "$2" "$3" 2>&1)
}
# numbered_lines FROM TO [FORMAT]: the lines the scripts below print, as
# "%06d PAD" with 900 zeros (as the container's printf makes them).
pad900=$(printf '%0900d' 0)
numbered_lines() {
	local i
	for ((i = $1; i <= $2; i++)); do printf "${3:-%06d %s}\n" "$i" "$pad900"; done
}

# use_root DIR: ctrrun and db() work on state root DIR until setup_mode_vars.
use_root() {
	R=$1
	CTR=("${CTR[@]:0:${#CTR[@]}-1}" "$R")
}

# ---------------------------------------------------------------- a small disk
# small_disk: a fresh 64 MB ext4 (no blocks reserved for root) mounted at
# $M/small, owned by the mode's user, with busybox imported into the state
# root $M/small/state; ctrrun and db() use that root. Removed by
# drop_small_disk, and by cleanup_extra after a failure.
small_disk() {
	drop_small_disk
	truncate -s 64M "$M/disk.img" && mkfs.ext4 -q -F -m 0 "$M/disk.img" && mkdir -p "$M/small" &&
		mount -o loop "$M/disk.img" "$M/small" || { fail "cannot make a loop-mounted ext4"; return 1; }
	[[ $mode == rootless ]] && chown "$user:" "$M/small"
	use_root "$M/small/state"
	import_image "$tmp/busybox.tar" busybox || { fail "import into the small disk failed: $err"; return 1; }
}
# fill_disk: writes a file until the disk is full.
fill_disk() {
	dd if=/dev/zero of="$M/small/fill" bs=1M status=none 2>/dev/null
	dd if=/dev/zero of="$M/small/fill2" bs=4k status=none 2>/dev/null
	sync -f "$M/small/fill" 2>/dev/null
}
free_disk() { rm -f "$M/small/fill" "$M/small/fill2"; sync -f "$M/small" 2>/dev/null; }
drop_small_disk() {
	if mountpoint -q "$M/small" 2>/dev/null; then
		free_disk
		if [[ -f $M/small/state/state.db ]]; then
			use_root "$M/small/state"
			ctr ps -a -q --no-trunc 2>/dev/null | xargs -r timeout 30 "${CTR[@]}" rm -f >/dev/null 2>&1
		fi
		umount "$M/small" 2>/dev/null || umount -l "$M/small"
	fi
	rm -f "$M/disk.img"
	setup_mode_vars
}
cleanup_extra() {
	local m
	for m in root rootless; do
		[[ -d $tmp/$m ]] || continue
		mode=$m setup_mode_vars
		mode=$m drop_small_disk
	done
}

# ---------------------------------------------------------------- order of streams
# stdout and stderr lines alternate, 20 ms apart: `logs 2>&1 | cat` must
# give them in that order (each chunk goes out as it is read, stdio
# buffering would put every stderr line first).
interleave_script='i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo out$i; sleep 0.02; echo err$i >&2; sleep 0.02; done'
interleaved() { local i; for ((i = $1; i <= $2; i++)); do echo "out$i"; echo "err$i"; done; }

case_logs_interleave() {
	detach_c inter busybox sh -c "$interleave_script" || return
	ctr wait inter >/dev/null
	last="ctrrun logs inter 2>&1 | cat"
	out=$(ctr logs inter 2>&1 | cat)
	[[ $out == "$(interleaved 1 20)" ]] || fail "logs 2>&1 | cat: $(changes "$(interleaved 1 20)" "$out" | head -c 300)"
	last="ctrrun logs --tail 4 inter 2>&1 | cat"
	out=$(ctr logs --tail 4 inter 2>&1 | cat)
	[[ $out == "$(interleaved 19 20)" ]] || fail "logs --tail 4 2>&1 | cat: $(printf %q "$out")"
	last="ctrrun logs -t inter 2>&1 | cat"
	out=$(ctr logs -t inter 2>&1 | cat | cut -d' ' -f2-)
	[[ $out == "$(interleaved 1 20)" ]] || fail "logs -t 2>&1 | cat: $(changes "$(interleaved 1 20)" "$out" | head -c 300)"
	rm_quiet inter
}

# The same through logs -f, started while the container writes.
case_logs_follow_interleave() {
	detach_c finter busybox sh -c "sleep 0.3; $interleave_script" || return
	last="ctrrun logs -f finter 2>&1 | cat"
	out=$(ctr logs -f finter 2>&1 | cat)
	[[ $out == "$(interleaved 1 20)" ]] || fail "logs -f 2>&1 | cat: $(changes "$(interleaved 1 20)" "$out" | head -c 300)"
	rm_quiet finter
}

# detach_c NAME ARGS...: run -d, failing the case (with diagnostics) if it
# did not start; sets id.
detach_c() {
	local name=$1
	shift
	capture run -d --name "$name" "$@"
	id=$out
	if [[ $rc != 0 || ! $id =~ ^[0-9a-f]{64}$ ]]; then
		fail "run -d --name $name did not print a container id"
		show_last
		return 1
	fi
}

# ---------------------------------------------------------------- retention and file size
# 100-byte lines written through stdio (4 KiB writes), so that a chunk
# almost never ends between two lines; once to stdout, once to stderr.
case_trim_keeps_whole_lines() {
	local s f first n from redir
	for s in o e; do
		redir=""
		[[ $s == e ]] && redir=">&2"
		detach_c "trim$s" --log-max-size 64k busybox sh -c "awk 'BEGIN {
			for (i = 1; i <= 20000; i++) printf \"$s%06d %092d\\n\", i, 0 }' $redir" || return
		ctr wait "trim$s" >/dev/null
		f=$tmp/trim.out
		if [[ $s == o ]]; then ctr logs "trim$s" >"$f" 2>/dev/null; else ctr logs "trim$s" 2>"$f" >/dev/null; fi
		last="ctrrun logs trim$s (--log-max-size 64k)"
		n=$(wc -l <"$f")
		((n > 10)) || { fail "$s: only $n lines kept"; continue; }
		first=$(head -n 1 "$f")
		if [[ ! $first =~ ^$s[0-9]{6}\ 0{92}$ ]]; then
			fail "$s: the first kept line is not whole: $(printf %q "${first:0:40}")..."
		else
			# Every kept line whole and in order up to the last one printed.
			from=$((10#${first:1:6}))
			cmp -s "$f" <(for ((i = from; i <= 20000; i++)); do printf "$s%06d %092d\n" "$i" 0; done) ||
				fail "$s: the kept lines are not the printed lines $from..20000 whole and in order"
		fi
		rm_quiet "trim$s"
	done
}

# A big log, then rm: the file gives the space back (incremental vacuum).
case_shrinks_after_rm() {
	local before peak after
	before=$(db_bytes)
	detach_c big busybox seq 1 5000000 || return
	ctr wait big >/dev/null
	peak=$(db_bytes)
	((peak > before + 30000000)) || fail "state.db grew by $((peak - before)) bytes only; the case proves nothing"
	capture rm big
	expect_rc 0
	after=$(db_bytes)
	last="ctrrun rm big (state.db and -wal: $before bytes before the run, $peak with its log, $after after rm)"
	((after <= before + 4 * 1048576)) ||
		fail "state.db and its -wal hold $after bytes after rm, $before before the container (peak $peak)"
	show_last
}

# A log trimmed to 4 MB from 39 MB: the file stays near what is kept.
case_trim_keeps_file_small() {
	local before after
	before=$(db_bytes)
	detach_c trimbig --log-max-size 4m busybox seq 1 5000000 || return
	ctr wait trimbig >/dev/null
	after=$(db_bytes)
	last="run --log-max-size 4m of 39 MB (state.db and -wal: $before bytes before, $after after)"
	((after <= before + 12 * 1048576)) || fail "state.db and its -wal hold $after bytes, $before before the container"
	rm_quiet trimbig
	show_last
}

# ---------------------------------------------------------------- --log-opt
case_log_opt_refused() {
	expect_refusal "--log-opt|mode" run --rm --log-opt mode=sometimes busybox true
	expect_refusal "--log-opt|max-buffer-size" run --rm --log-opt mode=non-blocking --log-opt max-buffer-size=lots busybox true
	expect_refusal "--log-opt|colour" run --rm --log-opt colour=blue busybox true
	expect_refusal "--log-opt|KEY=VALUE" run --rm --log-opt mode busybox true
	expect_refusal "--log-opt|max-size" run --rm --log-opt max-size=0 busybox true
}

# inspect_log_config NAME: HostConfig.LogConfig as compact JSON.
inspect_log_config() {
	ctr inspect "$1" 2>/dev/null |
		python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[0]["HostConfig"].get("LogConfig"), sort_keys=True))'
}

case_inspect_log_config() {
	capture run --name lcdef busybox true
	local got
	got=$(inspect_log_config lcdef)
	[[ $got == '{"Config": {}, "Type": "db"}' ]] || fail "default LogConfig: $got"
	capture run --name lcnb --log-opt mode=non-blocking --log-opt max-buffer-size=2m --log-max-size 5m busybox true
	expect_rc 0
	got=$(inspect_log_config lcnb)
	[[ $got == '{"Config": {"max-buffer-size": "2m", "max-size": "5m", "mode": "non-blocking"}, "Type": "db"}' ]] ||
		fail "LogConfig of --log-opt mode=non-blocking --log-opt max-buffer-size=2m --log-max-size 5m: $got"
	[[ $(db "select mode, max_buffer_bytes, max_size_bytes from container_logging c join containers k
		on k.id = c.container_id where k.name = 'lcnb'") == "non-blocking|2097152|5242880" ]] ||
		fail "container_logging row of lcnb: $(db "select * from container_logging")"
	capture start lcnb
	expect_rc 0
	ctr wait lcnb >/dev/null
	got=$(inspect_log_config lcnb)
	[[ $got == '{"Config": {"max-buffer-size": "2m", "max-size": "5m", "mode": "non-blocking"}, "Type": "db"}' ]] ||
		fail "LogConfig after start: $got"
	show_last
	rm_quiet lcdef lcnb
}

# ---------------------------------------------------------------- a locked database
# A foreground run floods (with the container's clock in each line and its
# own copy in a volume) while a sqlite3 session holds the write lock for
# longer than the busy timeout; a detached ticker writes twice a second
# meanwhile. Blocking mode: every line stored, the flood really waited for
# the lock (a gap in its clock), the monitor's memory stays bounded, and a
# signal sent to the foreground ctrrun reaches the container during the
# lock.
case_locked_db_blocks() {
	ctl_dir blk
	local f=$tmp/blk
	rm -f "$f".*
	# shellcheck disable=SC2016 # for the container's shell
	(cd "$V" && timeout -k 5 90 "${CTR[@]}" run --name blk -v "$ctl:/ctl" busybox sh -c '
		trap ": >/ctl/usr1" USR1
		(pad=$(printf "%0900d" 0); i=0
		 while [ ! -e /ctl/go ]; do sleep 0.05; done
		 exec 3>>/ctl/copy
		 while [ $i -lt 6000 ]; do
			i=$((i+1)); read up rest </proc/uptime
			printf "%06d %s %s\n" $i $up "$pad"; printf "%06d %s %s\n" $i $up "$pad" >&3
		 done) &
		while kill -0 $! 2>/dev/null; do wait $!; done' >"$f.out" 2>"$f.err"; echo $? >"$f.rc") &
	bg_pids+=($!)
	detach_c tick busybox sh -c 'i=0; while [ $i -lt 28 ]; do i=$((i+1)); echo tick $i; sleep 0.5; done' || return
	wait_running blk || { fail "blk is not running"; return; }
	local init mon
	init=$(db "select pid from containers where name = 'blk'")
	mon=$(monitor_of blk)
	wait_sig "$init" SigCgt 10 || fail "the container's shell never caught SIGUSR1"
	wait_log tick "tick 2" || fail "the ticker's first lines never reached the log"
	local rss0 rss1
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$mon/status")
	hold_lock "$hold_secs" || { fail "sqlite3 never took the write lock"; return; }
	local t_lock
	t_lock=$(now_ns)
	: >"$ctl/go"
	sleep 2
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$mon/status")
	kill -USR1 "$mon"
	local t_sig
	t_sig=$(now_ns)
	wait_file "$ctl/usr1" 15
	local sig_ms=$((($(now_ns) - t_sig) / 1000000))
	((sig_ms <= 2000)) || fail "SIGUSR1 to the foreground ctrrun reached the container after $sig_ms ms (the lock was held $(((t_sig - t_lock) / 1000000)) ms before)"
	wait "$lock_pid"
	wait_file "$f.rc" 60 || fail "the foreground run did not end within 60 s of the lock's end"
	ctr wait tick >/dev/null
	rc=$(cat "$f.rc" 2>/dev/null) last="ctrrun run --name blk ... (foreground, $hold_secs s lock)" out="" err=$(<"$f.err")
	expect_rc 0
	[[ $(wc -l <"$ctl/copy") == 6000 ]] || fail "the flood printed $(wc -l <"$ctl/copy") lines, expected 6000"
	id=$(container_id blk)
	stream_check "$id" stdout "$ctl/copy" || fail "blk's stored stdout: $check_out"
	[[ $check_out == "markers=0 lost=0" ]] || fail "blk's stored stdout has markers in blocking mode: $check_out"
	# The flood must have waited for the lock: a gap in its own clock.
	local gap
	gap=$(awk 'NR > 1 { d = $2 - p; if (d > m) m = d } { p = $2 } END { printf "%d", m }' "$ctl/copy")
	((gap >= hold_secs - 5)) || fail "the longest pause between two lines of the flood is $gap s: its writes did not block"
	((rss1 - rss0 < 32768)) || fail "the monitor's VmRSS grew from $rss0 to $rss1 kB while the log was blocked"
	capture logs tick
	[[ $out == "$(for ((i = 1; i <= 28; i++)); do echo "tick $i"; done)" ]] ||
		fail "the ticker's log is not tick 1..28: $(changes "$(seq -f 'tick %g' 1 28)" "$out" | head -c 300)"
	show_last
	rm_quiet blk tick
}

# ---------------------------------------------------------------- non-blocking mode
# Two runs (run, then start) under --log-opt mode=non-blocking with a 64k
# buffer, each flooding 5.4 MB while the database is locked for 4 s: the
# flood never waits, and the stored stream is the printed one with marker
# rows exactly where bytes were dropped.
case_nonblocking_drops_with_markers() {
	ctl_dir nb
	# shellcheck disable=SC2016 # for the container's shell
	detach_c nb --log-opt mode=non-blocking --log-opt max-buffer-size=64k -v "$ctl:/ctl" busybox sh -c '
		n=$(cat /ctl/n 2>/dev/null || echo 0); n=$((n+1)); echo $n >/ctl/n
		pad=$(printf "%0900d" 0); i=0
		while [ ! -e /ctl/go$n ]; do sleep 0.05; done
		read t0 rest </proc/uptime
		while [ $i -lt 6000 ]; do i=$((i+1)); printf "r$n %06d %s\n" $i "$pad"; done
		read t1 rest </proc/uptime
		echo $t0 $t1 >/ctl/times$n' || return
	local k took
	for k in 1 2; do
		if ((k == 2)); then
			capture start nb
			expect_rc 0
			show_last
		fi
		wait_file "$ctl/n" && [[ $(cat "$ctl/n") == "$k" ]] || sleep 0.5
		hold_lock 4 || { fail "sqlite3 never took the write lock"; return; }
		: >"$ctl/go$k"
		wait_file "$ctl/times$k" 3 || fail "run $k: the flood did not end within 3 s of a 4 s lock: it was blocked"
		wait "$lock_pid"
		ctr wait nb >/dev/null
		took=$(awk '{ printf "%d", ($2 - $1) * 1000 }' "$ctl/times$k" 2>/dev/null)
		[[ -n $took ]] && ((took < 2500)) || fail "run $k: the flood took ${took:-?} ms under the lock"
	done
	{ numbered_lines 1 6000 'r1 %06d %s'; numbered_lines 1 6000 'r2 %06d %s'; } >"$tmp/nb.want"
	stream_check "$id" stdout "$tmp/nb.want" || fail "nb's stored stdout: $check_out"
	local markers=${check_out#markers=}
	markers=${markers%% *}
	[[ $markers =~ ^[0-9]+$ ]] && ((markers >= 2)) || fail "expected a marker in each run, got: $check_out"
	capture logs nb
	local shown
	shown=$(grep -c 'ctrrun: .* lost' <<<"$out")
	[[ $shown == "$markers" ]] || fail "ctrrun logs shows $shown marker lines, state.db has $markers markers"
	local tail_line
	tail_line=$(tail -n 1 <<<"$out")
	[[ $tail_line == "r2 006000 $pad900" || $tail_line == "ctrrun: "*" lost here "* ]] ||
		fail "the last line shown is neither the last printed nor a marker: ${tail_line:0:80}"
	last="run/start --log-opt mode=non-blocking --log-opt max-buffer-size=64k, 4 s locks ($check_out)" out="" err=""
	show_last
	rm_quiet nb
}

# ---------------------------------------------------------------- a full disk
# full_disk_script [end]: lines 1-100, then (told /ctl/go) 101-10100 as fast
# as it can (9 MB), then with "end" (told /ctl/end) 10101-10200.
full_disk_script() {
	# shellcheck disable=SC2016 # for the container's shell
	local s='pad=$(printf "%0900d" 0); i=0
		out() { while [ $i -lt $1 ]; do i=$((i+1)); printf "%06d %s\n" $i "$pad"; done; }
		out 100; : >/ctl/phase1
		while [ ! -e /ctl/go ]; do sleep 0.05; done
		out 10100; : >/ctl/phase2'
	[[ ${1:-} == end ]] && s+='
		while [ ! -e /ctl/end ]; do sleep 0.05; done
		out 10200'
	echo "$s"
}

# The disk fills while the container floods, then space comes back: what
# was printed is stored, or covered byte for byte by marker rows, and what
# came after the space came back is stored.
case_full_disk_markers() {
	small_disk || { drop_small_disk; return; }
	ctl_dir fd
	detach_c fd -v "$ctl:/ctl" busybox sh -c "$(full_disk_script end)" || { drop_small_disk; return; }
	wait_file "$ctl/phase1" || fail "the container never printed its first lines"
	wait_log fd "000100 " || fail "line 100 never reached the log"
	fill_disk
	[[ $(df --output=avail -B1 "$M/small" | tail -n 1) -lt 65536 ]] || fail "the disk is not full: $(df -h "$M/small" | tail -n 1)"
	: >"$ctl/go"
	wait_file "$ctl/phase2" 30 || fail "the flood did not end within 30 s on a full disk"
	sleep 1
	free_disk
	# The writer retries every second at most: then it takes output again.
	sleep 2
	: >"$ctl/end"
	ctr wait fd >/dev/null
	numbered_lines 1 10200 >"$tmp/fd.want"
	stream_check "$id" stdout "$tmp/fd.want" || fail "fd's stored stdout: $check_out"
	[[ $check_out == markers=0* ]] && fail "no marker: the full disk lost nothing ($check_out); the case proves nothing"
	capture logs fd
	[[ $(tail -n 100 <<<"$out") == "$(numbered_lines 10101 10200)" ]] ||
		fail "lines 10101-10200 (printed after the space came back) are not the last 100 shown"
	[[ $out == *"ctrrun: "*" lost"* ]] || fail "ctrrun logs shows no marker"
	last="full disk while printing lines 101-10100 ($check_out)" out="" err=""
	show_last
	rm_quiet fd
	drop_small_disk
}

# The container ends while the disk is still full: the marker that covers
# the rest is written from the reserve.
case_full_disk_at_exit() {
	small_disk || { drop_small_disk; return; }
	ctl_dir fx
	detach_c fx -v "$ctl:/ctl" busybox sh -c "$(full_disk_script)" || { drop_small_disk; return; }
	local mon
	mon=$(monitor_of fx)
	local mon_t
	mon_t=$(start_ticks "$mon")
	wait_file "$ctl/phase1" || fail "the container never printed its first lines"
	wait_log fx "000100 " || fail "line 100 never reached the log"
	fill_disk
	: >"$ctl/go"
	wait_file "$ctl/phase2" 30 || fail "the flood did not end within 30 s on a full disk"
	local i
	for ((i = 0; i < 400; i++)); do
		exists "$mon" "$mon_t" || break
		sleep 0.05
	done
	exists "$mon" "$mon_t" && fail "the monitor did not end within 20 s of the container on a full disk"
	free_disk
	numbered_lines 1 10100 >"$tmp/fx.want"
	stream_check "$id" stdout "$tmp/fx.want" || fail "fx's stored stdout: $check_out"
	[[ $check_out == markers=0* ]] && fail "no marker: the full disk lost nothing ($check_out); the case proves nothing"
	last="the container exits while the disk is full ($check_out)" out="" err=""
	show_last
	rm_quiet fx
	drop_small_disk
}

extra_skip_reason() {
	command -v python3 >/dev/null || echo "python3 is needed"
	command -v sqlite3 >/dev/null || echo "sqlite3 is needed"
	command -v mkfs.ext4 >/dev/null || echo "mkfs.ext4 is needed"
}

run_all logs
