/**
 * The connector's wrapper around a guarded inbound transport
 * (`releasingWhenReady`): it must show everything the inner transport
 * shows (the peer's read bound reads `bufferedBytes` through it) and release
 * the handshake slot once, when the transport's own handshake is over.
 */
import { describe, expect, it } from "vitest"
import type * as Frame from "../../src/wire/Frame.js"
import * as FrameCodec from "../../src/wire/Frame.js"
import * as MessageTransportModule from "../../src/peer/MessageTransport.js"
import type { MessageTransport, TransportContext } from "../../src/peer/MessageTransport.js"
import { v2 } from "../../src/internal/peer/v2/transport.js"
import { releasingWhenReady } from "../../src/internal/network/connector.js"
import { versionMessage } from "../support/peer.js"
import { params } from "../peer/bip324/helpers.js"

const context = (direction: TransportContext["direction"]): TransportContext => ({ params, direction, version: () => 70016 })

const wrapped = () => {
  let inner: MessageTransport | undefined
  let released = 0
  const t = releasingWhenReady((c) => (inner = v2()(c)), () => void released++)(context("inbound"))
  return { t, inner: () => inner!, released: () => released }
}

const receive = (t: MessageTransport, chunk: Uint8Array) => {
  const out: Array<Frame.Received> = []
  const error = t.receive(chunk, out, () => {})
  return { out, error }
}

const shown = (t: MessageTransport) => [t.name, t.ready, t.bufferedBytes, t.awaitingBytes, t.sessionId, t.droppedMessages]

describe("releasingWhenReady", () => {
  it("shows the inner transport's state while a v2 handshake is under way, and holds the slot", () => {
    const { t, inner, released } = wrapped()
    // The first 10 bytes of an initiator's key (one that cannot start like a v1 version header).
    let hello = v2()(context("outbound")).initial()!
    while (hello[0] === params.magic[0]) hello = v2()(context("outbound")).initial()!
    expect(receive(t, hello.subarray(0, 10)).error).toBeUndefined()
    expect(t.bufferedBytes).toBe(10)
    expect(shown(t)).toEqual(shown(inner()))
    expect(released()).toBe(0)
  })

  it("releases once when the remote turns out to speak v1, and shows v1's state", () => {
    const { t, inner, released } = wrapped()
    const frame = FrameCodec.encode(params.magic, versionMessage())
    const { out, error } = receive(t, frame.subarray(0, frame.length - 5))
    expect(error).toBeUndefined()
    expect(out).toEqual([])
    expect(released()).toBe(1)
    expect(t.name).toBe("v1")
    expect(t.bufferedBytes).toBeGreaterThan(0)
    // What the reader reads to take a chunk out of turn: through the wrapper, from v2's v1 fallback.
    expect(t.awaitingBytes).toBe(5)
    expect(shown(t)).toEqual(shown(inner()))
    expect(receive(t, frame.subarray(frame.length - 5)).out.map((r) => r.command)).toEqual(["version"])
    expect(released()).toBe(1)
  })

  it("shows how many bytes a v1 transport still awaits for the message being received (the reader's out-of-turn test)", () => {
    let released = 0
    const t = releasingWhenReady(MessageTransportModule.v1, () => void released++)(context("inbound"))
    const frame = FrameCodec.encodeRaw(params.magic, "blob", new Uint8Array(100_000).fill(1))
    expect(receive(t, frame.subarray(0, 40_000)).out).toEqual([])
    expect(t.awaitingBytes).toBe(frame.length - 40_000)
    expect(receive(t, frame.subarray(40_000)).out.map((r) => r.command)).toEqual(["blob"])
    expect(t.awaitingBytes).toBe(0)
    expect(released).toBe(1)
  })
})
