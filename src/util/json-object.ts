// A JSON object as parsed JSON has them: an object, neither null nor an array. What a wire body,
// a policy result or a data document must be before its members are read.
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
