/**
 * `mempool`: no payload.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `mempool` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Mempool = defineEmpty("Mempool", "mempool")

/**
 * @since 0.1.0
 * @category models
 */
export type Mempool = ReturnType<typeof Mempool.make>
