/**
 * `feefilter` (BIP-0133): the minimum fee rate, in satoshis per 1,000 bytes,
 * of transactions the sender wants announced.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { Int64 } from "../Fields.js"

/**
 * The `feefilter` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const FeeFilter = define({
  tag: "FeeFilter",
  command: "feefilter",
  fields: { feeRate: Int64 },
  maxPayload: () => 8,
  read: (r) => ({ feeRate: r.i64le() }),
  write: (w, m) => {
    w.i64le(m.feeRate)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type FeeFilter = ReturnType<typeof FeeFilter.make>
