/**
 * Shared helpers for the wire tests: hex vectors written one field per line,
 * and assertions on typed wire errors.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import type { WireError, WireErrorReason } from "../../src/wire/WireError.js"

/** Concatenates hex fields (whitespace ignored) into bytes. */
export const bytes = (...fields: ReadonlyArray<string>): Uint8Array => Hash.bytesFromHex(fields.join(""))

/** Plain hex of bytes. */
export const toHex = (b: Uint8Array): string => Hash.bytesToHex(b)

/** A hash given in display (byte-reversed) hex, in wire order. */
export const displayHash = (hex: string): Uint8Array => Hash.fromHex(hex)

/** `n` copies of a hex byte. */
export const repeat = (byteHex: string, n: number): string => byteHex.repeat(n)

/** A genesis header as the chains' sources write one: version 1, no previous block, the merkle root in display hex. */
export const genesisHeader = (merkleRootDisplay: string, time: number, nonce: number, bits: number): BlockHeader.BlockHeader => ({
  version: 1,
  prevBlock: new Uint8Array(32),
  merkleRoot: displayHash(merkleRootDisplay),
  time,
  bits,
  nonce
})

/** Concatenates byte arrays. */
export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Decodes a payload, failing the test on an error. */
export const decodeOk = (command: string, payload: Uint8Array, version?: number): Message.NetworkMessage => {
  const r = Message.decodePayloadEither(command, payload, version === undefined ? undefined : { version })
  if (Either.isLeft(r)) throw new Error(`decode ${command} failed: ${r.left.message}`)
  return r.right
}

/** Encodes a payload, failing the test on an error. */
export const encodeOk = (m: Message.NetworkMessage, version?: number): Uint8Array => {
  const r = Message.encodePayloadEither(m, version === undefined ? undefined : { version })
  if (Either.isLeft(r)) throw new Error(`encode ${m._tag} failed: ${r.left.message}`)
  return r.right
}

/** The error of a payload decode that must fail. */
export const decodeErr = (command: string, payload: Uint8Array, version?: number): WireError => {
  const r = Message.decodePayloadEither(command, payload, version === undefined ? undefined : { version })
  if (Either.isRight(r)) throw new Error(`decode ${command} unexpectedly succeeded: ${r.right._tag}`)
  return r.left
}

/** Asserts a payload decode fails with exactly `reason`. */
export const expectReason = (command: string, payload: Uint8Array, reason: WireErrorReason, version?: number): WireError => {
  const e = decodeErr(command, payload, version)
  expect(e._tag).toBe("WireError")
  expect(e.reason, e.message).toBe(reason)
  expect(e.command).toBe(command)
  return e
}

/**
 * A published byte vector: the payload of `command`, the message it holds,
 * and where the bytes come from.
 */
export interface Vector {
  readonly name: string
  readonly source: string
  readonly command: string
  readonly payload: Uint8Array
  readonly expected: Message.NetworkMessage
  /** Protocol version of the codec context, when the vector depends on one. */
  readonly version?: number
}

/** Runs decode → fields and encode → bytes for each vector. */
export const runVectors = (title: string, vectors: ReadonlyArray<Vector>): void => {
  describe(title, () => {
    for (const v of vectors) {
      describe(`${v.command}: ${v.name}`, () => {
        it(`decodes to the expected message (${v.source})`, () => {
          const m = decodeOk(v.command, v.payload, v.version)
          expect(m).toEqual(v.expected)
          expect(Message.commandOf(m)).toBe(v.command)
        })
        it("encodes back to exactly the same bytes", () => {
          expect(toHex(encodeOk(v.expected, v.version))).toBe(toHex(v.payload))
        })
      })
    }
  })
}
