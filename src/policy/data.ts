// The adopter's data documents: their shapes, checked at load so a malformed document is refused
// with the document and field named, before any request depends on it. The Rego contract checks
// the same shapes again and denies (policies/authz/data_checks.rego): two layers, one meaning.
import { z } from 'zod'
import { PolicyDataError } from './errors.js'
import { isJsonObject } from '../util/json-object.js'

const nonEmpty = z.string().min(1)
const scopeList = z.array(nonEmpty)

const grant = z
  .strictObject({
    application: nonEmpty.optional(),
    applications: z.array(nonEmpty).min(1).optional(),
    roles: z.record(nonEmpty, scopeList).optional(),
  })
  .refine((g) => (g.application === undefined) !== (g.applications === undefined), {
    message: 'name the owner with exactly one of "application" or "applications"',
  })

const condition = z
  .strictObject({
    required: z.boolean().optional(),
    forbidden: z.boolean().optional(),
    prefix: z.array(nonEmpty).min(1).optional(),
    path_prefix: z.array(nonEmpty).min(1).optional(),
    enum: z.array(nonEmpty).min(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'declare at least one condition' })
  .refine((c) => !(c.required === true && c.forbidden === true), { message: 'an argument cannot be both required and forbidden' })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: 'min is above max' })

const DOCUMENTS = {
  /** binding key → application id; several keys may alias one application. */
  app_ids: z.record(nonEmpty, nonEmpty),
  /** resource identifier → owning application(s) by binding key, and role → scopes. */
  grants: z.record(nonEmpty, grant),
  /** A label starting with `label_prefix` confines the principal to `scopes`. */
  confinement: z.array(z.strictObject({ label_prefix: nonEmpty, scopes: scopeList })),
  /** Any entry freezes the zone. */
  restrict: z.union([z.array(nonEmpty), z.record(nonEmpty, z.unknown())]),
  /** scope → opaque risk tier. */
  risk: z.array(z.strictObject({ scope: nonEmpty, tier: nonEmpty })),
  /** Tiers that hold a mint for a human decision. */
  approval_tiers: z.array(
    z.strictObject({
      tier: nonEmpty,
      approver: z.enum(['operator', 'subject', 'any']).optional(),
      ttl_seconds: z.number().int().positive().optional(),
      privacy: z.enum(['identified', 'pseudonymous', 'anonymous']).optional(),
    }),
  ),
  /** Our MCP extension: server → tool → argument → conditions. */
  tool_rules: z.record(
    nonEmpty,
    z.record(
      nonEmpty,
      z.strictObject({
        arguments: z.record(nonEmpty, condition).refine((args) => Object.keys(args).length > 0, { message: 'declare at least one argument' }),
      }),
    ),
  ),
} as const

export type DocumentName = keyof typeof DOCUMENTS
export type PolicyData = { [K in DocumentName]: z.infer<(typeof DOCUMENTS)[K]> }

export const DOCUMENT_NAMES = Object.keys(DOCUMENTS) as DocumentName[]

/** A zone without data authorizes nothing: every document empty. */
export function emptyPolicyData(): PolicyData {
  return { app_ids: {}, grants: {}, confinement: [], restrict: [], risk: [], approval_tiers: [], tool_rules: {} }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`
      const name = String(key)
      if (/^[A-Za-z_][\w-]*$/.test(name)) return i === 0 ? name : `.${name}`
      return `[${JSON.stringify(name)}]`
    })
    .join('')
}

/**
 * Checks the documents of one zone, fills the absent ones with empty defaults, and returns them.
 * Throws PolicyDataError naming the first document and field at fault.
 */
export function validatePolicyData(raw: unknown): PolicyData {
  if (!isJsonObject(raw)) throw new PolicyDataError('(root)', '', 'expected an object of data documents')
  const data = emptyPolicyData() as Record<DocumentName, unknown>
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in DOCUMENTS)) {
      throw new PolicyDataError(name, '', `not a document of the decision contract (expected one of ${DOCUMENT_NAMES.join(', ')})`)
    }
    const parsed = DOCUMENTS[name as DocumentName].safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : ''
      throw new PolicyDataError(name, formatPath(issue.path), `${issue.message}${keys}`)
    }
    data[name as DocumentName] = parsed.data
  }
  const checked = data as PolicyData
  checkBindingKeys(checked)
  return checked
}

/** A grant naming a binding key absent from app_ids can never match: almost surely a typo. */
function checkBindingKeys(data: PolicyData): void {
  for (const [resource, g] of Object.entries(data.grants)) {
    const keys = g.applications ?? [g.application!]
    keys.forEach((key, i) => {
      if (!(key in data.app_ids)) {
        const field = g.applications ? `.applications[${i}]` : '.application'
        throw new PolicyDataError('grants', `${formatPath([resource])}${field}`, `binding key "${key}" is not in app_ids`)
      }
    })
  }
}
