/**
 * One connection's memory of the checksums of its last 8-byte payloads: the
 * one it framed (sent) and the one its decoder hashed (received: a frame
 * whose checksum then fails ends the decoder anyway). A pong
 * echoes its ping's nonce (BIP-0031), so its payload, and with it its
 * checksum, is the ping's: the peer that answers frames a payload it has just
 * verified, and the peer that pinged receives one it has just framed. Each
 * skips one double SHA-256 (two compressions, most of the cost of framing or
 * checking a ping-sized message).
 *
 * Only the other direction's slot is ever consulted: the encoder trusts what
 * the decoder hashed, the decoder what the encoder framed. A decoder fed
 * the same frame over and over (a codec benchmark) hashes every one of them,
 * as it must for bytes it never sent; and nothing is shared between
 * connections. A hit needs all 8 bytes equal, so the checksum it gives is
 * exactly the one hashing would give.
 *
 * @internal
 */
import { checksumWordFrom } from "./checksum.js"

/** The payload size this memory is for: a ping's or a pong's nonce (also `feefilter`'s). */
export const ECHO_SIZE = 8

const wordAt = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)

/** One direction's last 8-byte payload (as two little-endian words) and its checksum. */
interface Slot {
  lo: number
  hi: number
  sum: number
  set: boolean
}

const emptySlot = (): Slot => ({ lo: 0, hi: 0, sum: 0, set: false })

/**
 * The checksum of the 8 bytes at `b[o, o + 8)` (the array's end), taken from
 * `other` when it holds the same bytes; remembered in `own`.
 */
const checksumVia = (b: Uint8Array, o: number, own: Slot, other: Slot): number => {
  const lo = wordAt(b, o)
  const hi = wordAt(b, o + 4)
  const sum = other.set && lo === other.lo && hi === other.hi ? other.sum : checksumWordFrom(b, o)
  own.lo = lo
  own.hi = hi
  own.sum = sum
  own.set = true
  return sum
}

/** @internal */
export class EchoChecksums {
  private readonly sent = emptySlot()
  private readonly lastReceived = emptySlot()

  /** The checksum of the payload `frame[start, start + 8)` (the frame's end) being framed: the received one's if equal. */
  framed(frame: Uint8Array, start: number): number {
    return checksumVia(frame, start, this.sent, this.lastReceived)
  }

  /** The checksum of a received 8-byte payload, to check the header's against: the sent one's if equal. */
  received(payload: Uint8Array): number {
    return checksumVia(payload, 0, this.lastReceived, this.sent)
  }
}
