/**
 * `sendheaders`: no payload. Defined by BIP-0130.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `sendheaders` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const SendHeaders = defineEmpty("SendHeaders", "sendheaders")

/**
 * @since 0.1.0
 * @category models
 */
export type SendHeaders = ReturnType<typeof SendHeaders.make>
