/**
 * `sendaddrv2`: no payload. Defined by BIP-0155.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `sendaddrv2` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const SendAddrV2 = defineEmpty("SendAddrV2", "sendaddrv2")

/**
 * @since 0.1.0
 * @category models
 */
export type SendAddrV2 = ReturnType<typeof SendAddrV2.make>
