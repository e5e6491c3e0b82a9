/**
 * The dispatcher's sends to many peers: the peers this package builds are
 * sent to in one synchronous pass (`SendNow`), any other peer through its
 * `send`, and the count says how many accepted the message, whichever way
 * each was reached. Peers stand in for real ones here: the registry runs
 * any `Peer`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as Dispatcher from "../../src/network/Dispatcher.js"
import * as PeerRegistry from "../../src/network/PeerRegistry.js"
import type * as Peer from "../../src/peer/Peer.js"
import { PeerError } from "../../src/peer/PeerError.js"
import { sendNowOf, setSendNow } from "../../src/internal/peer/SendNow.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { connectRaw } from "../support/peer.js"

/**
 * A stand-in peer recording what it was sent: through `SendNow` when `direct`, refusing everything when `refuses`.
 * A `direct` one's `send` dies: the dispatcher must reach such a peer through its `SendNow` only.
 */
const standIn = (id: number, options: { readonly direct: boolean; readonly refuses?: boolean }) => {
  const sent: Array<string> = []
  const accept = (m: Frame.Sendable): PeerError | undefined => {
    if (options.refuses === true) return new PeerError({ reason: "QueueFull", detail: "full" })
    sent.push(Frame.messageOf(m)._tag)
    return undefined
  }
  const peer = {
    id,
    remote: `127.0.0.${id}:8333`,
    direction: "inbound",
    send: (m: Frame.Sendable) =>
      options.direct
        ? Effect.dieMessage(`peer ${id} has a SendNow: its send must not be used`)
        : Effect.suspend(() => {
          const error = accept(m)
          return error === undefined ? Effect.void : Effect.fail(error)
        }),
    awaitDisconnect: Effect.never
  } as unknown as Peer.Peer
  if (options.direct) setSendNow(peer, accept)
  return { peer, sent }
}

describe("Dispatcher: sends to many peers", () => {
  it.scoped("broadcast reaches peers with and without SendNow, and counts only those that accepted", () =>
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.make
      const context = yield* Layer.build(Dispatcher.layer().pipe(Layer.provide(Layer.succeed(PeerRegistry.PeerRegistry, registry))))
      const dispatcher = Context.get(context, Dispatcher.Dispatcher)
      const ours = standIn(1, { direct: true })
      const users = standIn(2, { direct: false })
      const full = standIn(3, { direct: true, refuses: true })
      const fullUsers = standIn(4, { direct: false, refuses: true })
      // A user's object made from one of our peers, with a send of its own: that send is used.
      const inner = standIn(5, { direct: true })
      const wrappedSent: Array<string> = []
      const wrapped = {
        ...inner.peer,
        send: (m: Frame.Sendable) => Effect.sync(() => void wrappedSent.push(Frame.messageOf(m)._tag))
      } as Peer.Peer
      for (const peer of [ours.peer, users.peer, full.peer, fullUsers.peer, wrapped]) {
        yield* Effect.forkScoped(registry.run(peer, { inbox: Stream.empty, address: NetAddress.fromHost(`127.0.0.${peer.id}`, 8333)!, manual: false }))
      }
      yield* Effect.yieldNow()
      expect((yield* registry.peers).length).toBe(5)

      expect(yield* dispatcher.broadcast(Message.Ping.make({ nonce: 1n }))).toBe(3)
      expect(ours.sent).toEqual(["Ping"])
      expect(users.sent).toEqual(["Ping"])
      expect(wrappedSent).toEqual(["Ping"])
      expect(inner.sent).toEqual([])

      expect(yield* dispatcher.broadcast(Message.Pong.make({ nonce: 2n }), (p) => p.id !== 1)).toBe(2)
      expect(ours.sent).toEqual(["Ping"])
      expect(users.sent).toEqual(["Ping", "Pong"])

      // An id not connected accepts nothing; a connected one is sent to once per time it is given
      // (ids are not deduplicated: 1 twice, 2 once; 3 and 4 refuse), by either path.
      expect(yield* dispatcher.sendToMany([1, 1, 9, 2, 3, 4], Message.Verack.make({}))).toBe(3)
      expect(ours.sent).toEqual(["Ping", "Verack", "Verack"])
      expect(users.sent).toEqual(["Ping", "Pong", "Verack"])
      expect(yield* dispatcher.sendToMany([2, 2], Message.Verack.make({}))).toBe(2)
      expect(users.sent).toEqual(["Ping", "Pong", "Verack", "Verack", "Verack"])
    }))

  it.scoped("the peers this package builds register their SendNow, which queues the message for the remote", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const sendNow = sendNowOf(peer)
      expect(sendNow).toBeDefined()
      expect(sendNow!(Frame.prepare(Message.Pong.make({ nonce: 42n })))).toBeUndefined()
      expect((yield* raw.nextOf("Pong")).nonce).toBe(42n)
      // An object a user makes from it does not inherit it.
      expect(sendNowOf({ ...peer })).toBeUndefined()
      // Nor one that has the peer as its prototype (its own `send` must be used).
      expect(sendNowOf(Object.create(peer))).toBeUndefined()
    }))
})
