// The commands the CLI prints for a person to run next must run as printed: with the config the
// printing command was given (else they would act on the default config's database), and with
// every word quoted as a POSIX shell needs it.

export const DEFAULT_CONFIG = 'mcp.config.json'

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** ` --config <path as given>` for a config other than the default, else nothing. */
export function configFlag(given: string | undefined): string {
  return given === undefined || given === DEFAULT_CONFIG || given === `./${DEFAULT_CONFIG}` ? '' : ` --config ${shellWord(given)}`
}
