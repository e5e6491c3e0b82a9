/**
 * The inbound v2 transport (`MessageTransport`) on the first bytes of a
 * connection, in memory: a v1 remote's `version` is served over v1 whether
 * it arrives in one read (handed over before any v2 session exists) or
 * split anywhere in its first 16 bytes; with `acceptV1: false` it is
 * refused, then and on every later read; a v2 initiator's key is answered
 * with our key only once its first byte rules out v1, and the handshake
 * completes, however its first read is cut.
 */
import { describe, expect, it } from "vitest"
import type * as Frame from "../../../src/wire/Frame.js"
import * as FrameCodec from "../../../src/wire/Frame.js"
import * as Message from "../../../src/wire/Message.js"
import type { MessageTransport, TransportContext } from "../../../src/peer/MessageTransport.js"
import { v2, type V2Options } from "../../../src/internal/peer/v2/transport.js"
import { ELLSWIFT_SIZE } from "../../../src/internal/peer/v2/ellswift.js"
import { versionMessage } from "../../support/peer.js"
import { params } from "./helpers.js"

const context = (direction: TransportContext["direction"]): TransportContext => ({ params, direction, version: () => 70016 })

const inbound = (options: V2Options = {}) => v2(options)(context("inbound"))

/** Feeds `chunks` in order; the messages, writes and first error. */
const feed = (transport: MessageTransport, chunks: ReadonlyArray<Uint8Array>) => {
  const out: Array<Frame.Received> = []
  const writes: Array<Uint8Array> = []
  for (const chunk of chunks) {
    const error = transport.receive(chunk, out, (bytes) => void writes.push(bytes))
    if (error !== undefined) return { out, writes, error }
  }
  return { out, writes, error: undefined }
}

const versionFrame = () => FrameCodec.encode(params.magic, versionMessage())

describe("an inbound v2 transport meets a v1 remote", () => {
  it("whole in the first read: served over v1, nothing written, no v2 state", () => {
    const t = inbound()
    expect(t.initial()).toBeUndefined()
    expect(t.ready).toBe(false)
    const { error, out, writes } = feed(t, [versionFrame()])
    expect(error).toBeUndefined()
    expect(out.map((r) => r.command)).toEqual(["version"])
    expect(writes).toEqual([])
    expect(t.name).toBe("v1")
    expect(t.ready).toBe(true)
    expect(t.sessionId).toBeUndefined()
    // White-box: no session was made for it (no v2 state, no copy of the read).
    expect((t as unknown as { ownSession: unknown }).ownSession).toBeUndefined()
  })

  it("several messages in the first read: each served over v1, in order", () => {
    const t = inbound()
    const frames = [versionFrame(), FrameCodec.encode(params.magic, Message.Verack.make({})), FrameCodec.encode(params.magic, Message.Ping.make({ nonce: 7n }))]
    const { error, out, writes } = feed(t, [Buffer.concat(frames)])
    expect(error).toBeUndefined()
    expect(out.map((r) => r.command)).toEqual(["version", "verack", "ping"])
    expect(writes).toEqual([])
  })

  it.each([1, 4, 15, 16, 17])("split after %i bytes: the same message over v1", (cut) => {
    const frame = versionFrame()
    const t = inbound()
    const { error, out, writes } = feed(t, [frame.subarray(0, cut), frame.subarray(cut)])
    expect(error).toBeUndefined()
    expect(out.map((r) => r.command)).toEqual(["version"])
    expect(writes).toEqual([])
    expect(t.name).toBe("v1")
  })

  it.each([[[0]], [[0, 30]]])("with acceptV1: false, refused (reads cut at %j), and every later read too", (cuts) => {
    const frame = versionFrame()
    const t = inbound({ acceptV1: false })
    const chunks = [...cuts, frame.length].map((end, i, all) => frame.subarray(i === 0 ? 0 : all[i - 1]!, end)).filter((c) => c.length > 0)
    const first = feed(t, chunks)
    expect(first.error?._tag).toBe("MessageTransportError")
    expect(first.out).toEqual([])
    expect(first.writes).toEqual([])
    expect(t.name).toBe("v2")
    expect(feed(t, [frame]).error).toBeDefined()
  })
})

describe("an inbound v2 transport meets a v2 initiator", () => {
  it.each([1, 16, ELLSWIFT_SIZE, 200])("first read of %i bytes: our key goes out once theirs is whole, and the handshake completes", (cut) => {
    // A key whose first byte is the network magic's first byte would keep a 1-byte read undecided
    // (1 key in 256): such an initiator is drawn again.
    let initiator = v2()(context("outbound"))
    let hello = initiator.initial()!
    while (hello[0] === params.magic[0]) {
      initiator = v2()(context("outbound"))
      hello = initiator.initial()!
    }
    const responder = inbound()
    expect(hello.length).toBeGreaterThanOrEqual(ELLSWIFT_SIZE)
    // Nothing from the responder before the initiator's first byte.
    expect(responder.initial()).toBeUndefined()
    const first = feed(responder, [hello.subarray(0, cut)])
    expect(first.error).toBeUndefined()
    const answer = first.writes.reduce((n, w) => n + w.length, 0)
    if (cut < ELLSWIFT_SIZE) expect(answer).toBe(0)
    else expect(answer).toBeGreaterThanOrEqual(ELLSWIFT_SIZE)
    // Then the rest, both ways, until both sides have the keys.
    const toInitiator = [...first.writes]
    const toResponder = [hello.subarray(cut)]
    for (let round = 0; round < 4 && !(initiator.ready && responder.ready); round++) {
      const r = feed(responder, toResponder.splice(0).filter((c) => c.length > 0))
      expect(r.error).toBeUndefined()
      toInitiator.push(...r.writes)
      const i = feed(initiator, toInitiator.splice(0))
      expect(i.error).toBeUndefined()
      toResponder.push(...i.writes)
    }
    expect(initiator.ready && responder.ready).toBe(true)
    expect(responder.name).toBe("v2")
    expect(Array.from(responder.sessionId!)).toEqual(Array.from(initiator.sessionId!))
  })
})
