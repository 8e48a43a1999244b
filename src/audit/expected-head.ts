// A chain head as an operator keeps it outside the database: `<zone>:<chain_seq>:<content sha256>`,
// as `audit verify` prints it. Kept elsewhere (a ticket, another host, a notary), it is what shows
// rows cut from the end of a chain: the chain must still hold that row, with that hash.

export interface ChainHead {
  chainSeq: number
  contentSha256: string
}

export interface ExpectedHead extends ChainHead {
  zoneId: string
}

/** `zone:seq:sha256` (as printed by formatHead); undefined when the text is not one. */
export function parseExpectedHead(text: string): ExpectedHead | undefined {
  // A zone id may hold anything but the last two parts cannot: read from the right.
  const match = /^(.+):([1-9][0-9]{0,15}):([0-9a-fA-F]{64})$/.exec(text.trim())
  if (!match) return undefined
  const chainSeq = Number(match[2])
  if (!Number.isSafeInteger(chainSeq)) return undefined
  return { zoneId: match[1]!, chainSeq, contentSha256: match[3]!.toLowerCase() }
}

export function formatHead(zoneId: string, head: ChainHead): string {
  return `${zoneId}:${head.chainSeq}:${head.contentSha256}`
}
