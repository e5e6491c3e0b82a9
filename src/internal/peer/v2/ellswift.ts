/**
 * ElligatorSwift keys and x-only ECDH (BIP324 "ElligatorSwift encoding of
 * curve X coordinates" and "Shared secret computation").
 *
 * The encoding and decoding (`XSwiftEC`, `XSwiftECInv`) come from
 * `@scure/btc-signer`'s `elligatorSwift`, on `@noble/curves`. The scalar
 * multiplication of the ECDH, the costly part, runs in OpenSSL when
 * `node:crypto` has secp256k1: the decoded x coordinate is lifted to the
 * even-y point (02 || x), and the x coordinate of the product does not
 * depend on which of the two points `lift_x` picks.
 *
 * @internal
 */
import { secp256k1 } from "@noble/curves/secp256k1.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { elligatorSwift } from "@scure/btc-signer/p2p.js"
import { nodeCrypto, type NodeCrypto } from "./nodeCrypto.js"

/** Our ephemeral key: the secret scalar and its 64-byte ElligatorSwift encoding. @internal */
export interface EllSwiftKeyPair {
  readonly privateKey: Uint8Array
  readonly ellswift: Uint8Array
}

/** Size of an encoded public key. @internal */
export const ELLSWIFT_SIZE = 64

/** `ellswift_create`: a random key and a uniformly sampled encoding of its public key. @internal */
export const generateKeyPair = (): EllSwiftKeyPair => {
  const { privateKey, publicKey } = elligatorSwift.keygen()
  return { privateKey, ellswift: publicKey }
}

/** `XSwiftEC(u, t)`: the x coordinate (32 bytes) a 64-byte encoding stands for. Any 64 bytes decode. @internal */
export const decode = (ellswift: Uint8Array): Uint8Array => elligatorSwift.decode(ellswift)

const P = secp256k1.Point.Fp.ORDER

const toBigInt = (bytes: Uint8Array): bigint => {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

const toBytes32 = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

/**
 * `XSwiftECInv(x, u, case)`: the `t` with `XSwiftEC(u, t) = x` that `case`
 * (0..7) selects, or `undefined` where there is none. For the test vectors.
 *
 * @internal
 */
export const inverse = (u: Uint8Array, x: Uint8Array, ellCase: number): Uint8Array | undefined => {
  const t = elligatorSwift._inv(toBigInt(x) % P, toBigInt(u) % P, ellCase)
  return t === undefined ? undefined : toBytes32(t)
}

/** x-only ECDH: the x coordinate of `privateKey · lift_x(XSwiftEC(theirs))`. @internal */
export interface Ecdh {
  readonly name: string
  readonly xonly: (theirs: Uint8Array, privateKey: Uint8Array) => Uint8Array
}

/** Pure JS (`@noble/curves`). @internal */
export const nobleEcdh: Ecdh = {
  name: "noble",
  xonly: (theirs, privateKey) => elligatorSwift.getSharedSecret(privateKey, theirs)
}

const makeNativeEcdh = (crypto: NodeCrypto): Ecdh => ({
  name: "node:crypto",
  xonly: (theirs, privateKey) => {
    const point = new Uint8Array(33)
    point[0] = 0x02
    point.set(decode(theirs), 1)
    const ecdh = crypto.createECDH("secp256k1")
    ecdh.setPrivateKey(privateKey)
    return new Uint8Array(ecdh.computeSecret(point))
  }
})

/** OpenSSL's secp256k1, when present. @internal */
export const nativeEcdh: Ecdh | undefined = nodeCrypto !== undefined && nodeCrypto.getCurves().includes("secp256k1")
  ? makeNativeEcdh(nodeCrypto)
  : undefined

/** The ECDH in use: native when available, noble otherwise. @internal */
export const defaultEcdh: Ecdh = nativeEcdh ?? nobleEcdh

const TAG = sha256(new TextEncoder().encode("bip324_ellswift_xonly_ecdh"))

/**
 * `v2_ecdh`: the tagged hash (BIP340 style) of initiator's encoding,
 * responder's encoding and the x-only ECDH result.
 *
 * @internal
 */
export const sharedSecret = (
  privateKey: Uint8Array,
  theirs: Uint8Array,
  ours: Uint8Array,
  initiating: boolean,
  ecdh: Ecdh = defaultEcdh
): Uint8Array => {
  const x = ecdh.xonly(theirs, privateKey)
  const h = sha256.create().update(TAG).update(TAG)
  if (initiating) h.update(ours).update(theirs)
  else h.update(theirs).update(ours)
  return h.update(x).digest()
}
