/**
 * `tx`: one transaction, with BIP-0144 witness serialization when it has
 * witness data (as the network's transaction serialization allows).
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import * as TransactionCodec from "../../internal/wire/transactionCodec.js"
import * as Transaction from "../Transaction.js"
import { MAX_BLOCK_PAYLOAD } from "./Block.js"

/**
 * The `tx` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Tx = define({
  tag: "Tx",
  command: "tx",
  fields: { tx: Transaction.Transaction },
  maxPayload: (_, format) => format?.maxBlockPayload ?? MAX_BLOCK_PAYLOAD,
  read: (r, ctx) => ({ tx: TransactionCodec.read(r, ctx.format?.transactions) }),
  write: (w, m) => TransactionCodec.write(w, m.tx),
  size: (m) => TransactionCodec.size(m.tx)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Tx = ReturnType<typeof Tx.make>
