// `streamd completion` (Faust's `faust completion`): a bash completion script built from the program
// itself, so every command and flag it knows is completed and none it lacks. Source it from
// ~/.bashrc: `source <(streamd completion)`. zsh users load it with `autoload bashcompinit; bashcompinit`.

import type { Command } from 'commander';

/** The flags of a command, long and short, as commander declares them. */
function flagsOf(command: Command): string[] {
  return command.options.flatMap((option) => [option.long, option.short].filter((flag): flag is string => flag !== undefined));
}

const quote = (words: readonly string[]): string => words.join(' ');

/**
 * The script: after `streamd`, the command names; after a command, its flags; after a flag that takes
 * a file (`--manifest`, `--datadir`), file names.
 */
export function completionScript(program: Command): string {
  const commands = program.commands.map((command) => command.name());
  const cases = program.commands.map((command) => `    ${command.name()}) words="${quote([...flagsOf(command), '--help'])}" ;;`).join('\n');
  return `# bash completion for streamd; load with: source <(streamd completion)
_streamd() {
  local cur prev words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${quote([...commands, '--help', '--version'])}" -- "$cur") )
    return 0
  fi
  case "$prev" in
    -m|--manifest|--datadir) COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
  esac
  case "\${COMP_WORDS[1]}" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _streamd streamd
`;
}
