/**
 * `getheaders`: asks for `headers` (up to 2,000) after the first locator hash the peer knows, up to `stopHash` (all zeros: as many as allowed).
 *
 * @since 0.1.0
 */
import { defineLocator } from "../../internal/wire/sharedShapes.js"

/**
 * The `getheaders` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetHeaders = defineLocator("GetHeaders", "getheaders")

/**
 * @since 0.1.0
 * @category models
 */
export type GetHeaders = ReturnType<typeof GetHeaders.make>
