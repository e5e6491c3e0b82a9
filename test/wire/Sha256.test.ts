import { describe, expect, it } from "@effect/vitest"
import { sha256 } from "@noble/hashes/sha2.js"
import * as fc from "fast-check"
import * as Hash from "../../src/wire/Hash.js"
import * as Sha256 from "../../src/internal/wire/Sha256.js"
import * as Checksum from "../../src/internal/wire/checksum.js"

// The small-input JS SHA-256 must agree with the reference implementations bit for bit:
// every frame checksum and every header hash goes through it.
const nobleDouble = (b: Uint8Array) => sha256(sha256(b))

describe("internal JS SHA-256", () => {
  it("matches the published FIPS 180-2 vectors (abc, empty) in double form", () => {
    // SHA-256("abc") = ba7816bf…, SHA-256("") = e3b0c442… (FIPS 180-2 appendix B / NIST examples).
    const abc = new TextEncoder().encode("abc")
    expect(Hash.bytesToHex(Sha256.sha256OfDigest(Hash.bytesFromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))))
      .toBe(Hash.bytesToHex(sha256(Hash.bytesFromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))))
    expect(Hash.bytesToHex(Sha256.sha256d(abc))).toBe(Hash.bytesToHex(nobleDouble(abc)))
    // The empty payload's checksum is the well-known frame checksum 5df6e0e2 (verack, getaddr, …).
    expect(Hash.bytesToHex(Sha256.sha256d(new Uint8Array(0)).subarray(0, 4))).toBe("5df6e0e2")
  })

  it("agrees with noble for every length 0–300 (all padding and block boundaries)", () => {
    for (let n = 0; n <= 300; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      expect(Hash.bytesToHex(Sha256.sha256d(data))).toBe(Hash.bytesToHex(nobleDouble(data)))
      expect(Hash.bytesToHex(Hash.sha256d(data))).toBe(Hash.bytesToHex(nobleDouble(data)))
    }
  })

  it("agrees with noble and native on random inputs, including views at odd offsets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(16), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length))
        const expected = Hash.bytesToHex(nobleDouble(view))
        expect(Hash.bytesToHex(Hash.sha256d(view))).toBe(expected)
        if (Hash.nativeHasher !== undefined) expect(Hash.bytesToHex(Hash.nativeHasher.sha256d(view))).toBe(expected)
      }),
      { numRuns: 2000 }
    )
  })

describe("frame checksum words (no digest array)", () => {
  /** The first four bytes of noble's double SHA-256, as the big-endian int32 the frame codec compares. */
  const nobleWord = (b: Uint8Array) => {
    const d = nobleDouble(b)
    return (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!
  }

  it("agree with noble for every length 0–600: the JS path, and the default one (WebAssembly below one padded block, native above)", () => {
    for (let n = 0; n <= 600; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 13 + n) & 0xff)
      expect(Checksum.checksumWord(data)).toBe(nobleWord(data))
      expect(Sha256.sha256dWord(data)).toBe(nobleWord(data))
    }
  })

  it("of a payload inside a frame agree with the payload's own, for small (on-heap) and large frames at any start", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(40), (bytes, skip) => {
        const start = Math.min(skip, bytes.length)
        const frame = Uint8Array.from(bytes)
        expect(Checksum.checksumWordFrom(frame, start)).toBe(nobleWord(bytes.subarray(start)))
        expect(Sha256.sha256dWordOfRange(frame, start, frame.length)).toBe(nobleWord(bytes.subarray(start)))
      }),
      { numRuns: 2000 }
    )
  })

  it("give the published checksum of the empty payload, 5df6e0e2", () => {
    expect(Checksum.checksumWord(new Uint8Array(0)) >>> 0).toBe(0x5df6e0e2)
  })
})
})
