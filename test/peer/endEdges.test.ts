/**
 * Edges of a peer's end that a user can reach: a subscription made in a
 * scope that is already closed is no subscription (it ends at once rather
 * than buffering until its byte bound cuts it off), and a transport whose
 * close dies still lets the peer end: the scope's close returns, and
 * everyone waiting learns the reason.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Socket from "@effect/platform/Socket"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"

const config = () => ({ params: ChainParams.regtest, nonceRegistry: PeerConfig.makeNonceRegistry() })

describe("a peer's end, at its edges", () => {
  it.live("a subscription made in a closed scope ends at once and takes nothing", () =>
    Effect.gen(function*() {
      const [a, b] = yield* MemorySocket.makePair()
      const [pa, pb] = yield* Effect.all([
        Peer.make(a, { direction: "outbound", config: config() }),
        Peer.make(b, { direction: "inbound", config: config() })
      ], { concurrency: 2 })
      const closed = yield* Scope.make()
      yield* Scope.close(closed, Exit.void)
      const late = yield* Scope.extend(pb.subscribe("Inv"), closed)
      // A live subscription beside it, to know when the inv has arrived.
      const live = yield* pb.subscribe("Inv")
      yield* pa.send(Message.Inv.make({ inventory: [{ type: 1, hash: new Uint8Array(32) }] }))
      expect(Chunk.size(yield* Stream.runCollect(Stream.take(live, 1)))).toBe(1)
      const got = yield* Effect.timeout(Stream.runCollect(late), "5 seconds").pipe(Effect.option)
      expect(Option.map(got, Chunk.size)).toEqual(Option.some(0))
    }).pipe(Effect.scoped))

  it.live("a transport whose close dies: the scope's close still returns, and awaitDisconnect settles", () =>
    Effect.gen(function*() {
      const [plain, b] = yield* MemorySocket.makePair()
      // An Effect socket with no direct close, whose writer dies on the close event (a transport's bug).
      const a: Socket.Socket = {
        [Socket.TypeId]: Socket.TypeId,
        run: plain.run,
        runRaw: plain.runRaw,
        writer: Effect.map(plain.writer, (write) => (chunk: Uint8Array | string | Socket.CloseEvent) =>
          Socket.isCloseEvent(chunk) ? Effect.dieMessage("writer bug") : write(chunk))
      }
      const scope = yield* Scope.make()
      const [pa] = yield* Effect.all([
        Scope.extend(Peer.make(a, { direction: "outbound", config: config() }), scope),
        Peer.make(b, { direction: "inbound", config: config() })
      ], { concurrency: 2 })
      // `disconnect`: a close that hangs uninterruptibly must fail the test, not hang it.
      const close = yield* Effect.timeout(Effect.disconnect(Effect.exit(Scope.close(scope, Exit.void))), "5 seconds").pipe(Effect.option)
      expect(Option.isSome(close)).toBe(true)
      const reason = yield* Effect.timeout(Effect.disconnect(pa.awaitDisconnect), "5 seconds").pipe(Effect.option)
      expect(Option.map(reason, (r) => r._tag)).toEqual(Option.some("Shutdown"))
    }).pipe(Effect.scoped))
})
