# bash completion for vmlab: subcommands, and each one's options (installed by `make install`
# as share/bash-completion/completions/vmlab).
_vmlab()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} i
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "run translate kmem help version --version --help" -- "$cur"))
		return
	fi
	# after "--" (run's program and its arguments): file names
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = "--" ]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi
	done
	local opts
	case $cmd in
	run)
		opts="--mem= --vmsplit= --paging= --tlb= --tlb-policy= --no-tlb --tlb-asid --no-jit --jit-threshold=
		      --cpu= --fault-around= --overcommit= --thp= --randomize --seed= --max-insns=
		      --slice= --swap= --swap-file= --reclaim= --root --rw --stats --stats=
		      --stats-file= --log-file= --help-stats --env-host --env-clear -E -U --rlimit
		      --rlimit-host --trace= --trace-file= --trace-format= --trace-addr=
		      --trace-insns= --trace-tlb-sample= --trace-pid= --strace --dump-state=
		      --dump-state-file= --dump-addr= --report= --report-interval= -g --gdb= --help" ;;
	translate) opts="--quiz --answers --answers= --check --state --paging= --segments=
		      --tlb= --questions= --topics= --help" ;;
	kmem) opts="--mem= --vmsplit= --paging= --vmalloc= --proc= --no-demo --help" ;;
	help)
		[ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "run translate kmem" -- "$cur"))
		return ;;
	*) return ;;
	esac
	case $cur in
	--paging=*) COMPREPLY=($(compgen -W "2level pae" -- "${cur#*=}")) ;;
	--vmsplit=*) COMPREPLY=($(compgen -W "3G 2G 1G" -- "${cur#*=}")) ;;
	--stats=*) COMPREPLY=($(compgen -W "text json" -- "${cur#*=}")) ;;
	--reclaim=*) COMPREPLY=($(compgen -W "linux fifo lru clock random" -- "${cur#*=}")) ;;
	--thp=*) COMPREPLY=($(compgen -W "always madvise never" -- "${cur#*=}")) ;;
	--cpu=*) COMPREPLY=($(compgen -W "intel amd amd-zen3" -- "${cur#*=}")) ;;
	--trace-format=*) COMPREPLY=($(compgen -W "text json strace" -- "${cur#*=}")) ;;
	--dump-state=*) COMPREPLY=($(compgen -W "exit fault insn=" -- "${cur#*=}")) ;;
	--segments=*) COMPREPLY=($(compgen -W "on off" -- "${cur#*=}")) ;;
	--answers=*) COMPREPLY=($(compgen -W "full short" -- "${cur#*=}")) ;;
	-*)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		# an option ending in "=" takes its value in the same word
		[ "${#COMPREPLY[@]}" -eq 1 ] && [ "${COMPREPLY[0]: -1}" = "=" ] && compopt -o nospace 2>/dev/null
		;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _vmlab vmlab
