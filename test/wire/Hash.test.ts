import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Hash from "../../src/wire/Hash.js"
import { bytes, toHex } from "../support/wire.js"

describe("hash display order", () => {
  it("toHex reverses the bytes; fromHex undoes it", () => {
    const genesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    const wire = Hash.fromHex(genesis)
    expect(toHex(wire)).toBe("6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000")
    expect(Hash.toHex(wire)).toBe(genesis)
    expect(Hash.fromHex(genesis.toUpperCase())).toEqual(wire)
  })

  it("round trip for any bytes", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.uint8Array({ maxLength: 64 }), (b) => {
        expect(Hash.fromHex(Hash.toHex(b))).toEqual(b)
        expect(Hash.bytesFromHex(Hash.bytesToHex(b))).toEqual(b)
      })
    )
  })

  it("bytesFromHex refuses odd lengths and non-hex", () => {
    expect(() => Hash.bytesFromHex("abc")).toThrow()
    expect(() => Hash.bytesFromHex("zz")).toThrow()
    expect(() => Hash.fromHex("0x00")).toThrow()
  })

  it("equals compares content and length", () => {
    expect(Hash.equals(bytes("0102"), Uint8Array.from([1, 2]))).toBe(true)
    expect(Hash.equals(bytes("0102"), bytes("0103"))).toBe(false)
    expect(Hash.equals(bytes("0102"), bytes("010200"))).toBe(false)
    expect(Hash.ZERO).toEqual(new Uint8Array(32))
  })
})

describe("sha256d", () => {
  it("known values: empty (the empty-payload checksum 5df6e0e2) and 'hello' (bitcoin wiki)", () => {
    for (const hasher of [Hash.nobleHasher, Hash.nativeHasher!, Hash.defaultHasher]) {
      expect(toHex(hasher.sha256d(new Uint8Array(0))), hasher.name).toBe(
        "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
      )
      expect(toHex(hasher.sha256d(new TextEncoder().encode("hello"))), hasher.name).toBe(
        "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50"
      )
    }
    expect(toHex(Hash.checksum(new Uint8Array(0)))).toBe("5df6e0e2")
  })

  it("the native hasher is available on Node and is the default", () => {
    expect(Hash.nativeHasher).toBeDefined()
    expect(Hash.defaultHasher).toBe(Hash.nativeHasher)
  })

  it("noble and native agree on any input, including views at an offset", () => {
    const native = Hash.nativeHasher!
    FastCheck.assert(
      FastCheck.property(FastCheck.uint8Array({ maxLength: 300 }), FastCheck.nat(8), (data, offset) => {
        const view = new Uint8Array(data.length + offset).subarray(offset)
        view.set(data)
        const a = Hash.nobleHasher.sha256d(view)
        const b = native.sha256d(view)
        expect(b).toBeInstanceOf(Uint8Array)
        expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype)
        expect(b).toEqual(a)
      }),
      { numRuns: 300 }
    )
  })
})
