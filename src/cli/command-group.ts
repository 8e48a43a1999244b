// What the commands that act on the configured database share: a group of named handlers, the
// options the group reads, and the readers of the options every group uses (--zone first).
import { requireZone } from '../admin/index.js'
import { CliUsageError } from '../errors.js'
import type { Runtime } from '../runtime.js'
import { StoreNotFoundError } from '../store/index.js'
import { optionValue, type ParsedArgs } from './args.js'

export type Handler = (runtime: Runtime, args: ParsedArgs, out: (line: string) => void) => Promise<number>

export interface CommandGroup {
  /** Options taking a value, besides --config. */
  valued: readonly string[]
  /** Options that may be given more than once. */
  repeatable?: readonly string[]
  /** Per command, the valued option its one positional word stands for (`approve <id>` = `--id`). */
  positional?: Record<string, string>
  commands: Record<string, Handler>
}

export function required(args: ParsedArgs, name: string): string {
  const value = optionValue(args, name)
  if (!value) throw new CliUsageError(`--${name} is required`)
  return value
}

/** The --zone named, which must exist (zones come from the config). */
export function zoneOf(runtime: Runtime, args: ParsedArgs): string {
  const zoneId = required(args, 'zone')
  try {
    requireZone(runtime.store, zoneId)
  } catch (error) {
    if (error instanceof StoreNotFoundError) throw new StoreNotFoundError(`${error.message} (zones come from policy.zones in ${runtime.loaded.path})`)
    throw error
  }
  return zoneId
}

/**
 * A whole number of seconds, or undefined when the option is absent. With bounds, a value outside
 * them is refused here, naming the option, rather than by the operation naming its API field.
 */
export function secondsOption(args: ParsedArgs, name: string, min = 1, max = 999_999_999): number | undefined {
  const value = optionValue(args, name)
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]{0,8}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliUsageError(max === 999_999_999 ? `--${name} is a whole number of seconds` : `--${name} is a whole number of seconds from ${min} to ${max}`)
  }
  return Number(value)
}

/** One of `allowed`, or undefined when the option is absent. */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const value = optionValue(args, name)
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) throw new CliUsageError(`--${name} is ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')}`)
  return value as T | undefined
}
