/**
 * What `inv`, `getdata` and `notfound` decode to: the message keeps its
 * payload and builds the `inventory` array from it when `inventory` is first
 * read, once.
 *
 * Why the list and not each vector: a vector must stay a plain
 * `{ type, hash }` for its users (spread, `toEqual`, JSON, Schema), so a lazy
 * `hash` would have to be an own accessor, defined per vector; on Node 20
 * that `Object.defineProperty` costs more than the 32-byte view it would
 * save (measured ~115 ns against ~47 ns per vector). One accessor per
 * message costs about as much as four views, whatever the count. Decoding
 * still checks everything a vector can get wrong (count cap, length against
 * the bytes left, no trailing bytes): any 36 bytes are a valid vector.
 * A retained message, or a vector of it, keeps the payload alive, and no more.
 *
 * The accessor is one shared getter reading private fields, so every decoded
 * message has the same hidden class (a getter closure per message would put
 * each one in dictionary mode). The message itself stays a plain object
 * (`Object.prototype`, own enumerable `inventory` and `_tag`), so
 * `isDeepStrictEqual`, `toStrictEqual` and `structuredClone` treat it as
 * before: the private fields are added to it by a subclass of a base whose
 * constructor returns the object it is given.
 *
 * @internal
 */
import type { InvVector } from "../../wire/InvVector.js"
import { InvVectorObject, Stamp } from "./plainObjects.js"

/** Bytes of one vector: u32 type, 32-byte hash. */
const SIZE = 36

/** The payload span of a decoded inventory message, held in private fields of the message. */
class InventorySource extends Stamp {
  readonly #payload: Uint8Array
  readonly #start: number
  readonly #count: number
  #inventory: ReadonlyArray<InvVector> | undefined = undefined

  private constructor(target: object, payload: Uint8Array, start: number, count: number) {
    super(target)
    this.#payload = payload
    this.#start = start
    this.#count = count
  }

  /**
   * A message whose `inventory` is the `count` vectors at
   * `payload[start, start + 36 * count)` (already bounds-checked), built on first read.
   */
  static make(payload: Uint8Array, start: number, count: number): { readonly inventory: ReadonlyArray<InvVector> } {
    const message = {}
    new InventorySource(message, payload, start, count)
    Object.defineProperty(message, "inventory", inventoryProperty)
    return message as { readonly inventory: ReadonlyArray<InvVector> }
  }

  /** The vectors' bytes while `inventory` has not been read; `undefined` otherwise or for another object. */
  static unreadOf(message: object): Uint8Array | undefined {
    if (!(#payload in message)) return undefined
    const self = message as InventorySource
    if (self.#inventory !== undefined) return undefined
    return self.#payload.subarray(self.#start, self.#start + self.#count * SIZE)
  }

  /** The vectors, built on the first call: each `hash` a view of the payload. */
  static inventoryOf(message: object): ReadonlyArray<InvVector> {
    const self = message as InventorySource
    if (self.#inventory === undefined) self.#inventory = buildInventory(self.#payload, self.#start, self.#count)
    return self.#inventory
  }
}

/** @internal */
export const makeInventoryMessage = InventorySource.make

/**
 * The vectors' bytes of a decoded inventory message whose `inventory` was
 * never read (a view of its payload), or `undefined` for any other message.
 *
 * @internal
 */
export const unreadInventory = (message: object): Uint8Array | undefined => InventorySource.unreadOf(message)

const inventoryProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: false,
  get(this: object) {
    return InventorySource.inventoryOf(this)
  }
}

/**
 * The `count` vectors at `payload[start, start + 36 * count)` (already
 * bounds-checked), each `hash` a view of the payload.
 *
 * @internal
 */
export const buildInventory = (payload: Uint8Array, start: number, count: number): Array<InvVector> => {
  const inventory = new Array<InvVector>(count)
  const buffer = payload.buffer
  const base = payload.byteOffset
  let o = start
  for (let i = 0; i < count; i++) {
    const type = (payload[o]! | (payload[o + 1]! << 8) | (payload[o + 2]! << 16) | (payload[o + 3]! << 24)) >>> 0
    inventory[i] = new InvVectorObject(type, new Uint8Array(buffer, base + o + 4, 32))
    o += SIZE
  }
  return inventory
}
