// A comma-separated option (`--scopes a,b`): its non-empty items, or undefined when absent.
import { CliUsageError } from '../errors.js'
import { optionValue, type ParsedArgs } from './args.js'

export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = optionValue(args, name)
  if (value === undefined) return undefined
  const items = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))]
  if (items.length === 0 || items.some((s) => /\s/.test(s))) throw new CliUsageError(`--${name} is a comma-separated list without whitespace in its items`)
  return items
}
