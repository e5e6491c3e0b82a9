/**
 * One-byte message type ids of v2 packets (BIP324 "v2 Bitcoin P2P message
 * structure", plus the ids that later BIPs assigned in the BIP's
 * `message_type_ids.md`). Id 0 means a 12-byte ASCII command follows.
 *
 * @internal
 */

/** Index = id; id 0 is the long form. @internal */
export const SHORT_IDS: ReadonlyArray<string> = [
  "",
  "addr", "block", "blocktxn",
  "cmpctblock", "feefilter", "filteradd", "filterclear",
  "filterload", "getblocks", "getblocktxn", "getdata",
  "getheaders", "headers", "inv", "mempool",
  "merkleblock", "notfound", "ping", "pong",
  "sendcmpct", "tx", "getcfilters", "cfilter",
  "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt",
  "addrv2",
  // message_type_ids.md: BIP 183 (utreexo) and BIP 434.
  "uproof", "getuproof", "uttls", "getuttls", "usummary", "utreexotx", "uroot", "geturoot",
  "feature"
]

const BY_COMMAND: ReadonlyMap<string, number> = new Map(SHORT_IDS.map((command, id) => [command, id] as const).slice(1))

/** The one-byte id of `command`, or `undefined` when it has none (sent in the 13-byte form). @internal */
export const shortIdOf = (command: string): number | undefined => BY_COMMAND.get(command)

/** The command a one-byte id stands for, or `undefined` for an unassigned id. @internal */
export const commandOfShortId = (id: number): string | undefined => (id === 0 ? undefined : SHORT_IDS[id])

/** Width of the long-form command field. @internal */
export const LONG_COMMAND_SIZE = 12
