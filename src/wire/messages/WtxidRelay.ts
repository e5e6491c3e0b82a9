/**
 * `wtxidrelay`: no payload. Defined by BIP-0339.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `wtxidrelay` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const WtxidRelay = defineEmpty("WtxidRelay", "wtxidrelay")

/**
 * @since 0.1.0
 * @category models
 */
export type WtxidRelay = ReturnType<typeof WtxidRelay.make>
