/**
 * Key derivation (BIP324 "Keys and session ID derivation"): HKDF-SHA256
 * (RFC 5869) with salt `"bitcoin_v2_shared_secret" || magic`, so nodes of
 * different networks derive different keys and fail at the first packet.
 *
 * Native `hkdfSync` when `node:crypto` has it, `@noble/hashes` otherwise.
 *
 * @internal
 */
import { expand, extract } from "@noble/hashes/hkdf.js"
import { sha256 } from "@noble/hashes/sha2.js"
import { nodeCrypto } from "./nodeCrypto.js"

/** HKDF-SHA256 producing several 32-byte outputs from one secret. @internal */
export interface Hkdf {
  readonly name: string
  readonly derive: (ikm: Uint8Array, salt: Uint8Array, infos: ReadonlyArray<Uint8Array>) => Array<Uint8Array>
}

/** `@noble/hashes`: one extract, then one expand per label. @internal */
export const nobleHkdf: Hkdf = {
  name: "noble",
  derive: (ikm, salt, infos) => {
    const prk = extract(sha256, ikm, salt)
    return infos.map((info) => expand(sha256, prk, info, 32))
  }
}

const hkdfSync = nodeCrypto?.hkdfSync

/** Node's `hkdfSync`, when present. @internal */
export const nativeHkdf: Hkdf | undefined = hkdfSync === undefined ? undefined : {
  name: "node:crypto",
  derive: (ikm, salt, infos) => infos.map((info) => new Uint8Array(hkdfSync("sha256", ikm, salt, info, 32)))
}

/** @internal */
export const defaultHkdf: Hkdf = nativeHkdf ?? nobleHkdf

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

const SALT_PREFIX = ascii("bitcoin_v2_shared_secret")
const LABELS = ["session_id", "initiator_L", "initiator_P", "responder_L", "responder_P", "garbage_terminators"].map(ascii)

/** Everything a v2 session derives from the shared secret. @internal */
export interface SessionKeys {
  readonly sessionId: Uint8Array
  readonly initiatorL: Uint8Array
  readonly initiatorP: Uint8Array
  readonly responderL: Uint8Array
  readonly responderP: Uint8Array
  /** First half of `garbage_terminators`. */
  readonly initiatorTerminator: Uint8Array
  /** Second half of `garbage_terminators`. */
  readonly responderTerminator: Uint8Array
}

/** `initialize_v2_transport`'s derivations. @internal */
export const deriveKeys = (secret: Uint8Array, magic: Uint8Array, hkdf: Hkdf = defaultHkdf): SessionKeys => {
  const salt = new Uint8Array(SALT_PREFIX.length + magic.length)
  salt.set(SALT_PREFIX)
  salt.set(magic, SALT_PREFIX.length)
  const [sessionId, initiatorL, initiatorP, responderL, responderP, terminators] = hkdf.derive(secret, salt, LABELS)
  return {
    sessionId: sessionId!,
    initiatorL: initiatorL!,
    initiatorP: initiatorP!,
    responderL: responderL!,
    responderP: responderP!,
    initiatorTerminator: terminators!.slice(0, 16),
    responderTerminator: terminators!.slice(16, 32)
  }
}
