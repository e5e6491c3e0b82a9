/**
 * `inv`: announces up to 50,000 inventory vectors (transactions, blocks) the sender has.
 *
 * @since 0.1.0
 */
import { defineInventory } from "../../internal/wire/sharedShapes.js"

/**
 * The `inv` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Inv = defineInventory("Inv", "inv")

/**
 * @since 0.1.0
 * @category models
 */
export type Inv = ReturnType<typeof Inv.make>
