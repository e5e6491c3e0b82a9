/**
 * Large packets on the native suite, which a v2 peer relies on for blocks:
 * - sealing above `NATIVE_PIECE` (64 KiB) gives `Pieces` (never joined)
 *   whose bytes, put together, are exactly noble's packet, rekeying and
 *   all; below it, one array as before;
 * - a packet spread over reads opens to the same plaintext whether its
 *   ciphertext is decrypted piece by piece (no free buffer) or gathered
 *   into a pooled buffer, and a bad tag is refused on both paths;
 * - the pool (`ciphertextPool.ts`) never allocates on `take` (a remote
 *   cannot make us allocate from a length it only announced), grows only
 *   after a packet arrived whole and authentic, gets its buffer back after a
 *   bad tag too, and keeps at most `MAX_FREE` buffers / `MAX_FREE_BYTES`.
 *
 * The pool is process-wide module state: this file runs isolated (`io`
 * project) and drains it before each test.
 */
import { beforeEach, describe, expect, it } from "@effect/vitest"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { bytesToHex as toHex } from "../../../src/wire/Hash.js"
import { nativeSuite, nobleSuite } from "../../../src/internal/peer/v2/cipher.js"
import * as CiphertextPool from "../../../src/internal/peer/v2/ciphertextPool.js"
import { REKEY_INTERVAL } from "../../../src/internal/peer/v2/fschacha.js"
import { deriveKeys } from "../../../src/internal/peer/v2/hkdf.js"
import { PacketCipher } from "../../../src/internal/peer/v2/packetCipher.js"
import { isPieces, joined } from "../../../src/internal/peer/pieces.js"

const native = nativeSuite!
const EMPTY = new Uint8Array(0)
const key = new Uint8Array(32).map((_, i) => i * 5)
const nonce = new Uint8Array(12).map((_, i) => i + 1)
const bytesOf = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 131 + seed) & 0xff)

const drainPool = () => {
  while (CiphertextPool.take(0) !== undefined) {
    // taken and dropped
  }
}

beforeEach(drainPool)

describe("sealing a large packet (native)", () => {
  it.each([64 * 1024 - 2, 64 * 1024 + 1, 1_000_000])("%s bytes of body: the same bytes as noble, in Pieces above 64 KiB", (n) => {
    const head = new Uint8Array([0, 2])
    const body = bytesOf(n, 7)
    const aad = bytesOf(20, 1)
    const sealed = native.seal(key, nonce, aad, head, body, 3)
    expect(isPieces(sealed)).toBe(head.length + n > 64 * 1024)
    expect(sealed.byteLength).toBe(3 + head.length + n + 16)
    const plaintext = new Uint8Array(head.length + n)
    plaintext.set(head)
    plaintext.set(body, head.length)
    expect(Buffer.compare(joined(sealed).subarray(3), chacha20poly1305(key, nonce, aad).encrypt(plaintext))).toBe(0)
  })

  it("PacketCipher: 1 MB packets through a rekeying equal noble's, the length in the first piece", () => {
    const keys = deriveKeys(new Uint8Array(32).fill(0x24), new Uint8Array([0xf9, 0xbe, 0xb4, 0xd9]))
    const sender = new PacketCipher(keys, true, native)
    const reference = new PacketCipher(keys, true, nobleSuite)
    const receiver = new PacketCipher(keys, false, nobleSuite)
    const body = bytesOf(1_000_000, 3)
    const small = bytesOf(10, 3)
    for (let i = 0; i < REKEY_INTERVAL + 2; i++) {
      const large = i % 100 === 0 || i >= REKEY_INTERVAL
      const contents = large ? body : small
      const packet = sender.encryptParts(EMPTY, contents)
      expect(isPieces(packet)).toBe(large)
      const bytes = joined(packet)
      const expected = reference.encrypt(contents)
      // Comparing 1 MB hex strings is slow: the same bytes, compared natively.
      expect(Buffer.compare(bytes, expected), `packet ${i}`).toBe(0)
      expect(receiver.decryptLength(bytes, 0)).toBe(contents.length)
      expect(receiver.decrypt(bytes.subarray(3))).toBeDefined()
    }
  })
})

describe("opening a large packet spread over reads (native)", () => {
  const size = 300_000
  const plaintext = bytesOf(size, 9)
  const sealed = chacha20poly1305(key, nonce, EMPTY).encrypt(plaintext)
  const open = (tag: Uint8Array) => {
    const opener = native.opener(key, nonce, EMPTY, size)
    for (let at = 0; at < size; at += 65_536) opener.update(sealed.subarray(at, Math.min(size, at + 65_536)))
    return opener.final(tag)
  }

  it("piece by piece while the pool is empty; an authentic packet then seeds it; the next is gathered; same plaintext", () => {
    expect(CiphertextPool.stats().buffers).toBe(0)
    const first = open(sealed.subarray(size))
    expect(Buffer.compare(first!, plaintext)).toBe(0)
    expect(CiphertextPool.stats()).toEqual({ buffers: 1, bytes: 512 * 1024 })
    // Gathered: the buffer is out while the packet is in progress, back once it is opened.
    const opener = native.opener(key, nonce, EMPTY, size)
    expect(CiphertextPool.stats().buffers).toBe(0)
    opener.update(sealed.subarray(0, 1000))
    opener.update(sealed.subarray(1000, size))
    expect(Buffer.compare(opener.final(sealed.subarray(size))!, plaintext)).toBe(0)
    expect(CiphertextPool.stats().buffers).toBe(1)
  })

  it("a bad tag is refused on both paths, nothing seeded by it, and a gathered packet's buffer comes back", () => {
    const bad = new Uint8Array(sealed.subarray(size))
    bad[0]! ^= 1
    expect(open(bad)).toBeUndefined()
    expect(CiphertextPool.stats().buffers).toBe(0)
    CiphertextPool.seed(size)
    expect(open(bad)).toBeUndefined()
    expect(CiphertextPool.stats().buffers).toBe(1)
    expect(Buffer.compare(open(sealed.subarray(size))!, plaintext)).toBe(0)
  })

  it("small packets never touch the pool", () => {
    CiphertextPool.seed(100_000)
    const small = bytesOf(5000, 1)
    const s = chacha20poly1305(key, nonce, EMPTY).encrypt(small)
    const opener = native.opener(key, nonce, EMPTY, 5000)
    expect(CiphertextPool.stats().buffers).toBe(1)
    opener.update(s.subarray(0, 5000))
    expect(toHex(opener.final(s.subarray(5000))!)).toBe(toHex(small))
    expect(CiphertextPool.stats().buffers).toBe(1)
  })
})

describe("the ciphertext pool", () => {
  it("take never allocates: nothing free, nothing taken, whatever the size asked", () => {
    expect(CiphertextPool.take(1)).toBeUndefined()
    expect(CiphertextPool.take(4_000_000)).toBeUndefined()
    CiphertextPool.seed(100_000)
    expect(CiphertextPool.take(300_000)).toBeUndefined()
    expect(CiphertextPool.take(100_000)!.length).toBe(256 * 1024)
    expect(CiphertextPool.stats().buffers).toBe(0)
  })

  it("keeps at most MAX_FREE buffers and MAX_FREE_BYTES, dropping the smallest; ignores a seed above the byte bound", () => {
    for (let i = 1; i <= CiphertextPool.MAX_FREE + 2; i++) CiphertextPool.seed(i * 256 * 1024)
    expect(CiphertextPool.stats().buffers).toBe(CiphertextPool.MAX_FREE)
    // The smallest went first: what is left are the largest.
    expect(CiphertextPool.take(3 * 256 * 1024 - 1)!.length).toBe(3 * 256 * 1024)
    drainPool()
    // Seeded largest first, the smallest still go (not the oldest): the largest two are still there.
    for (let i = CiphertextPool.MAX_FREE + 2; i >= 1; i--) CiphertextPool.seed(i * 256 * 1024)
    expect(CiphertextPool.take((CiphertextPool.MAX_FREE + 2) * 256 * 1024)?.length).toBe((CiphertextPool.MAX_FREE + 2) * 256 * 1024)
    expect(CiphertextPool.take((CiphertextPool.MAX_FREE + 1) * 256 * 1024)?.length).toBe((CiphertextPool.MAX_FREE + 1) * 256 * 1024)
    drainPool()
    CiphertextPool.seed(CiphertextPool.MAX_FREE_BYTES + 1)
    expect(CiphertextPool.stats().buffers).toBe(0)
    for (let i = 0; i < 3; i++) CiphertextPool.seed(CiphertextPool.MAX_FREE_BYTES / 2)
    expect(CiphertextPool.stats().bytes).toBeLessThanOrEqual(CiphertextPool.MAX_FREE_BYTES)
  })
})
