/**
 * `getaddr`: no payload.
 *
 * @since 0.1.0
 */
import { defineEmpty } from "../../internal/wire/MessageDef.js"

/**
 * The `getaddr` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetAddr = defineEmpty("GetAddr", "getaddr")

/**
 * @since 0.1.0
 * @category models
 */
export type GetAddr = ReturnType<typeof GetAddr.make>
