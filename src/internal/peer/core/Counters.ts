import type { CommandCounters } from "../../../peer/Peer.js"

interface Counter {
  messages: number
  bytes: number
}

const bump = (table: Map<string, Counter>, command: string, bytes: number): void => {
  const c = table.get(command)
  if (c === undefined) table.set(command, { messages: 1, bytes })
  else {
    c.messages++
    c.bytes += bytes
  }
}

const snapshot = (table: Map<string, Counter>): Record<string, CommandCounters> => {
  const out: Record<string, CommandCounters> = {}
  for (const [k, v] of table) out[k] = { messages: v.messages, bytes: v.bytes }
  return out
}

/**
 * Traffic counters of one peer: bytes each way, per command, and when
 * something last went each way. Plain data, fed by the core's events.
 *
 * @internal
 */
export class Counters {
  bytesSent = 0
  bytesReceived = 0
  lastSend: number | undefined = undefined
  lastReceive: number | undefined = undefined
  private readonly sent = new Map<string, Counter>()
  private readonly received = new Map<string, Counter>()

  /** `bytes` were read from the socket (headers, a v2 handshake, tags and all). */
  onRead(bytes: number): void {
    this.bytesReceived += bytes
  }

  /** A message arrived at `now`. */
  onReceived(command: string, payloadSize: number, now: number): void {
    this.lastReceive = now
    bump(this.received, command, payloadSize)
  }

  /** A batch of `bytes` was handed to the socket at `now`. */
  onWrote(bytes: number, now: number): void {
    this.bytesSent += bytes
    this.lastSend = now
  }

  /** One message of that batch. */
  onSent(command: string, payloadSize: number): void {
    bump(this.sent, command, payloadSize)
  }

  sentByCommand(): Record<string, CommandCounters> {
    return snapshot(this.sent)
  }

  receivedByCommand(): Record<string, CommandCounters> {
    return snapshot(this.received)
  }
}
