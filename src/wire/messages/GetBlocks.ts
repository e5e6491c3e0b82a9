/**
 * `getblocks`: asks for an `inv` of up to 500 blocks after the first locator hash the peer knows, up to `stopHash` (all zeros: as many as allowed).
 *
 * A locator of up to 500 hashes is read and written (btcd's limit), but
 * Bitcoin Core disconnects a peer whose locator has more than 101
 * (net_processing.cpp `MAX_LOCATOR_SZ`): a locator built the usual way (ten
 * hashes, then doubling steps back to genesis) stays far below.
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
