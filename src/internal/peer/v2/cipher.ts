/**
 * The two ChaCha20 primitives BIP324 is built from, behind one interface:
 * the raw ChaCha20 keystream (RFC 8439 §2.4, for the length cipher and for
 * rekeying) and the ChaCha20-Poly1305 AEAD (RFC 8439 §2.8, for contents).
 *
 * Three suites implement it: Node's OpenSSL ciphers (`chacha20`,
 * `chacha20-poly1305`) reached through `process.getBuiltinModule`,
 * `@noble/ciphers`, which runs anywhere, and a plain-JavaScript one for
 * small packets only (`chachaJs.ts`). `defaultSuite` takes the native suite
 * where the runtime has it and noble elsewhere, as `wire/Hash.ts` does for
 * SHA-256, and sends small packets to the JavaScript one in both cases: a
 * native AEAD context per packet, or noble's general-purpose setup per
 * packet, costs more than a small packet's whole encryption there.
 *
 * Large packets on the native suite allocate as little as Node's API
 * allows, since in a process with a large heap the garbage collector's
 * work follows the bytes of buffers allocated (`../pieces.ts`): `seal`
 * returns the ciphertext in the pieces OpenSSL made (`Pieces`, never
 * joined), and a packet spread over reads is gathered into a pooled buffer
 * and decrypted in one call whose output is the plaintext
 * (`ciphertextPool.ts`), instead of decrypting each read and joining.
 *
 * @internal
 */
import { chacha20, chacha20poly1305 } from "@noble/ciphers/chacha.js"
import type { Pieces } from "../pieces.js"
import { allocUnsafe } from "./bytes.js"
import * as ChaChaJs from "./chachaJs.js"
import * as CiphertextPool from "./ciphertextPool.js"
import { nodeCrypto, type NodeCrypto } from "./nodeCrypto.js"

/** Bytes the AEAD adds to every plaintext (the Poly1305 tag). @internal */
export const TAG_SIZE = 16

/** @internal */
export interface ChaChaSuite {
  readonly name: string
  /**
   * `length` bytes of the ChaCha20 keystream for `key` and the 12-byte
   * `nonce`, starting at block `counter`.
   */
  readonly keystream: (key: Uint8Array, nonce: Uint8Array, counter: number, length: number) => Uint8Array
  /**
   * Encrypts the plaintext `head || body` (two parts, so a large payload is
   * never copied into a plaintext buffer first) and returns `room` bytes
   * left for the caller to fill, then the ciphertext, then the tag: in one
   * array, or (a large packet on the native suite) in `Pieces` whose first
   * piece holds the `room` bytes.
   */
  readonly seal: (
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    head: Uint8Array,
    body: Uint8Array,
    room: number
  ) => Uint8Array | Pieces
  /**
   * Decrypts ciphertext-then-tag, `sealed[from..to)` (the whole array by
   * default: a packet inside a socket read is opened where it lies, with no
   * view made for it); `undefined` when the tag does not authenticate.
   */
  readonly open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, from?: number, to?: number) => Uint8Array | undefined
  /**
   * Decrypts a ciphertext of `size` bytes that arrives in pieces (a packet
   * spread over socket reads), so it is never gathered into one ciphertext
   * buffer first. Key and nonce are taken now; the caller may change them
   * afterwards.
   */
  readonly opener: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, size: number) => Opener
}

/**
 * A decryption in progress: ciphertext pieces in order (`size` bytes in
 * all), then the tag. Nothing decrypted is handed out before the tag is
 * checked. @internal
 */
export interface Opener {
  readonly update: (piece: Uint8Array) => void
  /** The whole plaintext, or `undefined` when the tag does not authenticate. */
  readonly final: (tag: Uint8Array) => Uint8Array | undefined
}

/** Joins decrypted pieces (the common case, one piece, is returned as is). */
const join = (parts: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (parts.length === 1) return parts[0]!
  const out = allocUnsafe(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A view of `bytes[from..to)`, or `bytes` itself when that is all of it. */
const range = (bytes: Uint8Array, from: number, to: number): Uint8Array =>
  from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to)

const nobleOpen = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
  from = 0,
  to = sealed.length
): Uint8Array | undefined => {
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(range(sealed, from, to))
  } catch {
    return undefined
  }
}

/**
 * An opener for a suite that opens a packet in one call: the pieces are
 * gathered into a buffer of the checked `size` (plus the tag), then opened;
 * its copy of the key is wiped either way.
 */
const gatheringOpener = (
  open: ChaChaSuite["open"],
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  size: number
) => {
  const k = new Uint8Array(key)
  const n = new Uint8Array(nonce)
  const sealed = allocUnsafe(size + TAG_SIZE)
  let fill = 0
  return {
    update: (piece: Uint8Array): void => {
      sealed.set(piece, fill)
      fill += piece.length
    },
    final: (tag: Uint8Array): Uint8Array | undefined => {
      sealed.set(tag, size)
      try {
        return open(k, n, aad, sealed)
      } finally {
        k.fill(0)
      }
    }
  }
}

/** `@noble/ciphers`: portable. @internal */
export const nobleSuite: ChaChaSuite = {
  name: "noble",
  keystream: (key, nonce, counter, length) => chacha20(key, nonce, new Uint8Array(length), undefined, counter),
  seal: (key, nonce, aad, head, body, room) => {
    const size = head.length + body.length
    const plaintext = allocUnsafe(size)
    plaintext.set(head)
    plaintext.set(body, head.length)
    const out = allocUnsafe(room + size + TAG_SIZE)
    chacha20poly1305(key, nonce, aad).encrypt(plaintext, out.subarray(room))
    return out
  },
  open: nobleOpen,
  // noble decrypts in one call.
  opener: (key, nonce, aad, size) => gatheringOpener(nobleOpen, key, nonce, aad, size)
}

/**
 * The plain JavaScript ChaCha20-Poly1305 of `chachaJs.ts`: several times
 * faster than a native context for a small packet, slower than OpenSSL
 * from somewhere between 640 and 1,024 bytes on (`SMALL_PACKET`). @internal
 */
export const jsSuite: ChaChaSuite = {
  name: "js",
  keystream: ChaChaJs.keystream,
  seal: ChaChaJs.seal,
  open: ChaChaJs.open,
  // Only small packets come here (see `bySize`).
  opener: (key, nonce, aad, size) => gatheringOpener(ChaChaJs.open, key, nonce, aad, size)
}

/**
 * Packets whose plaintext (header byte and contents) is at most this many
 * bytes go through `jsSuite` when the native suite is in use. The native
 * cost is mostly fixed per packet: a fresh OpenSSL context per nonce
 * (`createCipheriv`'s context setup was 32% of a 512-byte native seal + open
 * in a CPU profile, the encryption itself under 20%; Node has no way to
 * give a context a new nonce, so one cannot be reused), where the
 * JavaScript cost grows with the size. Seal + open, µs of CPU, medians of 7
 * interleaved rounds in each of 3 processes (load 9): 384 bytes 6.8-10.4
 * JS / 12.4-18.5 native, 512 bytes 10.2-12.8 / 13.2-17.4, 640 bytes
 * 12.0-16.1 / 13.1-18.7, 704 bytes 12.1-17.2 / 13.5-20.2, 768 bytes
 * 13.5-19.1 / 13.8-19.0, 1024 bytes 18.1-24.7 / 14.9-19.7: the crossover is
 * near 768 bytes; the limit sits a step below it (JS 0.86-0.92x native's
 * cost there). It was 384 before the JavaScript Poly1305 went to 22-bit
 * limbs. Typical transactions (250-600 bytes) and `inv`s of up to 17
 * entries now stay in JavaScript.
 * @internal
 */
export const SMALL_PACKET = 640

/** Keystream draws of up to this many bytes go to `bySize`'s small suite. */
const SMALL_KEYSTREAM = 64

/**
 * A suite that sends each packet down `small` or `large` by its plaintext
 * size (both compute the same bytes: RFC 8439). Keystream draws go the same
 * way by length: the contents cipher's rekey draws 32 bytes (one block,
 * ~0.3 µs in JavaScript against ~4 µs for a native context), the length
 * cipher's 704 bytes per interval (on par either way). @internal
 */
export const bySize = (small: ChaChaSuite, large: ChaChaSuite, limit: number): ChaChaSuite => ({
  name: `${large.name}, ${small.name} up to ${limit} bytes`,
  keystream: (key, nonce, counter, length) => (length <= SMALL_KEYSTREAM ? small : large).keystream(key, nonce, counter, length),
  seal: (key, nonce, aad, head, body, room) =>
    (head.length + body.length <= limit ? small : large).seal(key, nonce, aad, head, body, room),
  open: (key, nonce, aad, sealed, from = 0, to = sealed.length) =>
    (to - from - TAG_SIZE <= limit ? small : large).open(key, nonce, aad, sealed, from, to),
  opener: (key, nonce, aad, size) => (size <= limit ? small : large).opener(key, nonce, aad, size)
})

/**
 * Largest piece `seal` gives to one native `update` call, and the size above
 * which a packet is sealed into `Pieces` (never joined) and opened from a
 * pooled buffer (`ciphertextPool.ts`). Node returns a new buffer per call:
 * 64 KiB pieces come from the allocator's reused memory, where a large one
 * may take fresh pages. Up to one piece, joining is one small copy.
 */
const NATIVE_PIECE = 64 * 1024

/** Plaintext of a small message, joined for one `update` (wiped after use). */
const SMALL = new Uint8Array(1024)

// The keystream is drawn at most 704 bytes at a time (one FSChaCha20 rekey interval):
// OpenSSL's `chacha20` XORs, so it is fed this many zeros.
const ZEROS = new Uint8Array(1024)

const makeNativeSuite = (crypto: NodeCrypto): ChaChaSuite => {
  // OpenSSL's chacha20 IV is the 32-bit little-endian block counter followed by the 96-bit nonce.
  const iv = new Uint8Array(16)
  const options = { authTagLength: TAG_SIZE }
  return {
    name: "node:crypto",
    keystream: (key, nonce, counter, length) => {
      iv[0] = counter
      iv[1] = counter >>> 8
      iv[2] = counter >>> 16
      iv[3] = counter >>> 24
      iv.set(nonce, 4)
      const zeros = length <= ZEROS.length ? ZEROS.subarray(0, length) : new Uint8Array(length)
      return crypto.createCipheriv("chacha20", key, iv).update(zeros)
    },
    seal: (key, nonce, aad, head, body, room) => {
      const size = head.length + body.length
      const c = crypto.createCipheriv("chacha20-poly1305", key, nonce, options)
      if (aad.length > 0) c.setAAD(aad, { plaintextLength: size })
      // A stream cipher: the parts encrypt as their concatenation would. A small message goes in one
      // call (each call costs a native crossing and a buffer).
      if (size <= SMALL.length) {
        const out = allocUnsafe(room + size + TAG_SIZE)
        SMALL.set(head)
        SMALL.set(body, head.length)
        out.set(c.update(SMALL.subarray(0, size)), room)
        SMALL.fill(0, 0, size)
        c.final()
        out.set(c.getAuthTag(), room + size)
        return out
      }
      if (size > NATIVE_PIECE) {
        // Large: the pieces as OpenSSL returns them, never joined (see `Pieces`).
        const first = allocUnsafe(room + head.length)
        first.set(c.update(head), room)
        const pieces: Array<Uint8Array> = [first]
        for (let i = 0; i < body.length; i += NATIVE_PIECE) pieces.push(c.update(body.subarray(i, i + NATIVE_PIECE)))
        c.final()
        pieces.push(c.getAuthTag())
        return { pieces, byteLength: room + size + TAG_SIZE }
      }
      // Mid-sized (at most one native piece): one output buffer, the head and the body encrypted into it.
      const out = allocUnsafe(room + size + TAG_SIZE)
      out.set(c.update(head), room)
      out.set(c.update(body), room + head.length)
      c.final()
      out.set(c.getAuthTag(), room + size)
      return out
    },
    open: (key, nonce, aad, bytes, from = 0, to = bytes.length) => {
      const sealed = range(bytes, from, to)
      const size = sealed.length - TAG_SIZE
      if (size < 0) return undefined
      // Whole in memory: one update, whose output is the plaintext. (Pieces would need joining
      // into one buffer after, which costs more than the one large output.)
      const d = crypto.createDecipheriv("chacha20-poly1305", key, nonce, options)
      d.setAuthTag(sealed.subarray(size))
      if (aad.length > 0) d.setAAD(aad, { plaintextLength: size })
      const plaintext = d.update(sealed.subarray(0, size))
      try {
        d.final()
      } catch {
        return undefined
      }
      return plaintext
    },
    opener: (key, nonce, aad, size) => {
      const d = crypto.createDecipheriv("chacha20-poly1305", key, nonce, options)
      if (aad.length > 0) d.setAAD(aad, { plaintextLength: size })
      const gather = size > NATIVE_PIECE ? CiphertextPool.take(size) : undefined
      if (gather !== undefined) {
        // A large packet, and a free buffer for it: its ciphertext is gathered there and decrypted
        // in one call, whose output is the plaintext (see `ciphertextPool.ts`).
        let fill = 0
        return {
          update: (piece) => {
            gather.set(piece, fill)
            fill += piece.length
          },
          final: (tag) => {
            const plaintext = d.update(gather.subarray(0, size))
            CiphertextPool.give(gather)
            d.setAuthTag(tag)
            try {
              d.final()
            } catch {
              return undefined
            }
            return plaintext
          }
        }
      }
      const parts: Array<Uint8Array> = []
      return {
        update: (piece) => {
          // Socket reads are 64 KiB at most; see NATIVE_PIECE.
          parts.push(d.update(piece))
        },
        final: (tag) => {
          d.setAuthTag(tag)
          try {
            d.final()
          } catch {
            return undefined
          }
          // An authentic large packet that found no free buffer: the next one of its size will.
          if (size > NATIVE_PIECE) CiphertextPool.seed(size)
          return join(parts, size)
        }
      }
    }
  }
}

const hasNativeCiphers = (crypto: NodeCrypto | undefined): crypto is NodeCrypto => {
  if (crypto === undefined) return false
  const ciphers = crypto.getCiphers()
  return ciphers.includes("chacha20") && ciphers.includes("chacha20-poly1305")
}

/** Node's OpenSSL ChaCha20 and ChaCha20-Poly1305, when the runtime has both. @internal */
export const nativeSuite: ChaChaSuite | undefined = hasNativeCiphers(nodeCrypto) ? makeNativeSuite(nodeCrypto) : undefined

/**
 * The suite in use: native when the runtime has it, `@noble/ciphers`
 * otherwise (the portable path the project's stack names), with packets of
 * up to `SMALL_PACKET` bytes through the JavaScript suite in both cases
 * (`npm run bench:bip324`: a 100-byte packet about 2x faster than native and
 * 5x faster than noble; at 1 MB native is ~15x and noble and JS on par).
 * @internal
 */
export const defaultSuite: ChaChaSuite = bySize(jsSuite, nativeSuite ?? nobleSuite, SMALL_PACKET)
