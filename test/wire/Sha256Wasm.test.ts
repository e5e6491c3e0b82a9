import { describe, expect, it, vi } from "@effect/vitest"
import { sha256 } from "@noble/hashes/sha2.js"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fc from "fast-check"
import * as Checksum from "../../src/internal/wire/checksum.js"
import * as Sha256 from "../../src/internal/wire/Sha256.js"
import { wasmSha256 } from "../../src/internal/wire/Sha256Wasm.js"
import * as Hash from "../../src/wire/Hash.js"

// Every frame checksum, header hash and txid goes through these paths: each must agree with
// the published SHA-256 vectors and with two independent implementations, byte for byte.
const wasm = wasmSha256!
const nodeDouble = (b: Uint8Array) => createHash("sha256").update(createHash("sha256").update(b).digest()).digest()
const hex = Hash.bytesToHex
const ascii = (s: string) => new TextEncoder().encode(s)
const wordOf = (d: Uint8Array) => (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!
/** A 32-byte digest as node:crypto's "utf16le" string: little-endian 16-bit code units. */
const utf16 = (b: Uint8Array) => String.fromCharCode(...Array.from({ length: b.length >> 1 }, (_, i) => b[2 * i]! | (b[2 * i + 1]! << 8)))

/** Every way this package computes a double SHA-256 of a whole input. */
const doubleHashers: ReadonlyArray<readonly [string, (b: Uint8Array) => Uint8Array]> = [
  ["wasm", wasm.sha256d],
  ["Hash.sha256d", Hash.sha256d],
  ["nativeHasher", Hash.nativeHasher!.sha256d],
  ["wasmHasher", Hash.wasmHasher!.sha256d],
  ["noble", Hash.nobleHasher.sha256d],
  ["portable", Checksum.portableSha256d]
]

describe("SHA-256 paths: WebAssembly, native first pass + WebAssembly second pass, JS", () => {
  it("is available on Node: WebAssembly compiled, the native first pass as UTF-16, native still the default", () => {
    expect(wasmSha256).toBeDefined()
    expect(Checksum.nativeFirstPass).toBeDefined()
    expect(Hash.defaultHasher).toBe(Hash.nativeHasher)
    expect(Hash.wasmHasher?.name).toBe("wasm")
  })

  it("gives the FIPS 180-2 vectors (empty, abc, 448-bit, 896-bit, one million 'a'), in double form", () => {
    // The published single SHA-256; our double hash must equal SHA-256 of it.
    const vectors: ReadonlyArray<readonly [Uint8Array, string]> = [
      [new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      [ascii("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
      [ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
      [
        ascii("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
      ],
      [new Uint8Array(1_000_000).fill(0x61), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"]
    ]
    for (const [message, single] of vectors) {
      const expected = hex(sha256(Hash.bytesFromHex(single)))
      for (const [name, f] of doubleHashers) expect(hex(f(message)), `${name} of ${message.length} bytes`).toBe(expected)
      // The second pass alone, from the published first digest.
      expect(hex(wasm.secondPassOfUtf16(utf16(Hash.bytesFromHex(single))))).toBe(expected)
      expect(hex(Sha256.sha256OfUtf16Digest(utf16(Hash.bytesFromHex(single))))).toBe(expected)
      expect(Checksum.checksumWord(message)).toBe(wordOf(Hash.bytesFromHex(expected)))
    }
  })

  it("agrees with node:crypto for every length 0–300 and around every block boundary to 1,100 and the 32 KiB chunk", () => {
    const lengths = new Set<number>()
    for (let n = 0; n <= 300; n++) lengths.add(n)
    for (let b = 64; b <= 1100; b += 64) for (const d of [-9, -8, -1, 0, 1, 55, 56]) lengths.add(b + d)
    for (const c of [32768, 65536]) for (const d of [-64, -1, 0, 1, 55, 56, 63, 64, 119, 120]) lengths.add(c + d)
    for (const n of lengths) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      const expected = nodeDouble(data)
      for (const [name, f] of doubleHashers) expect(hex(f(data)), `${name} of ${n} bytes`).toBe(hex(expected))
      expect(Checksum.checksumWord(data), `checksum of ${n} bytes`).toBe(wordOf(expected))
      expect(wasm.sha256dWordOfRange(data, 0, n), `wasm word of ${n} bytes`).toBe(wordOf(expected))
    }
  })

  it("hashes a range of any view (odd byteOffset, on or off the V8 heap) like the bytes it covers", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(7), fc.nat(40), fc.nat(40), (bytes, pad, skip, cut) => {
        const backing = new Uint8Array(bytes.length + pad)
        backing.set(bytes, pad)
        const view = backing.subarray(pad) // byteOffset `pad`, often odd
        const start = Math.min(skip, view.length)
        const end = Math.max(start, view.length - cut)
        const expected = nodeDouble(bytes.subarray(start, end))
        expect(wasm.sha256dWordOfRange(view, start, end)).toBe(wordOf(expected))
        expect(hex(wasm.sha256d(view.subarray(start, end)))).toBe(hex(expected))
        expect(hex(Hash.sha256d(view.subarray(start, end)))).toBe(hex(expected))
        expect(Checksum.checksumWordFrom(view.subarray(0, end), start)).toBe(wordOf(expected))
        expect(Checksum.checksumWord(view.subarray(start, end))).toBe(wordOf(Hash.sha256d(view.subarray(start, end))))
      }),
      { numRuns: 1500 }
    )
  })

  it("hashes any 8 bytes (the one-call path of a ping's nonce) at any offset like node:crypto", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.nat(9), (nonce, at) => {
        const frame = new Uint8Array(at + 8 + 3)
        frame.set(nonce, at)
        const expected = wordOf(nodeDouble(nonce))
        expect(wasm.sha256dWordOfRange(frame, at, at + 8)).toBe(expected)
        expect(Checksum.checksumWordFrom(frame.subarray(0, at + 8), at)).toBe(expected)
      }),
      { numRuns: 2000 }
    )
    // The words' extremes: all bits clear, all set, only the sign bits.
    for (const nonce of [new Uint8Array(8), new Uint8Array(8).fill(0xff), Uint8Array.of(0, 0, 0, 0x80, 0, 0, 0, 0x80)]) {
      expect(wasm.sha256dWordOfRange(nonce, 0, 8)).toBe(wordOf(nodeDouble(nonce)))
    }
  })

  it("returns plain Uint8Arrays that later calls do not overwrite", () => {
    const a = Hash.sha256d(ascii("a"))
    const b = Hash.sha256d(new Uint8Array(200))
    Hash.sha256d(ascii("c"))
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype)
    expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype)
    expect(hex(a)).toBe(hex(nodeDouble(ascii("a"))))
    expect(hex(b)).toBe(hex(nodeDouble(new Uint8Array(200))))
  })

  it("the committed module is what scripts/gen-sha256-wasm.mjs assembles", () => {
    expect(() => execFileSync(process.execPath, ["scripts/gen-sha256-wasm.mjs", "--check"], { stdio: "pipe" })).not.toThrow()
  })

  it("falls back to the JS SHA-256 where WebAssembly is missing, with the same answers", async () => {
    vi.stubGlobal("WebAssembly", undefined)
    vi.resetModules()
    try {
      const Fresh = await import("../../src/wire/Hash.js")
      const FreshChecksum = await import("../../src/internal/wire/checksum.js")
      expect(Fresh.wasmHasher).toBeUndefined()
      for (const n of [0, 1, 55, 56, 64, 119, 120, 200, 1000]) {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff)
        expect(hex(Fresh.sha256d(data)), `${n} bytes`).toBe(hex(nodeDouble(data)))
        expect(hex(FreshChecksum.portableSha256d(data)), `${n} bytes`).toBe(hex(nodeDouble(data)))
        expect(FreshChecksum.checksumWord(data), `${n} bytes`).toBe(wordOf(nodeDouble(data)))
      }
    } finally {
      vi.unstubAllGlobals()
      vi.resetModules()
    }
  })
})
