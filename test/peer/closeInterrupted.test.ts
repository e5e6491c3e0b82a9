import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ChainParams from "../../src/wire/ChainParams.js"

/**
 * A scheduler that makes the fiber closing the scope yield at the first
 * chance after the close began (the step after the peer's finalizer ended
 * the peer), and interrupts it while it is parked there: the worst moment
 * for a closing fiber that is interruptible (a user's `Scope.close`).
 */
const yieldThenInterrupt = () => {
  const state = { closing: false, armed: false, yielded: false, tasks: 0, closer: undefined as Fiber.RuntimeFiber<unknown, unknown> | undefined }
  const scheduler: Scheduler.Scheduler = {
    scheduleTask(task) {
      if (state.closing && ++state.tasks === 1) state.armed = true
      else if (state.yielded && state.closer !== undefined) {
        state.yielded = false
        state.closer.unsafeInterruptAsFork(FiberId.none)
      }
      setTimeout(task, 0)
    },
    shouldYield(fiber) {
      if (state.armed && fiber === state.closer) {
        state.armed = false
        state.yielded = true
        return 0
      }
      return fiber.currentOpCount > 2048 ? 0 : false
    }
  }
  return { state, scheduler }
}

describe("closing a peer's scope from a fiber that is interrupted meanwhile", () => {
  it.live("still cleans the peer up: awaitDisconnect settles and the socket is closed", () =>
    Effect.gen(function*() {
      const [ours, theirs] = yield* MemorySocket.makePair()
      const scope = yield* Scope.make()
      const peer = yield* Scope.extend(
        Peer.start(ours, { direction: "outbound", config: { params: ChainParams.regtest, nonceRegistry: PeerConfig.makeNonceRegistry() } }),
        scope
      )
      const { state, scheduler } = yieldThenInterrupt()
      // Someone waits for the handshake (a waiter the cleanup must resume), on the same scheduler.
      yield* Effect.fork(Effect.exit(peer.handshake).pipe(Effect.withScheduler(scheduler)))
      yield* Effect.sleep("20 millis")
      state.closing = true
      const closer = Effect.runFork(
        Effect.withFiberRuntime<void>((fiber) => {
          state.closer = fiber
          return Scope.close(scope, Exit.void)
        }).pipe(Effect.withScheduler(scheduler))
      )
      yield* Fiber.await(closer)
      // The peer ended (Shutdown) and its cleanup ran, whether or not the closer got to finish.
      const settled = yield* Effect.timeout(peer.awaitDisconnect, "5 seconds").pipe(Effect.option)
      expect(Option.isSome(settled)).toBe(true)
      expect((yield* peer.disconnectReason)?._tag).toBe("Shutdown")
      // Our end of the socket was closed: the remote's read ends.
      const remoteEnded = yield* Effect.timeout(theirs.run(() => {}), "5 seconds").pipe(Effect.either)
      expect(remoteEnded._tag).toBe("Right")
    }))
})
