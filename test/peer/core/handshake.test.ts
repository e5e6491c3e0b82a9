import { describe, expect, it } from "vitest"
import * as ChainParams from "../../../src/wire/ChainParams.js"
import * as Message from "../../../src/wire/Message.js"
import { disconnects, makeCore, OUR_NONCE, rx, T0, tags, theirVersion } from "./kit.js"

describe("core: handshake", () => {
  it("outbound: our version first; theirs → sendaddrv2, verack; their verack → complete, then sendheaders; first wake at the earliest deadline", () => {
    const { core, take, sent } = makeCore()
    core.start()
    let a = take()
    expect(sent(a)).toEqual(["version"])
    // The stall tick (15 s) comes before the handshake (30 s) and idle (5 min) deadlines.
    expect(a).toContainEqual({ _tag: "wakeAt", at: T0 + 15_000 })
    expect(core.received(rx(theirVersion()), T0 + 5)).toBe(true)
    a = take()
    expect(sent(a)).toEqual(["sendaddrv2", "verack"])
    expect(tags(a)).toContain("deliver")
    expect(core.received(rx(Message.Verack.make({})), T0 + 6)).toBe(true)
    a = take()
    expect(sent(a)).toEqual(["sendheaders"])
    const done = a.find((x) => x._tag === "handshakeComplete")
    expect(done).toMatchObject({ info: { version: 70016, negotiatedVersion: 70016, userAgent: "/them/", startHeight: 7, nonce: 0xabcdn, transport: "v1" } })
    // The ping and trickle schedules start now.
    expect(a).toContainEqual({ _tag: "wakeAt", at: T0 + 6 })
    expect(core.handshake).toBe((done as any).info)
    expect(core.lastBlock).toBe(7)
  })

  it("inbound: waits for their version, answers with ours before verack", () => {
    const { core, take, sent } = makeCore({ direction: "inbound" })
    core.start()
    expect(sent(take())).toEqual([])
    core.received(rx(theirVersion()), T0)
    expect(sent(take())).toEqual(["version", "sendaddrv2", "verack"])
  })

  it("negotiates min(ours, theirs) and gates features by it: a 70001 remote gets no sendaddrv2 (as Core, below 70016) and no sendheaders", () => {
    const { core, take, sent } = makeCore({ config: { minProtocolVersion: 70001 } })
    core.start()
    core.received(rx(theirVersion({ version: 70001 })), T0)
    core.received(rx(Message.Verack.make({})), T0)
    const a = take()
    expect(core.negotiatedVersion).toBe(70001)
    expect(sent(a)).toEqual(["version", "verack"])
    core.received(rx(Message.Ping.make({ nonce: 5n })), T0)
    expect(sent(take())).toEqual(["pong"])
  })

  it.each([
    ["a second version", [theirVersion(), theirVersion()], { _tag: "ProtocolViolation", rule: "DuplicateVersion" }],
    ["verack before version", [Message.Verack.make({})], { _tag: "ProtocolViolation", rule: "VerackBeforeVersion" }],
    ["a second verack", [theirVersion(), Message.Verack.make({}), Message.Verack.make({})], { _tag: "ProtocolViolation", rule: "DuplicateVerack" }],
    ["a ping before version", [Message.Ping.make({ nonce: 1n })], { _tag: "ProtocolViolation", rule: "MessageBeforeHandshake" }],
    ["sendaddrv2 after verack", [theirVersion(), Message.Verack.make({}), Message.SendAddrV2.make({})], { _tag: "ProtocolViolation", rule: "FeatureAfterVerack" }],
    ["our own nonce back", [theirVersion({ nonce: OUR_NONCE })], { _tag: "SelfConnection" }],
    ["a version below the minimum (Core's 31800)", [theirVersion({ version: 31799 })], { _tag: "ObsoleteVersion", version: 31799, minimum: 31800 }]
  ] as const)("%s → disconnect once, and nothing after it is delivered", (_, messages, reason) => {
    const { core, take } = makeCore()
    core.start()
    take()
    let connected = true
    for (const m of messages) connected = core.received(rx(m), T0)
    expect(connected).toBe(false)
    const a = take()
    expect(disconnects(a)).toEqual([expect.objectContaining(reason)])
    expect(core.reason).toMatchObject(reason)
    // After the end: neither counted, answered nor delivered.
    const before = core.counters.bytesReceived
    expect(core.received(rx(Message.Ping.make({ nonce: 2n })), T0)).toBe(false)
    expect(take()).toEqual([])
    expect(core.counters.bytesReceived).toBe(before)
  })

  it("records what the remote asked for: sendheaders, wtxidrelay, feefilter", () => {
    const { core, take } = makeCore()
    core.start()
    core.received(rx(theirVersion()), T0)
    core.received(rx(Message.WtxidRelay.make({})), T0)
    core.received(rx(Message.SendAddrV2.make({})), T0)
    core.received(rx(Message.Verack.make({})), T0)
    core.received(rx(Message.SendHeaders.make({})), T0)
    core.received(rx(Message.FeeFilter.make({ feeRate: 1000n })), T0)
    take()
    expect([core.remoteWantsWtxid, core.remoteWantsAddrV2, core.remoteWantsHeaders, core.remoteFeeFilter]).toEqual([true, true, true, 1000n])
  })

  it("feefilter: a rate outside 0..the network's maxMoney is ignored, the last valid one kept (Core's MoneyRange); a params value without maxMoney takes Bitcoin's", () => {
    const BTC = ChainParams.BITCOIN_MAX_MONEY
    const LTC = ChainParams.ltcMainnet.maxMoney!
    const after = (params: ChainParams.ChainParams, rates: ReadonlyArray<bigint>) => {
      const { core, take } = makeCore({ config: { params } })
      core.start()
      core.received(rx(theirVersion()), T0)
      core.received(rx(Message.Verack.make({})), T0)
      for (const feeRate of rates) core.received(rx(Message.FeeFilter.make({ feeRate })), T0)
      take()
      return core.remoteFeeFilter
    }
    const { maxMoney: _, ...handBuilt } = ChainParams.regtest
    const litecoinMoney = { ...ChainParams.regtest, maxMoney: LTC }
    expect(after(ChainParams.regtest, [5n, BTC])).toBe(BTC)
    expect(after(ChainParams.regtest, [5n, BTC + 1n])).toBe(5n)
    expect(after(ChainParams.regtest, [5n, -1n])).toBe(5n)
    expect(after(handBuilt, [5n, BTC + 1n])).toBe(5n)
    expect(after(litecoinMoney, [5n, BTC + 1n])).toBe(BTC + 1n)
    expect(after(litecoinMoney, [5n, LTC + 1n])).toBe(5n)
  })

  it("an unknown command before version is delivered, not a violation", () => {
    const { core, take } = makeCore()
    core.start()
    take()
    const unknown = { _tag: "Unknown", command: "weird", payload: new Uint8Array(3) } as unknown as Message.NetworkMessage
    expect(core.received({ command: "weird", payloadSize: 3, message: unknown }, T0)).toBe(true)
    expect(take()).toEqual([{ _tag: "deliver", message: unknown }])
  })
})
