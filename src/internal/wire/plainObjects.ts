/**
 * Constructors for the plain objects the decoders build per item (inventory
 * vectors, transactions and their inputs and outputs, headers): `new
 * InvVectorObject(type, hash)` is a plain `{ type, hash }` (prototype
 * `Object.prototype`, the same own enumerable data properties in the same
 * order, so `toEqual`, `isDeepStrictEqual`, spread and JSON see no
 * difference), made by a constructor instead of a literal.
 *
 * Why: V8 tracks the objects of each literal site and, once most of a site's
 * objects survive a young-generation collection, allocates every later
 * object of that site directly in the old generation ("allocation-site
 * pretenuring"). Building one large list (a 50,000-vector `inv`, a block's
 * transactions) is enough to trip it, depending on when a collection falls
 * during the build. From then on every small message's objects were born
 * old, pointing at young views, which each young collection then had to
 * copy and promote: the same `inv` of 10 decoded 3x slower in such a
 * process (measured: 5 MB promoted per scavenge against ~0, scavenges of
 * 100+ ms), the "slow mode" some processes fell into. Objects made by `new`
 * have no allocation site, so they are never pretenured.
 *
 * @internal
 */
import type { InvVector } from "../../wire/InvVector.js"

/**
 * A constructor that returns the object it is given: a subclass adds its
 * private fields to that object, which stays a plain object. (The lazily
 * built inventory and block transactions keep their source bytes this way.)
 *
 * @internal
 */
export class Stamp {
  constructor(target: object) {
    return target
  }
}

/** A constructor whose instances are plain objects: its `prototype` is `Object.prototype`. */
const plain = <Args extends ReadonlyArray<unknown>, A>(init: (this: any, ...args: Args) => void): new (...args: Args) => A => {
  ;(init as unknown as { prototype: object }).prototype = Object.prototype
  return init as unknown as new (...args: Args) => A
}

/** `{ type, hash }`. @internal */
export const InvVectorObject = plain<[type: number, hash: Uint8Array], InvVector>(function(type, hash) {
  this.type = type
  this.hash = hash
})

/** `{ hash, index }`: an input's previous output. @internal */
export const OutPointObject = plain<[hash: Uint8Array, index: number], { readonly hash: Uint8Array; readonly index: number }>(
  function(hash, index) {
    this.hash = hash
    this.index = index
  }
)

/** `{ prevout, script, sequence, witness }`. @internal */
export const TxInObject = plain<
  [prevout: { readonly hash: Uint8Array; readonly index: number }, script: Uint8Array, sequence: number, witness: ReadonlyArray<Uint8Array>],
  {
    readonly prevout: { readonly hash: Uint8Array; readonly index: number }
    readonly script: Uint8Array
    readonly sequence: number
    readonly witness: ReadonlyArray<Uint8Array>
  }
>(function(prevout, script, sequence, witness) {
  this.prevout = prevout
  this.script = script
  this.sequence = sequence
  this.witness = witness
})

/** `{ value, script }`. @internal */
export const TxOutObject = plain<[value: bigint, script: Uint8Array], { readonly value: bigint; readonly script: Uint8Array }>(
  function(value, script) {
    this.value = value
    this.script = script
  }
)

/** `{ version, inputs, outputs, lockTime }`: a transaction without MWEB data. @internal */
export const TransactionObject = plain<
  [version: number, inputs: ReadonlyArray<unknown>, outputs: ReadonlyArray<unknown>, lockTime: number],
  { readonly version: number; readonly inputs: ReadonlyArray<any>; readonly outputs: ReadonlyArray<any>; readonly lockTime: number }
>(function(version, inputs, outputs, lockTime) {
  this.version = version
  this.inputs = inputs
  this.outputs = outputs
  this.lockTime = lockTime
})

/** `{ version, prevBlock, merkleRoot, time, bits, nonce }`: Bitcoin's 80-byte header. @internal */
export const HeaderObject = plain<
  [version: number, prevBlock: Uint8Array, merkleRoot: Uint8Array, time: number, bits: number, nonce: number],
  {
    readonly version: number
    readonly prevBlock: Uint8Array
    readonly merkleRoot: Uint8Array
    readonly time: number
    readonly bits: number
    readonly nonce: number
  }
>(function(version, prevBlock, merkleRoot, time, bits, nonce) {
  this.version = version
  this.prevBlock = prevBlock
  this.merkleRoot = merkleRoot
  this.time = time
  this.bits = bits
  this.nonce = nonce
})
