/**
 * `notfound`: the objects of a `getdata` that the sender does not have.
 *
 * @since 0.1.0
 */
import { defineInventory } from "../../internal/wire/sharedShapes.js"

/**
 * The `notfound` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const NotFound = defineInventory("NotFound", "notfound")

/**
 * @since 0.1.0
 * @category models
 */
export type NotFound = ReturnType<typeof NotFound.make>
