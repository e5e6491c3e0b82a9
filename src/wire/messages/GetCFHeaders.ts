/**
 * `getcfheaders`: (BIP-0157) asks for the filter headers of blocks from `startHeight` to `stopHash` (at most 2,000).
 *
 * @since 0.1.0
 */
import { defineFilterRange } from "../../internal/wire/sharedShapes.js"

/**
 * The `getcfheaders` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetCFHeaders = defineFilterRange("GetCFHeaders", "getcfheaders")

/**
 * @since 0.1.0
 * @category models
 */
export type GetCFHeaders = ReturnType<typeof GetCFHeaders.make>
