// A small argv reader: positional words and `--name value` / `--flag` options, nothing clever,
// so that a mistyped option is an error rather than a silently ignored word.
import { CliUsageError } from '../errors.js'

export interface ParsedArgs {
  positionals: string[]
  options: Map<string, string | true>
}

export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const positionals: string[] = []
  const options = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--')) {
      positionals.push(word)
      continue
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    if (flags.includes(name)) {
      options.set(name, true)
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined || value === '') throw new CliUsageError(`--${name} needs a value`)
      options.set(name, value)
    } else {
      throw new CliUsageError(`unknown option --${name}`)
    }
  }
  return { positionals, options }
}

export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name)
  return typeof value === 'string' ? value : undefined
}
