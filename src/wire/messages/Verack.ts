/**
 * `verack`: no payload.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `verack` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Verack = defineEmpty("Verack", "verack")

/**
 * @since 0.1.0
 * @category models
 */
export type Verack = ReturnType<typeof Verack.make>
