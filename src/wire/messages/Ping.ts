/**
 * `ping`: a 64-bit nonce the peer must echo in a `pong` (BIP-0031). Before protocol 60001 it had no payload.
 *
 * @since 0.1.0
 */
import { defineNonce } from "../../internal/wire/sharedShapes.js"

/**
 * The `ping` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Ping = defineNonce("Ping", "ping")

/**
 * @since 0.1.0
 * @category models
 */
export type Ping = ReturnType<typeof Ping.make>
