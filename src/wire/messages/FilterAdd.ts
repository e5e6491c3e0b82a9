/**
 * `filteradd` (BIP-0037): adds one element (at most 520 bytes, the largest
 * script push) to the loaded bloom filter.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { BytesMax } from "../Fields.js"

/**
 * Largest element.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ELEMENT = 520

/**
 * The `filteradd` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const FilterAdd = define({
  tag: "FilterAdd",
  command: "filteradd",
  fields: { data: BytesMax(MAX_ELEMENT) },
  maxPayload: () => 3 + MAX_ELEMENT,
  read: (r) => ({ data: r.varBytes(MAX_ELEMENT, "element") }),
  write: (w, m) => {
    w.varBytes(m.data, MAX_ELEMENT, "element")
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type FilterAdd = ReturnType<typeof FilterAdd.make>
