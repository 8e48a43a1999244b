// The CLI's lists: tab-separated columns under a header line, the header printed only when there
// are rows. Each cell goes through `printable`: names and labels were chosen by whoever created
// them, and a tab or newline in one would shift the columns, an escape sequence drive the
// operator's terminal.
import { printable } from '../audit/index.js'

/** `rows` hold strings, and what the API's JSON forms hold (read as their text). */
export function printTable(out: (line: string) => void, columns: readonly string[], rows: readonly (readonly unknown[])[]): void {
  if (rows.length === 0) return
  out(columns.join('\t'))
  for (const row of rows) out(row.map((cell) => printable(String(cell))).join('\t'))
}
