/**
 * `getcfilters`: (BIP-0157) asks for the compact filters of blocks from `startHeight` to `stopHash` (at most 1,000).
 *
 * @since 0.1.0
 */
import { defineFilterRange } from "../../internal/wire/sharedShapes.js"

/**
 * The `getcfilters` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetCFilters = defineFilterRange("GetCFilters", "getcfilters")

/**
 * @since 0.1.0
 * @category models
 */
export type GetCFilters = ReturnType<typeof GetCFilters.make>
