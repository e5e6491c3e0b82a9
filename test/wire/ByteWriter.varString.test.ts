/**
 * Strings on the wire (user agents, reject reasons) are CompactSize-prefixed
 * UTF-8. The writer has an in-place path for short ASCII and the general
 * path through `TextEncoder`; both must give exactly the UTF-8 bytes, with
 * the switch midway through a string (the first non-ASCII character after
 * ASCII was already written) and with the writer's buffer growing under it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { ByteWriter } from "../../src/internal/wire/ByteWriter.js"

const utf8 = new TextEncoder()

/** CompactSize then UTF-8, built independently of the writer. */
const expected = (prefix: number, s: string): Uint8Array => {
  const body = utf8.encode(s)
  const size = body.length < 0xfd ? [body.length] : [0xfd, body.length & 0xff, body.length >>> 8]
  return Uint8Array.from([...new Array<number>(prefix).fill(7), ...size, ...body])
}

/** What the writer makes of `s` after `prefix` bytes, starting from a buffer of `initial` bytes. */
const written = (initial: number, prefix: number, s: string): Uint8Array => {
  const w = new ByteWriter(initial)
  for (let i = 0; i < prefix; i++) w.u8(7)
  return w.varString(s).finish()
}

describe("ByteWriter.varString", () => {
  it("writes the CompactSize-prefixed UTF-8 of any string, at any offset, growing or not", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), fc.stringMatching(/^[ -~]{0,80}[é€😀][ -~]{0,8}$/)),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(1, 8, 64, 256),
        (s, prefix, initial) => {
          expect(written(initial, prefix, s)).toEqual(expected(prefix, s))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("switches paths midway without leaving the ASCII it already wrote", () => {
    for (const s of ["/Satoshi:27.0.0/", "/Satoshi:27.0.0/é", "é/Satoshi/", "abc😀", "", "a".repeat(252), "a".repeat(253)]) {
      expect(written(4, 3, s)).toEqual(expected(3, s))
    }
  })

  it("refuses a string above its cap in bytes on both paths, writing nothing", () => {
    for (const s of ["abcd", "abé"]) {
      const w = new ByteWriter(16).u8(1)
      expect(() => w.varString(s, 3, "user agent")).toThrow(/user agent: 4 bytes, at most 3 allowed/)
      expect(w.offset).toBe(1)
    }
  })
})
