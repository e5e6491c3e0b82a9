/**
 * The plain-JS ChaCha20-Poly1305 (`chachaJs.ts`) and the size switch that
 * sends small packets to it (`bySize`, the default suite under Node):
 * - RFC 8439's published AEAD vector (§2.8.2) and Poly1305 edge vectors
 *   (Appendix A.3 #5, #6), byte for byte;
 * - property: sealed bytes equal `@noble/ciphers`' and OpenSSL's for any key,
 *   nonce, AAD and size, each opens the others' packets (also from a range of
 *   a larger read), and any flipped bit is refused;
 * - the switch: packets of plaintext size `SMALL_PACKET - 1`, `SMALL_PACKET`
 *   and `SMALL_PACKET + 1` give the same bytes on every suite, whole or
 *   spread over reads, and 3 × 224 packets around the boundary (three
 *   rekeyings) decrypt on an independent (noble) receiver.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { chacha20, chacha20poly1305 } from "@noble/ciphers/chacha.js"
import { poly1305 } from "@noble/ciphers/_poly1305.js"
import { bytesFromHex as hex, bytesToHex as toHex } from "../../../src/wire/Hash.js"
import {
  bySize,
  type ChaChaSuite,
  defaultSuite,
  jsSuite,
  nativeSuite,
  nobleSuite,
  SMALL_PACKET
} from "../../../src/internal/peer/v2/cipher.js"
import * as ChaChaJs from "../../../src/internal/peer/v2/chachaJs.js"
import { joined } from "../../../src/internal/peer/pieces.js"
import { REKEY_INTERVAL } from "../../../src/internal/peer/v2/fschacha.js"
import { deriveKeys } from "../../../src/internal/peer/v2/hkdf.js"
import { PacketCipher } from "../../../src/internal/peer/v2/packetCipher.js"

const EMPTY = new Uint8Array(0)
const native = nativeSuite!

describe("plain-JS ChaCha20-Poly1305", () => {
  it("this machine has the native suite, and the default sends small packets to JS", () => {
    expect(nativeSuite).toBeDefined()
    expect(defaultSuite.name).toBe(`node:crypto, js up to ${SMALL_PACKET} bytes`)
  })

  it("RFC 8439 §2.8.2: the AEAD vector, sealed and opened", () => {
    const key = new Uint8Array(32).map((_, i) => 0x80 + i)
    const nonce = hex("070000004041424344454647")
    const aad = hex("50515253c0c1c2c3c4c5c6c7")
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
    )
    const expected = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a" +
      "9de576d26586cec64b6116" + "1ae10b594f09e26a7e902ecbd0600691"
    // Head and body split inside the first keystream block: the body must continue the keystream.
    const sealed = ChaChaJs.seal(key, nonce, aad, plaintext.subarray(0, 5), plaintext.subarray(5), 3)
    expect(toHex(sealed.subarray(3))).toBe(expected)
    expect(toHex(ChaChaJs.open(key, nonce, aad, sealed.subarray(3))!)).toBe(toHex(plaintext))
    expect(ChaChaJs.open(key, nonce, EMPTY, sealed.subarray(3))).toBeUndefined()
  })

  it("RFC 8439 A.3 #5 and #6: Poly1305 where h wraps past 2^130 - 5", () => {
    const r2 = "02" + "00".repeat(15)
    expect(toHex(ChaChaJs.poly1305Blocks(hex(r2 + "00".repeat(16)), hex("ff".repeat(16))))).toBe("03" + "00".repeat(15))
    expect(toHex(ChaChaJs.poly1305Blocks(hex(r2 + "ff".repeat(16)), hex(r2)))).toBe("03" + "00".repeat(15))
  })

  it("RFC 8439 A.3 #7 to #11: Poly1305 with every limb carrying, h equal to p, and the top limbs overflowing", () => {
    const z = "00".repeat(16)
    const r1 = "01" + "00".repeat(15)
    const r4 = "0100000000000000040000000000000000" + "00".repeat(15)
    const cases: ReadonlyArray<readonly [key: string, message: string, tag: string]> = [
      [r1 + z, "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + "00".repeat(15), "05" + "00".repeat(15)],
      [r1 + z, "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16), "00".repeat(16)],
      ["02" + "00".repeat(15) + z, "fd" + "ff".repeat(15), "fa" + "ff".repeat(15)],
      [
        r4,
        "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000",
        "14000000000000005500000000000000"
      ],
      [
        r4,
        "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000",
        "13000000000000000000000000000000"
      ]
    ]
    for (const [key, message, tag] of cases) expect(toHex(ChaChaJs.poly1305Blocks(hex(key), hex(message)))).toBe(tag)
  })

  it("property: Poly1305 equals noble's, including all-ones keys and messages", () => {
    const bytes = (n: number) => FastCheck.oneof(FastCheck.uint8Array({ minLength: n, maxLength: n }), FastCheck.constant(new Uint8Array(n).fill(0xff)))
    FastCheck.assert(
      FastCheck.property(bytes(32), FastCheck.integer({ min: 0, max: 12 }).chain((b) => bytes(16 * b)), (key, message) => {
        expect(toHex(ChaChaJs.poly1305Blocks(key, message))).toBe(toHex(poly1305(message, key)))
      }),
      { numRuns: 300 }
    )
  })

  it("property: the same bytes as noble and OpenSSL, each opens the others', a flipped bit is refused", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.uint8Array({ minLength: 32, maxLength: 32 }),
        FastCheck.uint8Array({ minLength: 12, maxLength: 12 }),
        FastCheck.uint8Array({ maxLength: 80 }),
        FastCheck.uint8Array({ maxLength: 1200 }),
        FastCheck.nat(),
        FastCheck.nat(),
        (key, nonce, aad, plaintext, cut, flip) => {
          const head = plaintext.subarray(0, cut % (plaintext.length + 1))
          const body = plaintext.subarray(head.length)
          const expected = toHex(chacha20poly1305(key, nonce, aad).encrypt(plaintext))
          for (const suite of [jsSuite, native, nobleSuite]) {
            expect(toHex(joined(suite.seal(key, nonce, aad, head, body, 0))), suite.name).toBe(expected)
          }
          const sealed = ChaChaJs.seal(key, nonce, aad, head, body, 0)
          for (const suite of [jsSuite, native, nobleSuite]) {
            expect(toHex(suite.open(key, nonce, aad, sealed)!), suite.name).toBe(toHex(plaintext))
          }
          const bad = new Uint8Array(sealed)
          bad[flip % bad.length]! ^= 1 << (flip % 8)
          expect(jsSuite.open(key, nonce, aad, bad)).toBeUndefined()
          expect(native.open(key, nonce, aad, bad)).toBeUndefined()
        }
      ),
      { numRuns: 300 }
    )
  })

  it("open of a range: a packet between other bytes (as in a socket read) opens where it lies, on every suite", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.uint8Array({ minLength: 32, maxLength: 32 }),
        FastCheck.uint8Array({ maxLength: 600 }),
        FastCheck.uint8Array({ maxLength: 40 }),
        FastCheck.uint8Array({ maxLength: 40 }),
        (key, plaintext, before, after) => {
          const nonce = new Uint8Array(12)
          const sealed = joined(nobleSuite.seal(key, nonce, EMPTY, EMPTY, plaintext, 0))
          const read = new Uint8Array([...before, ...sealed, ...after])
          const from = before.length
          const to = from + sealed.length
          for (const suite of [jsSuite, native, nobleSuite, defaultSuite]) {
            expect(toHex(suite.open(key, nonce, EMPTY, read, from, to)!), suite.name).toBe(toHex(plaintext))
            // The bytes after the packet are not part of it: one byte more or less is refused.
            expect(suite.open(key, nonce, EMPTY, read, from, to - 1), suite.name).toBeUndefined()
            if (after.length > 0) expect(suite.open(key, nonce, EMPTY, read, from, to + 1), suite.name).toBeUndefined()
          }
        }
      ),
      { numRuns: 100 }
    )
  })

  it("keystream equals noble's ChaCha20 at any counter (the length cipher's and rekeying's draws)", () => {
    const key = new Uint8Array(32).map((_, i) => i * 7)
    const nonce = new Uint8Array(12).map((_, i) => 255 - i)
    for (const [counter, length] of [[0, 704], [1, 32], [5, 100], [0xffff_fffe, 64]] as const) {
      expect(toHex(ChaChaJs.keystream(key, nonce, counter, length))).toBe(toHex(chacha20(key, nonce, new Uint8Array(length), undefined, counter)))
    }
  })

  it("opener: pieces in any split give the plaintext; a bad tag gives undefined", () => {
    const key = new Uint8Array(32).fill(9)
    const nonce = new Uint8Array(12).fill(3)
    const plaintext = new Uint8Array(300).map((_, i) => i)
    const sealed = ChaChaJs.seal(key, nonce, EMPTY, EMPTY, plaintext, 0)
    for (const cut of [0, 1, 64, 299, 300]) {
      const opener = jsSuite.opener(key, nonce, EMPTY, 300)
      opener.update(sealed.subarray(0, cut))
      opener.update(sealed.subarray(cut, 300))
      expect(toHex(opener.final(sealed.subarray(300))!)).toBe(toHex(plaintext))
      const refused = jsSuite.opener(key, nonce, EMPTY, 300)
      refused.update(sealed.subarray(0, 300))
      expect(refused.final(new Uint8Array(16))).toBeUndefined()
    }
  })
})

describe("the size switch (bySize)", () => {
  const keys = deriveKeys(new Uint8Array(32).fill(0x42), new Uint8Array([0xf9, 0xbe, 0xb4, 0xd9]))
  // Contents sizes whose plaintext (header byte + contents) is just under, at and just over the limit.
  const sizes = [SMALL_PACKET - 2, SMALL_PACKET - 1, SMALL_PACKET]
  const contentsOf = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * 13 + seed) & 0xff)

  // Which path each packet takes, counted: the test must cover both sides of the boundary.
  const counting = (suite: ChaChaSuite, counts: { seal: number; open: number; opener: number }): ChaChaSuite => ({
    ...suite,
    seal: (...a) => (counts.seal++, suite.seal(...a)),
    open: (...a) => (counts.open++, suite.open(...a)),
    opener: (...a) => (counts.opener++, suite.opener(...a))
  })

  it("sends plaintexts up to the limit to the small path and larger ones to the large path, same bytes as noble", () => {
    const small = { seal: 0, open: 0, opener: 0 }
    const large = { seal: 0, open: 0, opener: 0 }
    const switched = bySize(counting(jsSuite, small), counting(native, large), SMALL_PACKET)
    const sender = new PacketCipher(keys, true, switched)
    const reference = new PacketCipher(keys, true, nobleSuite)
    const receiver = new PacketCipher(keys, false, switched)
    for (const [i, n] of sizes.entries()) {
      const contents = contentsOf(n, i)
      const packet = sender.encrypt(contents)
      expect(toHex(packet)).toBe(toHex(reference.encrypt(contents)))
      expect(receiver.decryptLength(packet, 0)).toBe(n)
      expect(toHex(receiver.decrypt(packet.subarray(3))!.subarray(1))).toBe(toHex(contents))
    }
    // Plaintexts SMALL_PACKET - 1 and SMALL_PACKET went small; SMALL_PACKET + 1 went large.
    expect(small).toEqual({ seal: 2, open: 2, opener: 0 })
    expect(large).toEqual({ seal: 1, open: 1, opener: 0 })
  })

  it("packets spread over reads take the same path by size and decrypt", () => {
    const small = { seal: 0, open: 0, opener: 0 }
    const large = { seal: 0, open: 0, opener: 0 }
    const switched = bySize(counting(jsSuite, small), counting(native, large), SMALL_PACKET)
    const sender = new PacketCipher(keys, true, nobleSuite)
    const receiver = new PacketCipher(keys, false, switched)
    for (const [i, n] of sizes.entries()) {
      const contents = contentsOf(n, i)
      const packet = sender.encrypt(contents)
      expect(receiver.decryptLength(packet, 0)).toBe(n)
      const opener = receiver.decryptPieces(1 + n)
      opener.update(packet.subarray(3, 3 + 100))
      opener.update(packet.subarray(3 + 100, 3 + 1 + n))
      expect(toHex(opener.final(packet.subarray(3 + 1 + n))!.subarray(1))).toBe(toHex(contents))
    }
    expect(small.opener).toBe(2)
    expect(large.opener).toBe(1)
  })

  it.each([
    ["default (switched) sends, noble receives", defaultSuite, nobleSuite],
    ["noble sends, default (switched) receives", nobleSuite, defaultSuite]
  ])("3 × 224 packets across the boundary, through three rekeyings: %s", (_, sending, receiving) => {
    const sender = new PacketCipher(keys, false, sending)
    const reference = new PacketCipher(keys, false, nobleSuite)
    const receiver = new PacketCipher(keys, true, receiving)
    for (let i = 0; i < 3 * REKEY_INTERVAL + 3; i++) {
      const contents = contentsOf(sizes[i % 3]! + (i % 7 === 0 ? 1000 : 0), i)
      const packet = sender.encrypt(contents)
      expect(toHex(packet)).toBe(toHex(reference.encrypt(contents)))
      expect(receiver.decryptLength(packet, 0)).toBe(contents.length)
      const plaintext = receiver.decrypt(packet.subarray(3))
      expect(plaintext, `packet ${i}`).toBeDefined()
      expect(toHex(plaintext!.subarray(1))).toBe(toHex(contents))
    }
  })
})
