import type * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRefs from "effect/FiberRefs"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import { DisconnectReason } from "../../peer/DisconnectReason.js"
import type { PeerCore } from "./core/PeerCore.js"
import type { Step } from "./core/Recurring.js"
import type { DirectRead } from "./DirectWrite.js"
import { spacingOf } from "./plainSchedule.js"
import type { Reader } from "./Reader.js"

/**
 * The socket's read loop: chunks go to the reader; how the loop ends becomes
 * an event for the core. The remote closing (an orderly end, a close, a
 * reset while reading) counts once what it sent before was handled; any
 * other socket failure is a `SocketError`; interruption is the cleanup's.
 *
 * @internal
 */
export const readLoop = (
  socket: Socket.Socket,
  reader: Reader,
  core: Pick<PeerCore<never>, "remoteClosed" | "end">,
  setOpen: (open: boolean) => void
): Effect.Effect<void> =>
  socket.run(reader.onChunk, { onOpen: Effect.sync(() => setOpen(true)) }).pipe(
    Effect.ensuring(Effect.sync(() => setOpen(false))),
    Effect.matchCause({
      onSuccess: () => readEnded(reader, core, Exit.void),
      onFailure: (cause) => readEnded(reader, core, Exit.failCause(cause))
    })
  )

/**
 * The same loop over a socket's `DirectRead`, with no fiber: returns the
 * function that stops it (the cleanup's interruption).
 *
 * @internal
 */
export const directReadLoop = (
  read: DirectRead[typeof DirectRead],
  runFork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>,
  reader: Reader,
  core: Pick<PeerCore<never>, "remoteClosed" | "end">,
  setOpen: (open: boolean) => void
): () => void => {
  setOpen(true)
  const stop = read(reader.onChunk, runFork, (exit) => {
    setOpen(false)
    readEnded(reader, core, exit)
  })
  return () => {
    setOpen(false)
    stop()
  }
}

/** How a read loop ended, as an event for the core (see `readLoop`). */
const readEnded = (
  reader: Reader,
  core: Pick<PeerCore<never>, "remoteClosed" | "end">,
  exit: Exit.Exit<void, Socket.SocketError>
): void => {
  if (Exit.isSuccess(exit)) return reader.whenDrained(() => core.remoteClosed())
  const cause = exit.cause
  const error = Chunk.head(Cause.failures(cause))
  if (Option.isNone(error)) {
    // Interrupted: the cleanup stops the read fiber. Anything else is a defect in the socket.
    if (!Cause.isInterruptedOnly(cause)) core.end(DisconnectReason.Defect({ cause: Cause.squash(cause) }))
  } else if (error.value.reason === "Close" || isConnectionReset(error.value)) {
    const reset = isConnectionReset(error.value)
    reader.whenDrained(() => core.remoteClosed(reset))
  } else core.end(DisconnectReason.SocketError({ cause: error.value }))
}

/** The default services' `Random`: where it is the fiber's, a plain `Math.random` draw stands for it (see `stepper`, and `make.ts`'s `start`). @internal */
export const liveRandom = Context.get(DefaultServices.liveServices, Random.Random)

const randomOf = (runtime: Runtime.Runtime<never>): Random.Random =>
  Context.get(FiberRefs.getOrDefault(runtime.fiberRefs, DefaultServices.currentServices), Random.Random)

/**
 * Steps `schedule` for the core, as a loop over `Schedule.driver` would (the
 * next recurrence starts then; done: none). Runs in the peer's runtime, so a
 * jittered schedule draws from its `Random`.
 *
 * A spacing (`plainSchedule.spaced`: the default ping and trickle schedules)
 * is stepped without an effect, and is `immediate`: the core takes such a
 * step when it comes due rather than on the next timer turn. Its jitter
 * draws from `Math.random` where the runtime's `Random` is the default
 * services' one (itself seeded from `Math.random`); under any other `Random`
 * a jittered spacing is stepped by Effect, drawing from it.
 *
 * @internal
 */
export const stepper = (
  runtime: Runtime.Runtime<never>,
  schedule: Schedule.Schedule<unknown>,
  /** The runtime's `Random` (the engine has it at hand). */
  random?: Random.Random
): Step => {
  const spacing = spacingOf(schedule)
  if (spacing !== undefined && (!spacing.draws || (random ?? randomOf(runtime)) === liveRandom)) return spacing.step
  let state = schedule.initial
  const run = Runtime.runSync(runtime)
  return (t: number): number | undefined => {
    const [next, , decision] = run(schedule.step(t, undefined, state))
    state = next
    return ScheduleDecision.isDone(decision) ? undefined : ScheduleIntervals.start(decision.intervals)
  }
}

/**
 * Why a failed write ends the peer: the remote resetting the connection
 * (`RemoteReset`), or our transport failing (`SocketError`).
 *
 * @internal
 */
export const writeFailure = (error: Socket.SocketError): DisconnectReason => {
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return error.reason === "Write" && (code === "ECONNRESET" || code === "EPIPE")
    ? DisconnectReason.RemoteReset({ code })
    : DisconnectReason.SocketError({ cause: error })
}

/**
 * A TCP reset while reading: the remote closed with our bytes still unread in
 * its buffer (what a peer's own `disconnect` does when data is in flight), or
 * aborted. That is the remote closing the connection, like an orderly FIN
 * (`RemoteClosed`, flagged `reset`).
 */
const isConnectionReset = (error: Socket.SocketError): boolean =>
  error.reason === "Read" && (error.cause as { readonly code?: unknown } | undefined)?.code === "ECONNRESET"
