/**
 * Four complete Node nodes (`NodeNetwork.layer`) over loopback TCP on
 * 127.0.0.1, real clock: they find each other from one seed, exchange
 * messages through their dispatchers, and when one node's scope closes its
 * connections close (the others see `RemoteClosed`) and they reconnect
 * among themselves.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher, type Received } from "../../src/network/Dispatcher.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import type { Peer } from "../../src/peer/Peer.js"
import * as Net from "node:net"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"

interface TcpNode {
  readonly name: string
  readonly scope: Scope.CloseableScope
  readonly key: string
  readonly connector: Connector["Type"]
  readonly dispatcher: Dispatcher["Type"]
  readonly book: AddressBook.AddressBookShape
  readonly invs: Array<Received<Message.MessageOf<"Inv">>>
  readonly events: Array<PeerEvent>
}

const startTcpNode = (i: number, seed: NetAddress.NetAddressFields | undefined) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const context = yield* Layer.buildWithScope(
      NodeNetwork.layer({
        peer: { params: ChainParams.regtest, userAgentName: `tcp-node-${i}` },
        listen: { host: "127.0.0.1", port: 0 },
        addressBook: { allowLocal: true },
        targetOutbound: 2,
        retrySchedule: Schedule.spaced(Duration.millis(100)),
        dialTimeout: Duration.seconds(2),
        // Core's gossip rules, scaled to a loopback test of seconds (as TestNetwork.simulationConfig):
        // loopback addresses relayed as if routable, relays trickled every 100 ms instead of ~30 s,
        // and a getaddr cache of a second instead of 21 h, which would freeze the seed's first answer.
        relayUnroutable: true,
        addrTrickleSchedule: Schedule.spaced(Duration.millis(100)),
        getAddrCacheLifetime: Duration.seconds(1)
      }),
      scope
    )
    const connector = Context.get(context, Connector)
    const dispatcher = Context.get(context, Dispatcher)
    const book = Context.get(context, AddressBook.AddressBook)
    if (seed !== undefined) yield* book.add([{ ...seed, time: Math.floor(Date.now() / 1000) }], "user")
    const invs: Array<Received<Message.MessageOf<"Inv">>> = []
    const events: Array<PeerEvent> = []
    const invStream = yield* dispatcher.subscribe("Inv")
    const eventStream = yield* connector.subscribeEvents
    yield* Effect.forkIn(Stream.runForEach(invStream, (r) => Effect.sync(() => invs.push(r))), scope)
    yield* Effect.forkIn(Stream.runForEach(eventStream, (e) => Effect.sync(() => events.push(e))), scope)
    const node: TcpNode = { name: `tcp-node-${i}`, scope, key: NetAddress.toString(connector.listenAddress!), connector, dispatcher, book, invs, events }
    return node
  })

/** Polls `done` every 20 ms of real time, for at most `within`. */
const eventually = (what: string, done: Effect.Effect<boolean>, within: Duration.DurationInput = "10 seconds") =>
  Effect.gen(function*() {
    while (!(yield* done)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`not within ${Duration.format(within)}: ${what}`) }))

const nameOf = (p: Peer) => /tcp-node-\d+/.exec(p.info.userAgent)?.[0]

const inv = (tag: number) => Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? tag : 7)) }] })
const tagOf = (r: Received<Message.MessageOf<"Inv">>) => r.message.inventory[0]!.hash[0]

describe("Network over loopback TCP", () => {
  it.scopedLive("four nodes connect from one seed, exchange messages, and see RemoteClosed when one shuts down", () =>
    Effect.gen(function*() {
      const nodes: Array<TcpNode> = []
      for (let i = 0; i < 4; i++) nodes.push(yield* startTcpNode(i, i === 0 ? undefined : NetAddress.fromHost("127.0.0.1", Number(nodes[0]!.key.split(":")[1]))))
      const outboundOf = (n: TcpNode) => Effect.map(n.connector.peers, (ps) => ps.filter((p) => p.direction === "outbound"))
      yield* eventually("every node at 2 outbound peers", Effect.map(Effect.forEach(nodes, outboundOf), (all) => all.every((ps) => ps.length === 2)))
      for (const n of nodes) {
        const out = yield* outboundOf(n)
        expect(new Set(out.map((p) => p.remote)).size).toBe(2)
        expect(out.map((p) => p.remote)).not.toContain(n.key)
      }
      // The others' first (and only) known address was the seed: each advertised its listen address there.
      const seedBook = new Set((yield* nodes[0]!.book.entries).map((e) => e.key))
      expect(nodes.slice(1).every((m) => seedBook.has(m.key))).toBe(true)

      // sendTo: one message to one peer, received by that node from us.
      const [a, b, c, d] = nodes as [TcpNode, TcpNode, TcpNode, TcpNode]
      const aPeers = yield* a.connector.peers
      const target = aPeers[0]!
      yield* a.dispatcher.sendTo(target.id, inv(1))
      const targetNode = nodes.find((n) => n.name === nameOf(target))!
      yield* eventually("sendTo delivered", Effect.sync(() => targetNode.invs.some((r) => tagOf(r) === 1)))
      const got = targetNode.invs.find((r) => tagOf(r) === 1)!
      expect(nameOf(got.peer)).toBe(a.name)
      expect(nodes.filter((n) => n !== targetNode).every((n) => !n.invs.some((r) => tagOf(r) === 1))).toBe(true)

      // broadcast: every direct peer of a gets it, from a.
      const sent = yield* a.dispatcher.broadcast(inv(2))
      expect(sent).toBe(aPeers.length)
      const neighbours = new Set(aPeers.map(nameOf))
      yield* eventually("broadcast delivered", Effect.sync(() =>
        nodes.filter((n) => neighbours.has(n.name)).reduce((s, n) => s + n.invs.filter((r) => tagOf(r) === 2).length, 0) === sent))
      for (const n of nodes.filter((m) => neighbours.has(m.name))) {
        expect(n.invs.filter((r) => tagOf(r) === 2).every((r) => nameOf(r.peer) === a.name)).toBe(true)
      }

      // Closing b's scope closes its sockets: everyone connected to it sees the remote close.
      const connectedToB = yield* Effect.forEach([a, c, d], (n) =>
        Effect.map(n.connector.peers, (ps) => ({ node: n, ids: ps.filter((p) => nameOf(p) === b.name).map((p) => p.id) })))
      const watchers = connectedToB.filter((w) => w.ids.length > 0)
      expect(watchers.length).toBeGreaterThan(0)
      yield* Scope.close(b.scope, Exit.void)
      yield* eventually("disconnections seen", Effect.sync(() =>
        watchers.every((w) => w.ids.every((id) => w.node.events.some((e) => e._tag === "Disconnected" && e.id === id)))), "5 seconds")
      for (const w of watchers) {
        for (const id of w.ids) {
          const e = w.node.events.find((e) => e._tag === "Disconnected" && e.id === id)!
          expect(e._tag === "Disconnected" && [e.reason._tag, e.banned]).toEqual(["RemoteClosed", false])
        }
      }
      // The three left refill their slots among themselves: two each, or as many live nodes as they know.
      const left = [a, c, d]
      const liveKeys = new Set(left.map((n) => n.key))
      const refilled = Effect.forEach(left, (n) =>
        Effect.gen(function*() {
          const knownLive = (yield* n.book.entries).filter((e) => liveKeys.has(e.key) && e.key !== n.key).length
          const out = yield* outboundOf(n)
          return knownLive >= 1 && out.length === Math.min(2, knownLive) && out.every((p) => p.remote !== b.key)
        }))
      yield* eventually("survivors reconnected", Effect.map(refilled, (ok) => ok.every(Boolean)))
      // And they still talk: c broadcasts, its peers hear it.
      const fromC = yield* c.dispatcher.broadcast(inv(3))
      expect(fromC).toBeGreaterThanOrEqual(1)
      yield* eventually("broadcast after the loss", Effect.sync(() =>
        left.reduce((s, n) => s + n.invs.filter((r) => tagOf(r) === 3).length, 0) === fromC))
    }), 30_000)

  it.scopedLive("a connection beyond maxInbound is closed at once, without a word", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(NodeNetwork.layer({
        peer: { params: ChainParams.regtest },
        listen: { host: "127.0.0.1", port: 0 },
        addressBook: { allowLocal: true },
        targetOutbound: 0,
        maxInbound: 1
      }))
      const port = Context.get(context, Connector).listenAddress!.port
      /** Connects, says nothing, and reports what came back and whether the node hung up within `within`. */
      const probe = Effect.async<{ readonly bytes: number; readonly closed: boolean }>((resume) => {
        let bytes = 0
        const socket = Net.createConnection({ host: "127.0.0.1", port })
        const timer = setTimeout(() => resume(Effect.succeed({ bytes, closed: false })), 1000)
        socket.on("data", (d) => { bytes += d.length })
        socket.on("error", () => {})
        socket.on("close", () => {
          clearTimeout(timer)
          resume(Effect.succeed({ bytes, closed: true }))
        })
        return Effect.sync(() => socket.destroy())
      })
      // The first takes the only slot (an inbound peer waits for our version: silence, kept open).
      const [first, second] = yield* Effect.all([probe, Effect.delay(probe, "200 millis")], { concurrency: 2 })
      expect(first).toEqual({ bytes: 0, closed: false })
      expect(second).toEqual({ bytes: 0, closed: true })
    }), 10_000)
})
