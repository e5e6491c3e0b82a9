/**
 * Large packets on the native suite, which a v2 peer relies on for blocks:
 * sealing above `NATIVE_PIECE` (64 KiB) gives `Pieces` (never joined)
 * whose bytes, put together, are exactly noble's packet, rekeying and all;
 * below it, one array as before.
 */
import { describe, expect, it } from "@effect/vitest"
import { chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { nativeSuite, nobleSuite } from "../../../src/internal/peer/v2/cipher.js"
import { REKEY_INTERVAL } from "../../../src/internal/peer/v2/fschacha.js"
import { deriveKeys } from "../../../src/internal/peer/v2/hkdf.js"
import { PacketCipher } from "../../../src/internal/peer/v2/packetCipher.js"
import { isPieces, joined } from "../../../src/internal/peer/pieces.js"

const native = nativeSuite!
const EMPTY = new Uint8Array(0)
const key = new Uint8Array(32).map((_, i) => i * 5)
const nonce = new Uint8Array(12).map((_, i) => i + 1)
const bytesOf = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 131 + seed) & 0xff)

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
