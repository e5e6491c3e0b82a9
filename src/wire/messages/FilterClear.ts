/**
 * `filterclear`: no payload. Defined by BIP-0037.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `filterclear` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const FilterClear = defineEmpty("FilterClear", "filterclear")

/**
 * @since 0.1.0
 * @category models
 */
export type FilterClear = ReturnType<typeof FilterClear.make>
