/**
 * The Schema and the byte codec agree, message by message: the Schema
 * accepts exactly what the codec decodes and re-encodes.
 *
 * - Every value the Schema accepts encodes, and decodes back to itself.
 * - Every payload the codec decodes (valid encodings, and the same bytes
 *   with a byte changed, cut short or extended) gives a value the Schema
 *   accepts, which re-encodes and decodes back to itself.
 *
 * (Before, `Version`'s Schema refused protocol versions below 70001 that the
 * codec decodes; a `version` from an older node failed validation.) Checked
 * at the current protocol version: a few fields exist only from a version on
 * (the `ping` nonce from 60001, the `addr` time from 31402), and the codec
 * drops them below it.
 */
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as Message from "../../src/wire/Message.js"
import { bytes, decodeOk } from "../support/wire.js"

const NUM_RUNS = 150

const expectSame = (actual: unknown, expected: unknown) => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}

/** A change to a valid payload: flip a byte, cut it short, or add bytes. */
const mutation = FastCheck.oneof(
  FastCheck.record({ kind: FastCheck.constant("flip" as const), at: FastCheck.nat(), xor: FastCheck.integer({ min: 1, max: 255 }) }),
  FastCheck.record({ kind: FastCheck.constant("cut" as const), at: FastCheck.nat() }),
  FastCheck.record({ kind: FastCheck.constant("extend" as const), extra: FastCheck.uint8Array({ minLength: 1, maxLength: 40 }) })
)

const mutate = (payload: Uint8Array, m: typeof mutation extends FastCheck.Arbitrary<infer T> ? T : never): Uint8Array => {
  if (m.kind === "extend") {
    const out = new Uint8Array(payload.length + m.extra.length)
    out.set(payload)
    out.set(m.extra, payload.length)
    return out
  }
  if (payload.length === 0) return payload
  const at = m.at % payload.length
  if (m.kind === "cut") return payload.slice(0, at)
  const out = payload.slice()
  out[at]! ^= m.xor
  return out
}

describe("the Schema accepts exactly what the codec decodes and re-encodes", () => {
  for (const def of Message.definitions) {
    const schema = def.schema as Schema.Schema<Message.NetworkMessage>
    const accepts = Schema.is(schema)
    const arb = Arbitrary.make(schema)

    it(`${def.command}: every Schema value encodes and decodes back; every decoded payload is a Schema value that re-encodes`, () => {
      FastCheck.assert(
        FastCheck.property(arb, mutation, (m, change) => {
          const encoded = Message.encodePayloadEither(m)
          if (Either.isLeft(encoded)) throw new Error(`a Schema value failed to encode: ${encoded.left.message}`)
          expectSame(decodeOk(def.command, encoded.right), m)

          const decoded = Message.decodePayloadEither(def.command, mutate(encoded.right, change))
          if (Either.isLeft(decoded)) return
          const value = decoded.right
          if (!accepts(value)) {
            const why = Schema.validateEither(schema)(value).pipe(Either.flip, Either.map((e) => e.message), Either.getOrElse(() => ""))
            throw new Error(`the codec decoded a value the Schema refuses: ${why}`)
          }
          const again = Message.encodePayloadEither(value)
          if (Either.isLeft(again)) throw new Error(`a decoded value failed to re-encode: ${again.left.message}`)
          expectSame(decodeOk(def.command, again.right), value)
        }),
        { numRuns: NUM_RUNS }
      )
    })
  }

  it("a version from a node older than BIP-0037 (protocol 60002, no relay field) is a Schema value", () => {
    // Built field by field: a pre-70001 version ends after the start height.
    const payload = bytes(
      "62ea0000", // protocol version 60002
      "0100000000000000", // services
      "29ab5f4900000000", // timestamp
      "010000000000000000000000000000000000ffff7f000001208d", // addr_recv 127.0.0.1:8333
      "010000000000000000000000000000000000ffff7f000001208d", // addr_from 127.0.0.1:8333
      "f2e3d4c5b6a79881", // nonce
      "10", "2f6274636477697265", "3a302e322e302f", // user agent "/btcdwire:0.2.0/"
      "e4d40500" // start height
    )
    const m = decodeOk("version", payload)
    expect(m._tag === "Version" && m.version).toBe(60002)
    expect(Schema.is(Message.NetworkMessage)(m)).toBe(true)
  })
})
