// Text for a terminal from strings the audit holds, many of them chosen by a client (tool names,
// request ids, deny reasons): C0 and C1 control characters and DEL are written as \u001b and so
// on, so a row cannot move the cursor, recolour the screen or forge lines in an operator's
// terminal. So are the invisible characters that change what a reader sees without being seen
// themselves: bidirectional overrides, embeddings, isolates and marks (a tool name that displays
// as another, "Trojan Source"), zero-width characters, and the Unicode line and paragraph
// separators (which some terminals and viewers break lines at). JSON output needs none of this:
// it is read by programs, and JSON escapes the control characters already.

const UNSEEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]/g

export function printable(text: string): string {
  return text.replace(UNSEEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
