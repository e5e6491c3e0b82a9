import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type { PeerError } from "../../peer/PeerError.js"
import { DirectWrite } from "./DirectWrite.js"
import { onMicrotask } from "./microtask.js"
import { copyInto, joined, type Pieces } from "./pieces.js"
import type { StallHandle } from "./core/Requests.js"

/** One encoded message waiting to be written. */
export interface Outgoing {
  /** The bytes: one array, or `Pieces` (a large v2 packet) written back to back. */
  readonly frame: Uint8Array | Pieces
  /** Undefined for bytes of the transport's own protocol (not a message). */
  readonly command: string | undefined
  /** The message's payload size, for the per-command counters. */
  readonly payloadSize: number
  /** Replies the remote owes (getdata: one per item); 0 when none. */
  readonly expects: number
  /** Told once the frame was handed to the socket (no argument), or why it never will be. */
  readonly written: ((error?: PeerError) => void) | undefined
  /** The stall deadline of a `request`, so that a request that gives up can withdraw it. */
  readonly stall?: StallHandle | undefined
}

export type { StallHandle } from "./core/Requests.js"

/**
 * Where the writer's bytes go: one write at a time; `true` when the socket took them at once
 * (`done` is not called), else `done` when it took them.
 */
interface Sink {
  readonly write: (bytes: Uint8Array | Pieces, done: (error: Socket.SocketError | undefined) => void) => boolean
  /** Abandons a write in progress (its `done` is not called). */
  readonly cancel: Effect.Effect<void>
}

/** No batch in flight. */
const NONE: ReadonlyArray<Outgoing> = []

/** The writer joins consecutive frames into one socket write up to this many bytes. */
const COALESCE_MAX = 64 * 1024

/**
 * The outbound side of a peer: frames in the order they were queued, written
 * one batch at a time. Nothing waits on an idle peer: a write starts when a
 * frame is queued, on the next microtask so that everything queued in one
 * synchronous run (say the pongs for a chunk of pings) goes out in one write.
 *
 * Writes go through the socket's Effect `writer`, each in a short-lived
 * fiber, unless the socket also offers a direct write (`DirectWrite`, as the
 * sockets of `NodeTransport` do), which takes no fiber at all: a parked
 * writer fiber costs kilobytes per connected peer, and a fiber per write was
 * most of the cost of a small message.
 *
 * The queue is a plain array, not an Effect `Queue`: nothing ever waits to
 * take from it, and frames are queued from synchronous code such as the
 * socket's data callback.
 *
 * @internal
 */
export class Writer {
  private queue: Array<Outgoing> = []
  /** The last batch's list, emptied, taken as the next queue (no new list per write). */
  private spare: Array<Outgoing> | undefined = undefined
  /** The batch being written, and how many of its frames the socket has taken so far. */
  private inFlight: ReadonlyArray<Outgoing> = NONE
  private inFlightWritten = 0
  /** The batch's writes (undefined: a batch of one frame, written as it is), and how many were started. */
  private writes: Array<Write> | undefined = undefined
  private started = 0
  private writing = false
  private stopped = false
  private readonly sink: Sink
  /** The sink writes directly: stopping takes no effect. */
  private readonly direct: boolean
  /** Bytes queued and not yet written. */
  queuedBytes = 0
  /** Frames queued and not yet written (each costs memory beyond its bytes: `Outbound.FRAME_OVERHEAD`). */
  queuedFrames = 0

  constructor(
    socket: Socket.Socket,
    write: (bytes: Uint8Array) => Effect.Effect<void, Socket.SocketError>,
    /** Starts an effect in a fiber of its own, at once. */
    runFork: (effect: Effect.Effect<void, Socket.SocketError>) => Fiber.RuntimeFiber<void, Socket.SocketError>,
    /** A batch was handed to the socket (the list is reused afterwards: not to be kept). */
    private readonly onWritten: (batch: ReadonlyArray<Outgoing>, bytes: number) => void,
    /** Writing failed; the writer stops (what is left is returned by `stop`). */
    private readonly onError: (cause: Socket.SocketError) => void
  ) {
    const direct = directSink(socket)
    this.direct = direct !== undefined
    this.sink = direct ?? effectSink(write, runFork)
  }

  push(o: Outgoing): void {
    this.queue.push(o)
    this.queuedBytes += o.frame.byteLength
    this.queuedFrames++
    if (this.writing || this.stopped) return
    this.writing = true
    onMicrotask(this.flush)
  }

  /**
   * Stops writing (abandoning a write in progress) and returns every frame
   * not known to be written, so their senders can be told.
   */
  readonly stop: Effect.Effect<ReadonlyArray<Outgoing>> = Effect.suspend(() => {
    this.stopped = true
    return this.sink.cancel
  }).pipe(Effect.map(() => this.takeUnwritten()))

  /** `stop`, synchronously, when the socket writes directly (no write fiber to cancel); else undefined. */
  stopNow(): ReadonlyArray<Outgoing> | undefined {
    if (!this.direct) return undefined
    this.stopped = true
    return this.takeUnwritten()
  }

  private takeUnwritten(): ReadonlyArray<Outgoing> {
    const out = [...this.inFlight.slice(this.inFlightWritten), ...this.queue]
    this.inFlight = NONE
    this.inFlightWritten = 0
    this.queue = []
    this.queuedBytes = 0
    this.queuedFrames = 0
    return out
  }

  /** Writes batch after batch while the socket takes each write at once; stops at a pending one. */
  private readonly flush = (): void => {
    while (!this.stopped) {
      if (this.queue.length === 0) {
        this.writing = false
        return
      }
      const batch = this.queue
      this.inFlight = batch
      this.inFlightWritten = 0
      this.queue = this.spare ?? []
      this.spare = undefined
      // A batch of one frame (a ping, a pong, a block) is written as it is: nothing to coalesce,
      // nothing allocated for it.
      this.writes = batch.length === 1 ? undefined : coalesce(batch)
      this.started = 0
      if (!this.writeBatch()) return
    }
  }

  /**
   * Starts the in-flight batch's writes in turn, reporting each the socket takes at once; true once
   * the whole batch is reported, false while a write is pending (its `written` goes on from there)
   * or once the writer stopped.
   */
  private writeBatch(): boolean {
    const writes = this.writes
    const count = writes === undefined ? 1 : writes.length
    while (this.started < count) {
      const bytes = writes === undefined ? this.inFlight[0]!.frame : writes[this.started]!.bytes
      this.started++
      if (!this.sink.write(bytes, this.written)) return false
      this.report()
      if (this.stopped) return false
    }
    // Every frame of the batch was reported (`onWritten` keeps no list): its list is the next spare.
    const done = this.inFlight as Array<Outgoing>
    done.length = 0
    this.spare = done
    this.inFlight = NONE
    this.inFlightWritten = 0
    this.writes = undefined
    return true
  }

  /**
   * The socket took the write started last. Each write reports its own frames: a failure later
   * in the batch hands back only the frames not known to be written.
   */
  private report(): void {
    const batch = this.inFlight
    const writes = this.writes
    const from = this.inFlightWritten
    const frames = writes === undefined ? 1 : writes[this.started - 1]!.frames
    const bytes = writes === undefined ? batch[0]!.frame.byteLength : writes[this.started - 1]!.bytes.byteLength
    this.inFlightWritten += frames
    this.queuedBytes -= bytes
    this.queuedFrames -= frames
    this.onWritten(frames === batch.length ? batch : batch.slice(from, this.inFlightWritten), bytes)
  }

  /** A pending write ended. One callback for every write (the sink writes one at a time), not a closure per write. */
  private readonly written = (error: Socket.SocketError | undefined): void => {
    if (this.stopped) return
    if (error !== undefined) {
      this.stopped = true
      return this.onError(error)
    }
    this.report()
    if (!this.stopped && this.writeBatch()) this.flush()
  }
}

/** One socket write: the bytes of `frames` consecutive queued frames. */
interface Write {
  readonly bytes: Uint8Array | Pieces
  readonly frames: number
}

/**
 * Consecutive small frames go out as one write (one syscall); a big one goes
 * as it is, so a batch of blocks is not first copied into one multi-megabyte buffer.
 */
const coalesce = (batch: ReadonlyArray<Outgoing>): Array<Write> => {
  if (batch.length === 1) return [{ bytes: batch[0]!.frame, frames: 1 }]
  const writes: Array<Write> = []
  for (let i = 0; i < batch.length;) {
    let j = i + 1
    let run = batch[i]!.frame.byteLength
    while (j < batch.length && run + batch[j]!.frame.byteLength <= COALESCE_MAX) run += batch[j++]!.frame.byteLength
    if (j - i === 1) writes.push({ bytes: batch[i]!.frame, frames: 1 })
    else {
      const bytes = new Uint8Array(run)
      const frames = j - i
      for (let at = 0; i < j; i++) {
        copyInto(bytes, batch[i]!.frame, at)
        at += batch[i]!.frame.byteLength
      }
      writes.push({ bytes, frames })
    }
    i = j
  }
  return writes
}

const directSink = (socket: Socket.Socket): Sink | undefined => {
  const direct = (socket as Partial<DirectWrite>)[DirectWrite]
  if (direct === undefined) return undefined
  // One write at a time: its `done` waits here, and the socket gets the same callback every time
  // (Node then also schedules one after-write tick for writes completed in the same tick).
  let pending: ((error: Socket.SocketError | undefined) => void) | undefined
  const taken = (cause?: Error | null): void => {
    const done = pending
    pending = undefined
    done?.(cause == null ? undefined : new Socket.SocketGenericError({ reason: "Write", cause }))
  }
  return {
    write: (bytes, done) => {
      pending = done
      if (!direct(bytes, taken)) return false
      pending = undefined
      return true
    },
    cancel: Effect.sync(() => void (pending = undefined))
  }
}

const effectSink = (
  write: (bytes: Uint8Array) => Effect.Effect<void, Socket.SocketError>,
  runFork: (effect: Effect.Effect<void, Socket.SocketError>) => Fiber.RuntimeFiber<void, Socket.SocketError>
): Sink => {
  let current: Fiber.RuntimeFiber<void, Socket.SocketError> | undefined
  return {
    write: (bytes, done): false => {
      // The Effect writer takes one array: pieces are joined for it.
      const fiber = runFork(write(joined(bytes)))
      current = fiber
      fiber.addObserver((exit) => {
        if (current === fiber) current = undefined
        if (Exit.isSuccess(exit)) return done(undefined)
        // Interrupted: cancelled by `stop`, whose caller reports what is left.
        if (Cause.isInterruptedOnly(exit.cause)) return
        const failure = Cause.failureOption(exit.cause)
        done(Option.isSome(failure) ? failure.value : new Socket.SocketGenericError({ reason: "Write", cause: Cause.squash(exit.cause) }))
      })
      return false
    },
    cancel: Effect.suspend(() => {
      const fiber = current
      current = undefined
      if (fiber === undefined) return Effect.void
      fiber.unsafeInterruptAsFork(FiberId.none)
      return Effect.asVoid(fiber.await)
    })
  }
}
