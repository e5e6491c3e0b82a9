/**
 * `getdata`: requests up to 50,000 objects by inventory vector; answered with `tx`, `block`, `merkleblock`, `cmpctblock` or `notfound`.
 *
 * @since 0.1.0
 */
import { defineInventory } from "../../internal/wire/sharedShapes.js"

/**
 * The `getdata` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetData = defineInventory("GetData", "getdata")

/**
 * @since 0.1.0
 * @category models
 */
export type GetData = ReturnType<typeof GetData.make>
