import * as Either from "effect/Either"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Relay } from "../../../src/internal/peer/core/Relay.js"
import { unreadInventory } from "../../../src/internal/wire/inventoryMessage.js"
import * as InvVector from "../../../src/wire/InvVector.js"
import * as Message from "../../../src/wire/Message.js"
import * as NetAddress from "../../../src/wire/NetAddress.js"
import { makeCore, rx, T0 } from "./kit.js"

const hash = (n: number) => {
  const h = new Uint8Array(32)
  h[0] = n
  return h
}
const tx = (n: number): InvVector.InvVector => ({ type: InvVector.InvType.Tx, hash: hash(n) })
const block = (n: number): InvVector.InvVector => ({ type: InvVector.InvType.Block, hash: hash(n) })
const invSent = (list: ReadonlyArray<{ _tag: string }>) =>
  list.flatMap((a) => (a._tag === "send" && (a as any).message._tag === "Inv" ? [(a as any).message.inventory as Array<InvVector.InvVector>] : []))

describe("core: relay (trickle and known filters)", () => {
  it("transactions wait for the trickle; blocks go at once; what the remote announced or was sent is never sent again", () => {
    const { core, take, handshake } = makeCore()
    handshake()
    core.timer(T0) // steps the schedules: trickle at +10 s
    take()
    core.received(rx(Message.Inv.make({ inventory: [tx(1)] })), T0 + 1)
    take()
    expect(core.queueInventory([tx(1), tx(2), block(9), tx(3)])).toBeUndefined()
    expect(invSent(take())).toEqual([[block(9)]])
    core.timer(T0 + 9_999)
    expect(invSent(take())).toEqual([])
    core.timer(T0 + 10_000)
    expect(invSent(take())).toEqual([[tx(2), tx(3)]])
    // Already sent: not again.
    core.queueInventory([tx(2), block(9)])
    core.timer(T0 + 20_000)
    expect(invSent(take())).toEqual([])
  })

  it("an inv received off the wire marks what it announces as known, whether or not anyone reads its inventory", () => {
    const { core, take, handshake } = makeCore()
    handshake()
    core.timer(T0)
    take()
    const announced = [tx(1), block(9), { type: InvVector.InvType.WitnessTx, hash: hash(3) }]
    const payload = Either.getOrThrow(Message.encodePayloadEither(Message.Inv.make({ inventory: announced })))
    const decoded = Either.getOrThrow(Message.decodePayloadEither("inv", payload))
    core.received(rx(decoded), T0 + 1)
    // The filter did not need the vectors: the inventory is still unread (read from its bytes).
    expect(unreadInventory(decoded)).toBeDefined()
    expect(take()).toEqual([{ _tag: "deliver", message: decoded }])
    expect(core.queueInventory([tx(1), tx(2), block(9), block(8), tx(3)])).toBeUndefined()
    expect(invSent(take())).toEqual([[block(8)]])
    core.timer(T0 + 10_000)
    // tx(3) was announced as a witness tx: the same transaction.
    expect(invSent(take())).toEqual([[tx(2)]])
  })

  it("what the remote announced off the wire is remembered up to knownInventorySize items, the newest", () => {
    const { core, take, handshake } = makeCore({ config: { knownInventorySize: 3 } })
    handshake()
    core.timer(T0)
    const announce = (...inventory: Array<InvVector.InvVector>) =>
      core.received(rx(Either.getOrThrow(Message.decodePayloadEither("inv", Either.getOrThrow(Message.encodePayloadEither(Message.Inv.make({ inventory })))))), T0 + 1)
    announce(tx(1), tx(2))
    announce(tx(3))
    announce(tx(4), tx(5), tx(6), tx(7))
    take()
    // The newest three are known; the fourth newest was forgotten (sending it makes it known again).
    core.queueInventory([tx(5), tx(6), tx(7), tx(4)])
    core.timer(T0 + 10_000)
    expect(invSent(take())).toEqual([[tx(4)]])
  })

  it("what the remote announced off the wire is known exactly when it is among the last knownInventorySize announced", () =>
    fc.assert(fc.property(
      // Up to 150: the ring of announced vectors grows (from 64) while it wraps.
      fc.integer({ min: 1, max: 150 }),
      fc.array(fc.array(fc.integer({ min: 1, max: 250 }), { maxLength: 70 }), { maxLength: 10 }),
      (knownSize, messages) => {
        const decoded = messages.map((items) =>
          Either.getOrThrow(Message.decodePayloadEither("inv", Either.getOrThrow(Message.encodePayloadEither(Message.Inv.make({ inventory: items.map(tx) })))))
        )
        const lastAnnounced = new Set(messages.flat().slice(-knownSize))
        for (const n of new Set([...messages.flat(), 251])) {
          const relay = new Relay(knownSize, 1000)
          for (const m of decoded) relay.remoteHasInventory(m as Message.MessageOf<"Inv">)
          relay.queue([tx(n)])
          expect(relay.flush().length === 0).toBe(lastAnnounced.has(n))
        }
      }
    )))

  it("a trickle larger than maxInvPerBatch goes in several inv messages", () => {
    const { core, take, handshake } = makeCore({ config: { maxInvPerBatch: 2 } })
    handshake()
    core.timer(T0)
    core.queueInventory([tx(1), tx(2), tx(3), tx(4), tx(5)])
    core.timer(T0 + 10_000)
    expect(invSent(take()).map((b) => b.length)).toEqual([2, 2, 1])
  })

  it("addresses: known ones and (without sendaddrv2) ones addr cannot carry are filtered; addrv2 when the remote asked", () => {
    const v4 = { ...NetAddress.fromHost("10.0.0.1", 8333)!, time: 1 }
    const v4b = { ...NetAddress.fromHost("10.0.0.2", 8333)!, time: 1 }
    const onion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32), port: 8333, time: 1 }
    const plain = makeCore()
    plain.handshake()
    plain.core.received(rx(Message.Addr.make({ addresses: [v4] })), T0)
    expect(plain.core.freshAddresses([v4, v4b, onion])).toEqual([v4b])
    plain.take()
    expect(plain.core.sendAddresses([v4b])).toBeUndefined()
    expect(plain.take()).toMatchObject([{ _tag: "send", message: { _tag: "Addr" } }])
    expect(plain.core.freshAddresses([v4b])).toEqual([])

    const v2 = makeCore()
    v2.core.start()
    v2.core.received(rx(Message.Version.make({ ...(plain.core.options.ourVersion), nonce: 99n })), T0)
    v2.core.received(rx(Message.SendAddrV2.make({})), T0)
    v2.core.received(rx(Message.Verack.make({})), T0)
    v2.take()
    expect(v2.core.freshAddresses([v4, onion])).toEqual([v4, onion])
    v2.core.sendAddresses([onion])
    expect(v2.take()).toMatchObject([{ _tag: "send", message: { _tag: "AddrV2" } }])
  })

  it("addresses: a self-advertisement goes out and resets the known-address filter (Bitcoin Core's m_addr_known reset)", () => {
    const ours = { ...NetAddress.fromHost("10.0.0.9", 8333)!, time: 1 }
    const heard = { ...NetAddress.fromHost("10.0.0.1", 8333)!, time: 1 }
    const sent = { ...NetAddress.fromHost("10.0.0.2", 8333)!, time: 1 }
    const { core, handshake, take } = makeCore()
    handshake()
    core.received(rx(Message.Addr.make({ addresses: [heard] })), T0)
    core.sendAddresses([sent])
    take()
    expect(core.freshAddresses([heard, sent])).toEqual([])
    expect(core.advertiseAddresses([ours])).toBeUndefined()
    expect(take()).toMatchObject([{ _tag: "send", message: { _tag: "Addr", addresses: [{ port: 8333 }] } }])
    // Everything may cross the link again, except what was just sent.
    expect(core.freshAddresses([heard, sent, ours])).toEqual([heard, sent])
  })

  it("counts traffic per command, both ways", () => {
    const { core, handshake } = makeCore()
    handshake()
    core.wrote(100, T0 + 5)
    core.sent("inv", 37, 1, undefined, T0 + 5)
    expect(core.counters.bytesSent).toBe(100)
    expect(core.counters.lastSend).toBe(T0 + 5)
    expect(core.counters.sentByCommand()["inv"]).toEqual({ messages: 1, bytes: 37 })
    expect(core.counters.receivedByCommand()["verack"]).toEqual({ messages: 1, bytes: 0 })
    expect(core.counters.receivedByCommand()["version"]?.messages).toBe(1)
  })
})
