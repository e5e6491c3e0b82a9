import { describe, expect, it } from "vitest"
import * as Hash from "../../../src/wire/Hash.js"
import * as Message from "../../../src/wire/Message.js"
import { disconnects, makeCore, rx, T0, tags } from "./kit.js"

const INF = Number.POSITIVE_INFINITY

describe("core: deadlines and pings", () => {
  it("no verack within the handshake timeout (30 s) → HandshakeTimeout, not a millisecond before", () => {
    const { core, take } = makeCore()
    core.start()
    take()
    expect(core.timer(T0 + 29_999)).toBeLessThanOrEqual(T0 + 30_000)
    expect(disconnects(take())).toEqual([])
    expect(core.timer(T0 + 30_000)).toBe(INF)
    expect(disconnects(take())).toMatchObject([{ _tag: "HandshakeTimeout" }])
  })

  it("nothing received for the idle timeout (5 min) → IdleTimeout; any message restarts it", () => {
    const { core, take, handshake } = makeCore()
    handshake()
    core.received(rx(Message.Ping.make({ nonce: 1n })), T0 + 200_000)
    take()
    core.timer(T0 + 300_000)
    expect(disconnects(take())).toEqual([])
    core.timer(T0 + 500_000)
    expect(disconnects(take())).toMatchObject([{ _tag: "IdleTimeout" }])
  })

  it("pings on its schedule after the handshake; the pong gives the round trip; the next ping is timed from the answer", () => {
    const { core, take, sent, handshake } = makeCore()
    handshake()
    // At the handshake the schedule is stepped: first ping at +120 s.
    expect(core.timer(T0)).toBe(T0 + 10_000) // the trickle comes first
    expect(sent(take())).toEqual([])
    core.timer(T0 + 120_000)
    const a = take()
    const ping = a.find((x) => x._tag === "send")
    expect(ping).toMatchObject({ message: { _tag: "Ping" } })
    const nonce = (ping as { message: Message.MessageOf<"Ping"> }).message.nonce
    // A pong with another nonce is ignored.
    core.received(rx(Message.Pong.make({ nonce: nonce + 1n })), T0 + 120_050)
    expect(tags(take())).toEqual(["deliver"])
    core.received(rx(Message.Pong.make({ nonce })), T0 + 120_250)
    const b = take()
    expect(b).toContainEqual({ _tag: "pingAnswered", millis: 250 })
    expect(core.ping.lastMillis).toBe(250)
    expect(core.ping.minMillis).toBe(250)
    // Stepped again from the answer: the next ping is due 120 s after it.
    core.timer(T0 + 120_250)
    take()
    core.timer(T0 + 240_249)
    expect(sent(take()).filter((c) => c === "ping")).toEqual([])
    core.timer(T0 + 240_250)
    expect(sent(take())).toContain("ping")
  })

  it("immediate steps (the default spacings) are taken at the handshake: it wakes for the trickle, not at once, and pings at +120 s", () => {
    const { core, take, sent, handshake } = makeCore({ immediateSteps: true })
    const a = handshake()
    // Nothing left for a timer turn: the wake is the earliest deadline, the trickle's.
    expect(a.filter((x) => x._tag === "wakeAt").at(-1)).toEqual({ _tag: "wakeAt", at: T0 + 10_000 })
    expect(core.timer(T0 + 10_000)).toBe(T0 + 15_000) // the stall tick, then the next trickle at +20 s
    expect(sent(take())).toEqual([])
    core.timer(T0 + 119_999)
    expect(sent(take())).not.toContain("ping")
    core.timer(T0 + 120_000)
    expect(sent(take())).toContain("ping")
  })

  it("a step that came due is taken as of when it came due, however late the timer rings (the schedules keep their times)", () => {
    const { core, take, sent, handshake } = makeCore()
    handshake()
    // The engine rings on a later timer turn: the schedules still start at the handshake.
    expect(core.timer(T0 + 7)).toBe(T0 + 10_000)
    core.timer(T0 + 120_000)
    const ping = take().find((x) => x._tag === "send") as { message: Message.MessageOf<"Ping"> }
    core.received(rx(Message.Pong.make({ nonce: ping.message.nonce })), T0 + 120_250)
    take()
    // Rung late after the pong: the next ping is still due 120 s after the answer.
    core.timer(T0 + 120_900)
    take()
    core.timer(T0 + 240_249)
    expect(sent(take()).filter((c) => c === "ping")).toEqual([])
    core.timer(T0 + 240_250)
    expect(sent(take())).toContain("ping")
  })

  it("a user ping while one is out waits for the same pong; no pong within the pong timeout (20 min) → PingTimeout", () => {
    const { core, take, sent, handshake } = makeCore()
    handshake()
    expect(core.pingNow(T0 + 1)).toBeUndefined()
    expect(sent(take())).toEqual(["ping"])
    expect(core.pingNow(T0 + 2)).toBeUndefined()
    expect(sent(take())).toEqual([])
    // The remote keeps talking (so the idle timeout does not fire), but never answers the ping.
    for (let t = T0 + 60_000; t < T0 + 1 + 20 * 60_000; t += 60_000) {
      core.received(rx(Message.Inv.make({ inventory: [] })), t)
      core.timer(t)
    }
    expect(disconnects(take())).toEqual([])
    core.timer(T0 + 1 + 20 * 60_000)
    expect(disconnects(take())).toMatchObject([{ _tag: "PingTimeout" }])
  })

  it("a ping that cannot be queued is not left pending", () => {
    let full = false
    const { core, take, handshake } = makeCore({ sendError: () => (full ? ({ reason: "QueueFull" } as never) : undefined) })
    handshake()
    full = true
    expect(core.pingNow(T0 + 1)).toMatchObject({ reason: "QueueFull" })
    expect(core.ping.pending).toBeUndefined()
    take()
  })

  it("stall: a getheaders written and unanswered past its rule (90 s) → Stall at the next tick; headers in time clears it", () => {
    const run = (answer: boolean) => {
      const { core, take, written, handshake } = makeCore()
      handshake()
      const m = Message.GetHeaders.make({ version: 70016, locator: [Hash.ZERO], stopHash: Hash.ZERO })
      // A fire-and-forget send: the engine reports the frame written.
      written([{ _tag: "send", message: m }], T0 + 1000)
      if (answer) core.received(rx(Message.Headers.make({ headers: [] })), T0 + 60_000)
      for (let t = T0 + 15_000; t <= T0 + 120_000; t += 15_000) {
        core.received(rx(Message.Ping.make({ nonce: BigInt(t) })), t) // not idle
        core.timer(t)
      }
      return disconnects(take())
    }
    expect(run(false)).toMatchObject([{ _tag: "Stall", command: "getheaders" }])
    expect(run(true)).toEqual([])
  })

  it("time we spent busy is added to the stall deadlines", () => {
    const { core, take, written, handshake } = makeCore()
    handshake()
    written([{ _tag: "send", message: Message.GetHeaders.make({ version: 70016, locator: [Hash.ZERO], stopHash: Hash.ZERO }) }], T0)
    core.busy(60_000)
    core.received(rx(Message.Ping.make({ nonce: 1n })), T0 + 105_000)
    core.timer(T0 + 105_000)
    expect(disconnects(take())).toEqual([])
    core.received(rx(Message.Ping.make({ nonce: 2n })), T0 + 150_000)
    core.timer(T0 + 150_001)
    expect(disconnects(take())).toMatchObject([{ _tag: "Stall" }])
  })
})
