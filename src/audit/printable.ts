// Text for a terminal from strings the audit holds, many of them chosen by a client (tool names,
// request ids, deny reasons): C0 and C1 control characters and DEL are written as \u001b and so
// on, so a row cannot move the cursor, recolour the screen or forge lines in an operator's
// terminal. JSON output needs none of this: JSON escapes them already.

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
