/**
 * `getblocks`: asks for an `inv` of up to 500 blocks after the first locator hash the peer knows, up to `stopHash` (all zeros: as many as allowed).
 *
 * @since 0.1.0
 */
import { defineLocator } from "../../internal/wire/sharedShapes.js"

/**
 * The `getblocks` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetBlocks = defineLocator("GetBlocks", "getblocks")

/**
 * @since 0.1.0
 * @category models
 */
export type GetBlocks = ReturnType<typeof GetBlocks.make>
