/**
 * BIP324's forward-secure wrappers around ChaCha20: `FSChaCha20` encrypts the
 * 3-byte packet lengths, `FSChaCha20Poly1305` the packet contents. Each
 * replaces its key every 224 messages (`REKEY_INTERVAL`) with bytes drawn
 * from its own cipher, so a key leaked later does not decrypt earlier
 * traffic.
 *
 * Each instance serves one direction only and counts its own messages, so a
 * packet replayed, dropped or reordered by an attacker is decrypted under the
 * wrong nonce and fails authentication.
 *
 * @internal
 */
import type { Pieces } from "../pieces.js"
import { type ChaChaSuite, type Opener, TAG_SIZE } from "./cipher.js"

/** Messages per key. @internal */
export const REKEY_INTERVAL = 224

/** Bytes of the encrypted length field. @internal */
export const LENGTH_FIELD_SIZE = 3

/**
 * A copy. (`slice` is not used: on a Node `Buffer`, which the native suite
 * returns, it is a view, and the source is wiped right after.)
 */
const copy = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes)

/** Writes `n` (< 2^53) as 8 little-endian bytes at `offset`. */
const writeU64LE = (out: Uint8Array, offset: number, n: number): void => {
  const lo = n >>> 0
  const hi = Math.floor(n / 0x1_0000_0000)
  out[offset] = lo
  out[offset + 1] = lo >>> 8
  out[offset + 2] = lo >>> 16
  out[offset + 3] = lo >>> 24
  out[offset + 4] = hi
  out[offset + 5] = hi >>> 8
  out[offset + 6] = hi >>> 16
  out[offset + 7] = hi >>> 24
}

// Keystream one interval consumes: 224 lengths of 3 bytes, then the next 32-byte key: 11 blocks exactly.
const INTERVAL_KEYSTREAM = REKEY_INTERVAL * LENGTH_FIELD_SIZE + 32

/**
 * The length cipher. The BIP's FSChaCha20 takes chunks of any size; this
 * protocol only ever encrypts 3-byte lengths, so the whole keystream of an
 * interval (704 bytes) is drawn in one call when the interval starts.
 *
 * @internal
 */
export class FSChaCha20 {
  private key: Uint8Array
  private readonly nonce = new Uint8Array(12)
  private keystream: Uint8Array
  private chunk = 0
  private rekeys = 0

  constructor(private readonly suite: ChaChaSuite, initialKey: Uint8Array) {
    this.key = copy(initialKey)
    this.keystream = suite.keystream(this.key, this.nonce, 0, INTERVAL_KEYSTREAM)
  }

  /** XORs the next 3 keystream bytes into `bytes[offset..offset+3)`, in place. */
  crypt(bytes: Uint8Array, offset: number): void {
    const at = this.chunk * LENGTH_FIELD_SIZE
    const ks = this.keystream
    bytes[offset] = bytes[offset]! ^ ks[at]!
    bytes[offset + 1] = bytes[offset + 1]! ^ ks[at + 1]!
    bytes[offset + 2] = bytes[offset + 2]! ^ ks[at + 2]!
    if (++this.chunk === REKEY_INTERVAL) {
      // Forward secrecy: the old key and keystream are wiped once the next key is taken.
      this.key.fill(0)
      this.key = copy(ks.subarray(REKEY_INTERVAL * LENGTH_FIELD_SIZE, INTERVAL_KEYSTREAM))
      ks.fill(0)
      this.chunk = 0
      writeU64LE(this.nonce, 4, ++this.rekeys)
      this.keystream = this.suite.keystream(this.key, this.nonce, 0, INTERVAL_KEYSTREAM)
    }
  }
}

/**
 * The contents AEAD: nonce = messages under the current key (32-bit LE) ||
 * rekeys so far (64-bit LE). The new key is the first 32 bytes of encrypting
 * 32 zero bytes under nonce `ffffffff || rekeys`, which is keystream block 1.
 *
 * @internal
 */
export class FSChaCha20Poly1305 {
  private key: Uint8Array
  private readonly nonce = new Uint8Array(12)
  private packet = 0
  private rekeys = 0

  constructor(private readonly suite: ChaChaSuite, initialKey: Uint8Array) {
    this.key = copy(initialKey)
  }

  /** Encrypts `head || body`; the result starts with `room` bytes for the caller, then ciphertext and tag (see `ChaChaSuite.seal`). */
  encrypt(aad: Uint8Array, head: Uint8Array, body: Uint8Array, room: number): Uint8Array | Pieces {
    this.setNonce()
    const out = this.suite.seal(this.key, this.nonce, aad, head, body, room)
    this.advance()
    return out
  }

  /**
   * Decrypts ciphertext-then-tag, `sealed[from..to)` (all of it by default);
   * `undefined` when it does not authenticate. The counter advances either way.
   */
  decrypt(aad: Uint8Array, sealed: Uint8Array, from = 0, to = sealed.length): Uint8Array | undefined {
    this.setNonce()
    const plaintext = to - from < TAG_SIZE ? undefined : this.suite.open(this.key, this.nonce, aad, sealed, from, to)
    this.advance()
    return plaintext
  }

  /**
   * Starts decrypting a ciphertext of `size` bytes that arrives in pieces
   * (see `ChaChaSuite.opener`). The counter advances now, as for `decrypt`.
   */
  decryptPieces(aad: Uint8Array, size: number): Opener {
    this.setNonce()
    const opener = this.suite.opener(this.key, this.nonce, aad, size)
    this.advance()
    return opener
  }

  /** The packet count into the nonce's first 4 bytes; the rekey count after them changes only in `advance`. */
  private setNonce(): void {
    const n = this.nonce
    const p = this.packet
    n[0] = p
    n[1] = p >>> 8
    n[2] = p >>> 16
    n[3] = p >>> 24
  }

  private advance(): void {
    if (++this.packet < REKEY_INTERVAL) return
    const n = this.nonce
    n[0] = n[1] = n[2] = n[3] = 0xff
    const drawn = this.suite.keystream(this.key, n, 1, 32)
    const next = copy(drawn)
    drawn.fill(0) // the next key: not left behind in the draw
    // Forward secrecy: the old key is wiped.
    this.key.fill(0)
    this.key = next
    this.packet = 0
    writeU64LE(n, 4, ++this.rekeys)
  }
}
