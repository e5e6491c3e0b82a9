/**
 * A socket with the direct capabilities of `NodeTransport`'s (`DirectWrite`,
 * `DirectClose`), so a peer over it takes the paths it takes over TCP; it
 * keeps every write and never delivers anything.
 */
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { DirectClose, DirectWrite } from "../../src/internal/peer/DirectWrite.js"
import { joined, type Pieces } from "../../src/internal/peer/pieces.js"
import * as Peer from "../../src/peer/Peer.js"

/** A socket that takes every direct write at once and keeps it; nothing ever arrives. */
export const recordingSocket = () => {
  const writes: Array<Uint8Array> = []
  const socket: Socket.Socket & DirectWrite & DirectClose = {
    [Socket.TypeId]: Socket.TypeId,
    run: () => Effect.never,
    runRaw: () => Effect.never,
    writer: Effect.dieMessage("a peer over a direct socket never asks for the writer"),
    [DirectWrite]: (bytes: Uint8Array | Pieces) => {
      writes.push(joined(bytes).slice())
      return true
    },
    [DirectClose]: () => {}
  }
  return { socket, writes }
}


/**
 * The first bytes a peer started with `options` over a recording socket
 * writes (an outbound v1 peer's: its `version` frame); the peer is closed
 * before this returns.
 */
export const firstWrite = (options: Peer.PeerOptions): Effect.Effect<Uint8Array> =>
  Effect.gen(function*() {
    const { socket, writes } = recordingSocket()
    const scope = yield* Scope.make()
    yield* Scope.extend(Peer.start(socket, options), scope)
    // The version is queued at start; its write happens once the fiber yields.
    for (let i = 0; i < 100 && writes.length === 0; i++) yield* Effect.yieldNow()
    yield* Scope.close(scope, Exit.void)
    if (writes.length === 0) return yield* Effect.dieMessage("the peer wrote nothing")
    return writes[0]!
  })
