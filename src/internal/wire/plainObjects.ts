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
