/**
 * `pong`: echoes the nonce of a `ping` (BIP-0031).
 *
 * @since 0.1.0
 */
import { defineNonce } from "../../internal/wire/sharedShapes.js"

/**
 * The `pong` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Pong = defineNonce("Pong", "pong")

/**
 * @since 0.1.0
 * @category models
 */
export type Pong = ReturnType<typeof Pong.make>
