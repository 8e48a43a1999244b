// A small argv reader: positional words and `--name value` / `--flag` options, nothing clever,
// so that a mistyped option is an error rather than a silently ignored word. A valued option
// given twice keeps its last value, unless it is named repeatable: then every value is kept.
import { CliUsageError } from '../errors.js'

export interface ParsedArgs {
  positionals: string[]
  /** Repeatable options hold every value given, in order. */
  options: Map<string, string | true | string[]>
}

export function parseArgs(argv: readonly string[], valued: readonly string[], flags: readonly string[] = [], repeatable: readonly string[] = []): ParsedArgs {
  const positionals: string[] = []
  const options = new Map<string, string | true | string[]>()
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--')) {
      positionals.push(word)
      continue
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    if (flags.includes(name)) {
      options.set(name, true)
    } else if (valued.includes(name) || repeatable.includes(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined || value === '') throw new CliUsageError(`--${name} needs a value`)
      if (repeatable.includes(name)) {
        const values = options.get(name)
        options.set(name, [...(Array.isArray(values) ? values : []), value])
      } else {
        options.set(name, value)
      }
    } else {
      throw new CliUsageError(`unknown option --${name}`)
    }
  }
  return { positionals, options }
}

/** The value of a single-valued option (the last one given). */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name)
  return typeof value === 'string' ? value : undefined
}

/** Every value of a repeatable option, in the order given; none when it was not given. */
export function optionValues(args: ParsedArgs, name: string): string[] {
  const value = args.options.get(name)
  return Array.isArray(value) ? [...value] : typeof value === 'string' ? [value] : []
}
