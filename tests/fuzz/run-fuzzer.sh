#!/bin/bash
# run-fuzzer.sh NAME HARNESS SEED_DIR WORK_DIR [DICT]
#
# Runs one libFuzzer harness for $CTR_FUZZ_SECONDS (default 10, what CI
# uses; longer by hand) and prints TAP: one line, "ok" with the number of
# executions, or "not ok" with the sanitizer's summary and the reproducer's
# path. Every committed seed runs first (libFuzzer reads the whole corpus
# before it mutates), so a seed that once crashed is a regression test.
#
# Nothing is written to the source tree: the growing corpus and any crash
# artifact go to WORK_DIR (in the build dir), scratch files to a tmpfs
# directory removed on exit. To reproduce a crash: HARNESS ARTIFACT.
# DICT, a libFuzzer dictionary of the parser's words, lets a 10-second run
# reach past the keyword checks.
set -uo pipefail

name=$1 harness=$2 seeds=$3 work=$4 dict=${5:-}
secs=${CTR_FUZZ_SECONDS:-10}

echo "1..1"
if ! [[ $secs =~ ^[1-9][0-9]*$ ]]; then
	echo "not ok 1 - $name: CTR_FUZZ_SECONDS='$secs' is not a positive number of seconds"
	exit 1
fi

rm -rf "$work/artifacts"
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
# Absolute: the harness runs in WORK_DIR.
harness=$(readlink -f "$harness") seeds=$(readlink -f "$seeds") work=$(readlink -f "$work")
dict_arg=()
[[ -n $dict ]] && dict_arg=(-dict="$(readlink -f "$dict")")
log=$work/fuzz.log

# Scratch space on tmpfs where there is one: the tar and database harnesses
# write files for every input.
scratch_base=/dev/shm
[[ -d $scratch_base && -w $scratch_base ]] || scratch_base=${TMPDIR:-/tmp}
scratch=$(mktemp -d "$scratch_base/ctr-fuzz-$name.XXXXXX") || exit 1
# World-traversable: the tar harness gives up host root and must still reach it.
chmod 0755 "$scratch"
trap 'rm -rf -- "$scratch"' EXIT

# Reports go to stderr, where libFuzzer sees the crash and writes the
# reproducer (not to tools/check's sanitizer-logs, as for the other builds).
# UBSan halts like ASan; leaks count.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:print_summary=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1
export LSAN_OPTIONS=
export CTR_FUZZ_SCRATCH=$scratch
# Debian's llvm-14 package has the symbolizer off PATH; stack traces want it.
for s in /usr/lib/llvm-14/bin/llvm-symbolizer /usr/bin/llvm-symbolizer; do
	[[ -x $s ]] && { export ASAN_SYMBOLIZER_PATH=$s; break; }
done

seed_count=$(find "$seeds" -type f | wc -l)
cd "$work" || exit 1
# -timeout: one input taking longer is a hang, reported like a crash.
# -close_fd_mask=3: the parsers' own warnings (stderr) would flood the log
# and slow every execution; libFuzzer keeps its report channel open.
# The outer timeout catches a harness that never returns to libFuzzer.
timeout --kill-after=10 $((secs + 120)) "$harness" \
	-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict_arg[@]}" \
	"$work/corpus" "$seeds" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
corpus_now=$(find "$work/corpus" -type f | wc -l)

if ((rc == 0)) && [[ -n $execs && -z $artifact ]]; then
	echo "ok 1 - $name: $execs executions in ${secs}s, no crash, leak or UB ($seed_count seeds; working corpus $work/corpus: $corpus_now inputs)"
	exit 0
fi

# The harness's own finding first, else the sanitizer's or libFuzzer's.
what=$(grep -m1 -E '^fuzz: ' "$log")
[[ -n $what ]] || what=$(grep -m1 -E '^SUMMARY: |ERROR: libFuzzer: ' "$log" | sed 's/^==[0-9]*== *//')
((rc == 124 || rc == 137)) && what="harness still running $((secs + 120))s after it started"
[[ -n $what ]] || what="exit status $rc"
echo "not ok 1 - $name: $what; reproducer: ${artifact:-none written} (log: $log)"
# The report itself, as TAP diagnostics.
grep -v -E '^(#[0-9]+\s+(NEW|REDUCE|pulse|INITED)|INFO: )' "$log" | tail -n 60 | sed 's/^/# /'
exit 1
