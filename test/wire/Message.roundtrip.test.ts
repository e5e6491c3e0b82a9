import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"

const NUM_RUNS = 200

/** Deep equality: node's fast check first, vitest's `toEqual` (with its diff) when that fails. */
const expectSame = (actual: unknown, expected: unknown) => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}
const options = { params: ChainParams.mainnet }

/** Encodes a message payload and decodes it back under its command. */
const roundTrip = (m: Message.NetworkMessage): Message.NetworkMessage => {
  const payload = Message.encodePayloadEither(m)
  if (Either.isLeft(payload)) throw new Error(`encode: ${payload.left.message}`)
  const back = Message.decodePayloadEither(Message.commandOf(m), payload.right)
  if (Either.isLeft(back)) throw new Error(`decode: ${back.left.message}`)
  return back.right
}

describe("property round trips, every message definition", () => {
  for (const def of Message.definitions) {
    const arb = Arbitrary.make(def.schema as Schema.Schema<Message.NetworkMessage>)

    describe(def.command, () => {
      it("decode(encode(m)) equals m", () => {
        FastCheck.assert(
          FastCheck.property(arb, (m) => {
            expect(m._tag).toBe(def._tag)
            expectSame(roundTrip(m), m)
          }),
          { numRuns: NUM_RUNS }
        )
      })

      it("round trips through payloadSchema with Schema.encodeSync / decodeSync", () => {
        const schema = Message.payloadSchema(def as Message.MessageDef<string, Message.NetworkMessage>)
        const encode = Schema.encodeSync(schema)
        const decode = Schema.decodeSync(schema)
        FastCheck.assert(
          FastCheck.property(arb, (m) => {
            const payload = encode(m)
            expect(payload).toBeInstanceOf(Uint8Array)
            expectSame(decode(payload), m)
          }),
          { numRuns: NUM_RUNS / 4 }
        )
      })

      it("round trips through a whole frame (Frame.encode + Frame.decodeOne)", () => {
        FastCheck.assert(
          FastCheck.property(arb, (m) => {
            const frame = Frame.encode(ChainParams.mainnet.magic, m)
            const r = Frame.decodeOne(frame, options)
            if (Either.isLeft(r)) throw new Error(r.left.message)
            expect(r.right.command).toBe(def.command)
            expect(r.right.payloadSize).toBe(frame.length - Frame.HEADER_SIZE)
            expectSame(r.right.message, m)
          }),
          { numRuns: NUM_RUNS / 4 }
        )
      })
    })
  }

  it("payloadSchema reports a bad payload as a parse error", () => {
    const decode = Schema.decodeEither(Message.payloadSchema(Message.Ping))
    const r = decode(new Uint8Array(3))
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) expect(r.left.message).toContain("Truncated")
  })

  it("Unknown messages round trip through frames", () => {
    const arb = FastCheck.record({
      command: FastCheck.stringMatching(/^[a-z]{1,12}$/).filter((c) => Message.definitionForCommand(c) === undefined),
      payload: FastCheck.uint8Array({ maxLength: 64 })
    })
    FastCheck.assert(
      FastCheck.property(arb, ({ command, payload }) => {
        const m: Message.NetworkMessage = { _tag: "Unknown", command, payload }
        const r = Frame.decodeOne(Frame.encode(ChainParams.mainnet.magic, m), options)
        expect(Either.isRight(r) && r.right.message).toEqual(m)
      }),
      { numRuns: NUM_RUNS }
    )
  })
})
