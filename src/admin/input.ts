// Reads a request's JSON body or query with a zod schema (strict objects: an unknown field is an
// error, not silently dropped) and turns every failed check into an issue naming its path.
import { z } from 'zod'
import { AdminBodyInvalidError, AdminQueryInvalidError, type InputIssue } from './errors.js'

/** `$.labels[0]`, as config errors name their paths. */
function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), '$')
}

function issuesOf(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }))
}

/** The body parsed by `schema`; a request without a body is read as `{}`. */
export function readBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {})
  if (!parsed.success) throw new AdminBodyInvalidError(issuesOf(parsed.error))
  return parsed.data
}

export function readQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query ?? {})
  if (!parsed.success) throw new AdminQueryInvalidError(issuesOf(parsed.error))
  return parsed.data
}

/** A `limit` query parameter: a whole number from 1 to `max`, as written in decimal. */
export function limitParameter(max: number) {
  const rule = `a whole number from 1 to ${max}`
  return z.string().regex(/^[1-9][0-9]{0,8}$/, rule).transform(Number).refine((n) => n <= max, rule)
}

export function malformedJson(message: string): AdminBodyInvalidError {
  return new AdminBodyInvalidError([{ path: '$', message }])
}
