#!/bin/bash
# TAP test: ctrrun's bash completion (completions/ctrrun.bash), as root and
# as the unprivileged test user, each with its own temporary --root (lib.sh).
#
# The completion is sourced into a fresh bash after bash-completion's own
# helpers (/usr/share/bash-completion/bash_completion, or $CTR_BASH_COMPLETION),
# COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT are set as bash sets them for
# the command line being completed, _ctrrun runs, and COMPREPLY is compared,
# sorted, with what it must hold. Expected values never come from the
# completion: commands and options from docs/ctrrun.1 (its `.SS "ctrrun
# CMD ..."` sections and the option tags after .TP/.TQ in them, plus --help,
# which every command takes), container names, ids and image names from what
# the case itself created. The ctrrun asked is the one under test, given as
# the command word, and every command line carries `--root R` (or
# `--root=R`), which the completion must pass on.
set -uo pipefail

# shellcheck source=tests/runner/lib.sh
source "$(dirname "$0")/lib.sh"

man=$(readlink -f "$srcdir/docs/ctrrun.1")
completion=$(readlink -f "$srcdir/completions/ctrrun.bash")
bash_completion=${CTR_BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}

extra_skip_reason() {
	if [[ ! -r $bash_completion ]]; then
		echo "no $bash_completion (tools/setup installs bash-completion)"
	elif [[ ! -r $man || ! -r $completion ]]; then
		echo "no $man or $completion"
	fi
}

# ---------------------------------------------------------------- the man page
# man_commands: the commands of the `.SS "ctrrun CMD ..."` headers.
man_commands() { sed -n 's/^\.SS "ctrrun \([a-z]*\).*/\1/p' "$man" | sort -u; }
# man_options CMD: the options of CMD's section, from its .TP/.TQ tags
# (`\-\-memory\-swap` -> --memory-swap; `\-m`; not the values of nested
# tags such as `mode=non\-blocking`), and --help.
man_options() {
	{
		awk -v cmd="$1" '
			/^\.S[SH] / { in_cmd = index($0, ".SS \"ctrrun " cmd " ") == 1 || $0 == ".SS \"ctrrun " cmd "\""; next }
			in_cmd && tag { print }
			{ tag = ($0 == ".TP" || $0 == ".TQ") }
		' "$man" | grep -oE '\\-\\-[a-z]+(\\-[a-z]+)*|\\-[a-z]\b' | sed 's/\\//g'
		echo --help
	} | sort -u
}

# ---------------------------------------------------------------- completing
# complete WORD...: runs the completion for the command line "ctrrun WORD..."
# (the cursor at the end of the last word; "" completes a new word) as the
# mode's user; sets out to COMPREPLY, one a line, sorted, and rc.
complete_line() {
	last="complete: ctrrun $*"
	out=$(cd "$V" && timeout -k 5 "$tmo" "${AS[@]}" env XDG_RUNTIME_DIR="$M/run" bash --norc --noprofile -c '
		bc=$1 comp=$2; shift 2
		source "$bc" || exit 3
		source "$comp" || exit 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_ctrrun ctrrun "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort
		exit 0' _ "$bash_completion" "$completion" "$ctrrun" "$@" 2>"$tmp/err")
	rc=$?
	err=$(<"$tmp/err")
}
# expect_completion "EXPECTED WORDS" WORD...: COMPREPLY for "ctrrun WORD..."
# holds exactly the expected words.
expect_completion() {
	local want
	want=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort)
	shift
	complete_line "$@"
	[[ $rc == 0 ]] || fail "the completion failed (exit $rc) for: ctrrun $*"
	[[ $out == "$want" ]] ||
		fail "ctrrun $*<TAB>: got $(tr '\n' ' ' <<<"$out"), expected $(tr '\n' ' ' <<<"$want")"
}
# prefixed PREFIX WORDS...: the words that start with PREFIX.
prefixed() {
	local p=$1 w
	shift
	for w; do [[ $w == "$p"* ]] && echo "$w"; done
}

# ---------------------------------------------------------------- cases
case_command_prefix() {
	local -a cmds
	mapfile -t cmds < <(man_commands)
	((${#cmds[@]} >= 16)) || fail "found only ${#cmds[@]} commands in $man: ${cmds[*]}"
	expect_completion "$(prefixed ru "${cmds[@]}")" --root "$R" ru
	expect_completion "$(prefixed i "${cmds[@]}")" --root "$R" i
	expect_completion "$(prefixed s "${cmds[@]}")" --root="$R" s
	expect_completion "${cmds[*]}" --root "$R" ""
	# The global options, then no command yet.
	expect_completion "--help --root --version" --root "$R" --
}

case_run_options() {
	local -a opts
	mapfile -t opts < <(man_options run)
	((${#opts[@]} >= 30)) || fail "found only ${#opts[@]} options of run in $man"
	expect_completion "$(prefixed --c "${opts[@]}")" --root "$R" run --c
	expect_completion "$(prefixed --me "${opts[@]}")" --root "$R" run -d --me
	expect_completion "${opts[*]}" --root "$R" run -
	# An option's fixed values.
	expect_completion "host" --root "$R" run --network h
	expect_completion "auto host" --root "$R" run --userns ""
}

# Every other command's options, as the man page lists them.
case_command_options() {
	local c
	for c in ps logs exec stop kill rm commit export inspect import images rmi; do
		expect_completion "$(man_options "$c" | tr '\n' ' ')" --root "$R" "$c" -
	done
}

case_container_names() {
	local id1 id2
	capture run --name comp-first busybox true; expect_rc 0
	capture run --name comp-second busybox true; expect_rc 0
	id1=$(container_id comp-first) id2=$(container_id comp-second)
	[[ -n $id1 && -n $id2 ]] || fail "no rows for the containers just made"
	expect_completion "comp-first comp-second" --root "$R" rm comp-
	expect_completion "comp-first comp-second" --root "$R" rm -f comp-
	expect_completion "comp-second" --root "$R" rm comp-first comp-s
	expect_completion "comp-first" --root "$R" logs comp-f
	expect_completion "comp-first" --root="$R" logs --tail 5 comp-f
	# A short id (12 characters, as ps shows it) from a prefix of it.
	expect_completion "$(short "$id1")" --root "$R" logs "${id1:0:6}"
	# logs takes one container.
	expect_completion "" --root "$R" logs comp-first comp-
	# stop, kill, exec and wait offer the running containers only.
	capture run -d --name comp-running busybox sleep 60; expect_rc 0
	expect_completion "comp-running" --root "$R" stop comp-
	expect_completion "comp-running" --root "$R" exec -it comp-
	expect_completion "comp-first comp-running comp-second" --root "$R" rm -f comp-
	rm_quiet comp-running
	# Another root has other containers.
	mkdir -p "$M/other"; [[ $mode == rootless ]] && chown "$user:" "$M/other"
	expect_completion "" --root "$M/other" rm comp-
	rm_quiet comp-first comp-second
	expect_completion "" --root "$R" rm comp-
	show_last
}

case_image_names() {
	import_image "$tmp/busybox.tar" comp-image:1.0 || fail "import of comp-image:1.0 failed"
	import_image "$tmp/busybox.tar" comp-image:2.0 || fail "import of comp-image:2.0 failed"
	# busybox was imported as "busybox" (tag latest): both spellings.
	expect_completion "busybox busybox:latest" --root "$R" rmi bu
	expect_completion "comp-image:1.0 comp-image:2.0" --root "$R" rmi comp-
	expect_completion "comp-image:2.0" --root "$R" rmi -f comp-image:1.0 comp-image:2
	expect_completion "comp-image:1.0 comp-image:2.0" --root "$R" run comp-
	expect_completion "comp-image:1.0 comp-image:2.0" --root="$R" run --rm --name x -e A=B comp-
	# After the image comes the container's command: nothing of ctrrun's.
	expect_completion "" --root "$R" run comp-image:1.0 comp-
	capture rmi comp-image:1.0 comp-image:2.0; expect_rc 0
	expect_completion "" --root "$R" rmi comp-
	show_last
}

cases=(case_command_prefix case_run_options case_command_options case_container_names case_image_names)
run_all completion
