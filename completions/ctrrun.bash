# bash completion for ctrrun(1).                             -*- shell-script -*-
#
# Installed by `meson install` as $datadir/bash-completion/completions/ctrrun,
# where bash-completion loads it the first time `ctrrun <TAB>` is pressed. By
# hand: `source completions/ctrrun.bash`.
#
# Completes the commands, each command's options (the lists below follow
# docs/ctrrun.1 and `ctrrun COMMAND --help`; keep them in step), the fixed
# values of --network, --userns, --proc-view, --type and --log-opt, files for
# options and arguments that take one, container names and ids for container
# commands and image names for image commands. Names come from ctrrun
# itself (`ctrrun ps [-a] --format json`, `ctrrun images`), run with the
# `--root DIR` given on the command line, if any; a ctrrun that fails (no
# state yet, a locked or damaged state.db) completes nothing.
# shellcheck shell=bash

# Options that take a value, per command ("" for the global ones).
_ctrrun_optarg() {
	case $1 in
	'') echo '--root' ;;
	run) echo '--name -v --volume -e --env --env-file -w --workdir -u --user -h --hostname
		--network --net -m --memory --memory-swap --cpus --cpuset-cpus --pids-limit
		--proc-view --log-max-size --log-opt --userns --cap-add --cap-drop
		--security-opt --tmpfs' ;;
	ps) echo '--format' ;;
	logs) echo '-n --tail --since' ;;
	exec) echo '-e --env -w --workdir -u --user' ;;
	stop) echo '-t --time' ;;
	kill) echo '-s --signal' ;;
	commit) echo '-a --author -c --change -m --message' ;;
	export) echo '-o --output' ;;
	inspect) echo '--type' ;;
	import) echo '-c --change -m --message' ;;
	esac
}

# Every option of a command (including those with a value).
_ctrrun_opts() {
	local flags
	case $1 in
	'') flags='--version' ;;
	run) flags='-d --detach -i --interactive -t --tty --rm --privileged --read-only' ;;
	ps) flags='-a --all -q --quiet --no-trunc' ;;
	logs) flags='-f --follow -t --timestamps' ;;
	exec) flags='-i --interactive -t --tty' ;;
	rm | rmi) flags='-f --force' ;;
	images) flags='-q --quiet --no-trunc' ;;
	esac
	echo "$flags $(_ctrrun_optarg "$1") --help"
}

_ctrrun_commands='run import images rmi ps rm container logs exec stop kill start wait commit export inspect'

# _ctrrun_containers [-a]: names and short ids of the containers (all with
# -a, else the running ones).
_ctrrun_containers() {
	"${_ctrrun_cmd[@]}" ps "$@" --format json 2>/dev/null |
		sed -n 's/.*"ID":"\([0-9a-f]*\)".*"Names":"\([^"]*\)".*/\2 \1/p'
}

# Image references, REPOSITORY:TAG (and REPOSITORY alone for :latest).
_ctrrun_images() {
	"${_ctrrun_cmd[@]}" images 2>/dev/null | awk 'NR > 1 && $1 != "<none>" {
		if ($2 == "latest") print $1
		if ($2 != "<none>") print $1 ":" $2 }'
}

_ctrrun_words() {  # WORDS...: COMPREPLY = those matching $cur
	local IFS=$' \t\n'
	# shellcheck disable=SC2207 # compgen's output is one word a line
	COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

_ctrrun() {
	local cur prev words cword
	_init_completion -n = || return

	# The ctrrun to ask (the one being completed), with the --root given.
	local -a _ctrrun_cmd=("${words[0]}")
	local i cmd='' cmd_at=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root) _ctrrun_cmd+=(--root "${words[i + 1]}"); ((i++)) ;;
		--root=*) _ctrrun_cmd+=("${words[i]}") ;;
		-*) ;;
		*) cmd=${words[i]} cmd_at=$i; break ;;
		esac
	done

	# A value of an option.
	local takes
	takes=$(_ctrrun_optarg "$cmd")
	takes=" ${takes//[$'\t\n']/ } "
	if [[ $prev == -* && $takes == *" $prev "* ]]; then
		case $prev in
		--root) _filedir -d ;;
		--env-file | -o | --output | -v | --volume) _filedir ;;
		--network | --net) _ctrrun_words none host ;;
		--userns) _ctrrun_words auto host ;;
		--proc-view) _ctrrun_words on off ;;
		--type) _ctrrun_words container image ;;
		--format) _ctrrun_words json ;;
		--log-opt) _ctrrun_words mode=blocking mode=non-blocking max-buffer-size= max-size= ;;
		--security-opt) _ctrrun_words seccomp=unconfined seccomp= no-new-privileges ;;
		-s | --signal) _ctrrun_words $(compgen -A signal) ;;
		esac
		return
	fi

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_ctrrun_words "$(_ctrrun_opts '')"
		else
			_ctrrun_words "$_ctrrun_commands"
		fi
		return
	fi

	if [[ $cur == -* ]]; then
		_ctrrun_words "$(_ctrrun_opts "$cmd")"
		return
	fi

	# Which positional argument of the command this is (options and their
	# values skipped). Past IMAGE of run and CONTAINER of exec come the
	# container's command and its arguments: nothing is completed there.
	local n=0
	for ((i = cmd_at + 1; i < cword; i++)); do
		if [[ ${words[i]} == -* ]]; then
			[[ ${words[i]} != *=* && $takes == *" ${words[i]} "* ]] && ((i++))
		else
			((n++))
		fi
	done

	case $cmd in
	run) ((n == 0)) && _ctrrun_words "$(_ctrrun_images)" ;;
	exec) ((n == 0)) && _ctrrun_words "$(_ctrrun_containers)" ;;
	stop | kill | wait) _ctrrun_words "$(_ctrrun_containers)" ;;
	start | rm) _ctrrun_words "$(_ctrrun_containers -a)" ;;
	logs | commit | export) ((n == 0)) && _ctrrun_words "$(_ctrrun_containers -a)" ;;
	inspect) _ctrrun_words "$(_ctrrun_containers -a) $(_ctrrun_images)" ;;
	rmi) _ctrrun_words "$(_ctrrun_images)" ;;
	images) ((n == 0)) && _ctrrun_words "$(_ctrrun_images)" ;;
	import) ((n == 0)) && _filedir ;;
	container) ((n == 0)) && _ctrrun_words prune ;;
	esac
}
complete -F _ctrrun ctrrun
