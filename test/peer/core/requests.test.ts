import { describe, expect, it } from "vitest"
import * as Hash from "../../../src/wire/Hash.js"
import * as Message from "../../../src/wire/Message.js"
import { disconnects, makeCore, rx, T0 } from "./kit.js"

const getHeaders = () => Message.GetHeaders.make({ version: 70016, locator: [Hash.ZERO], stopHash: Hash.ZERO })
const headers = Message.Headers.make({ headers: [] })
const isHeaders = (m: Message.NetworkMessage) => (m._tag === "Headers" ? m : undefined)

describe("core: requests", () => {
  it("sends the request, wakes by its timeout, and completes it with the first matching reply (delivered too)", () => {
    const { core, take, sent, request, handshake } = makeCore()
    handshake()
    expect(request("r1", getHeaders(), isHeaders, T0, 5000).error).toBeUndefined()
    const a = take()
    expect(sent(a)).toEqual(["getheaders"])
    expect(a).toContainEqual({ _tag: "wakeAt", at: T0 + 5000 })
    core.received(rx(Message.Ping.make({ nonce: 1n })), T0 + 10)
    expect(take().some((x) => x._tag === "completeRequest")).toBe(false)
    core.received(rx(headers), T0 + 20)
    const b = take()
    expect(b).toContainEqual({ _tag: "completeRequest", request: "r1", value: headers })
    expect(b).toContainEqual({ _tag: "deliver", message: headers })
    expect(core.requests.size).toBe(0)
  })

  it("no reply within its timeout → RequestTimeout for it alone, and its stall deadline is withdrawn", () => {
    const { core, take, written, request, handshake } = makeCore()
    handshake()
    request("r1", getHeaders(), isHeaders, T0, 5000)
    written(take(), T0)
    core.timer(T0 + 5000)
    const a = take()
    expect(a).toContainEqual(expect.objectContaining({ _tag: "failRequest", request: "r1", error: expect.objectContaining({ reason: "RequestTimeout", command: "getheaders" }) }))
    // The caller knows: the remote is not also disconnected for it at the stall deadline (90 s).
    for (let t = T0 + 15_000; t <= T0 + 150_000; t += 15_000) {
      core.received(rx(Message.Ping.make({ nonce: BigInt(t) })), t)
      core.timer(t)
    }
    expect(disconnects(take())).toEqual([])
  })

  it("cancelled (the caller was interrupted) → no completion later, stall withdrawn", () => {
    const { core, take, written, request, handshake } = makeCore()
    handshake()
    const { r } = request("r1", getHeaders(), isHeaders, T0, 60_000)
    written(take(), T0)
    core.cancel(r)
    core.received(rx(headers), T0 + 10)
    expect(take().some((x) => x._tag === "completeRequest")).toBe(false)
  })

  it("a matcher that throws fails its own request (dieRequest); the peer and other requests go on", () => {
    const { core, take, request, handshake } = makeCore()
    handshake()
    request("bad", getHeaders(), () => {
      throw new Error("boom")
    }, T0)
    request("good", getHeaders(), isHeaders, T0)
    take()
    expect(core.received(rx(headers), T0 + 1)).toBe(true)
    const a = take()
    expect(a).toContainEqual(expect.objectContaining({ _tag: "dieRequest", request: "bad" }))
    expect(a).toContainEqual({ _tag: "completeRequest", request: "good", value: headers })
    expect(core.reason).toBeUndefined()
  })

  it("a request that cannot be sent fails at once and does not wait", () => {
    const { core, request } = makeCore({ sendError: () => ({ reason: "QueueFull" }) as never })
    const { error } = request("r1", getHeaders(), isHeaders, T0)
    expect(error).toMatchObject({ reason: "QueueFull" })
    expect(core.requests.size).toBe(0)
  })

  it("after the end, a request fails with Disconnected and its reason", () => {
    const { core, request, handshake } = makeCore()
    handshake()
    core.end({ _tag: "Shutdown" } as never)
    expect(request("r1", getHeaders(), isHeaders, T0).error).toMatchObject({ reason: "Disconnected", disconnect: { _tag: "Shutdown" } })
  })
})
