# bash completion for kiro-parallel. Installed as
# share/bash-completion/completions/kiro-parallel (bash-completion loads it on
# first use); or source it by hand. The candidates come from the binary
# (`kiro-parallel __complete INDEX WORD...`): commands and options from its
# command table, spec names from .kiro/specs/, task ids from the spec's tasks.md.
_kiro_parallel() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local program=${COMP_WORDS[0]}
  # A program typed as ~/bin/kiro-parallel is not expanded in COMP_WORDS.
  [[ $program == "~/"* ]] && program=$HOME/${program#"~/"}
  local -a lines
  mapfile -t lines < <("$program" __complete "$((COMP_CWORD - 1))" "${COMP_WORDS[@]:1}" 2>/dev/null)
  COMPREPLY=()
  case ${lines[0]-} in
    :directories) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); compopt -o filenames 2>/dev/null ;;
    :files) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null ;;
    *) COMPREPLY=("${lines[@]}") ;;
  esac
}
complete -F _kiro_parallel kiro-parallel
