/**
 * bcoin's peer pair, the peer-level reference: two bcoin 1.0.2 `Peer`s
 * (`net/peer.js`: its framer and parser, native hashing when the addon
 * loads, its per-packet lock and socket pause/resume) over loopback TCP in
 * this process, driven as the shared harness (`bench-peer.mjs`) drives them:
 *   - sequential ping: `sendPing()` again on every `pong` packet;
 *   - one-way tx flood: a parsed transaction sent as a `TXPacket` 256 at a
 *     time (`tx.refresh()` first, so bcoin serializes and hashes it on every
 *     send, as the harness does), draining between batches, counted from the
 *     receiver's `packet` events;
 *   - one-way blocks: a parsed block sent as a `BlockPacket` (bcoin frames
 *     and hashes it on every send; its serialization is cached from the
 *     parse, as ours is by `Frame.prepare`), `window` in flight, counted
 *     from the receiver's `packet` events (bcoin parses a received block as a
 *     lazy `MemBlock`, as ours decodes one lazily).
 */
import * as net from "node:net"
import { once } from "node:events"
import { bcoinRequire } from "./bcoin.js"
import { now } from "./loopback.js"
import { batchFlood, windowLoop } from "./pairLoops.js"

/** What the peer bench drives. */
export interface BcoinPeerPair {
  /** Sequential ping round trips per second over `durationMs`. */
  readonly ping: (durationMs: number) => Promise<number>
  /** One-way transactions per second over `durationMs` (batches of 256, draining between), counted on receipt. */
  readonly flood: (durationMs: number) => Promise<number>
  /** One-way blocks per second over `durationMs`, `window` in flight. */
  readonly blocks: (durationMs: number, window: number) => Promise<number>
  readonly close: () => void
}

interface BcoinPacket {
  readonly type: number
}

interface BcoinPeer {
  on(event: "packet", f: (p: BcoinPacket) => void): void
  on(event: "error", f: (e: Error) => void): void
  open(): Promise<void>
  send(packet: unknown): void
  drain(): Promise<void>
  readonly drainSize: number
  sendPing(): void
  destroy(): void
  readonly handshake: boolean
}

/**
 * Connects two bcoin peers over 127.0.0.1 and waits for their handshake;
 * `blockPayload` is the block they send, `txPayload` the transaction.
 */
export const make = async (blockPayload: Uint8Array, txPayload?: Uint8Array): Promise<BcoinPeerPair> => {
  const Peer = bcoinRequire("bcoin/lib/net/peer")
  const NetAddress = bcoinRequire("bcoin/lib/net/netaddress")
  const packets = bcoinRequire("bcoin/lib/net/packets")
  const Block = bcoinRequire("bcoin/lib/primitives/block")
  const block = Block.fromRaw(Buffer.from(blockPayload))
  const TX = bcoinRequire("bcoin/lib/primitives/tx")
  const tx = txPayload === undefined ? block.txs[1] : TX.fromRaw(Buffer.from(txPayload))

  let inbound: BcoinPeer | undefined
  const server = net.createServer((socket) => {
    const peer: BcoinPeer = Peer.fromInbound(Peer.fromOptions({ network: "main" }).options, socket)
    peer.on("error", () => {})
    peer.open().catch(() => {})
    inbound = peer
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const port = (server.address() as net.AddressInfo).port
  const outbound: BcoinPeer = Peer.fromOutbound(
    Peer.fromOptions({ network: "main" }).options,
    NetAddress.fromHostname(`127.0.0.1:${port}`, "main")
  )
  outbound.on("error", () => {})
  await outbound.open()
  const deadline = now() + 10_000
  while (inbound === undefined || !inbound.handshake) {
    if (now() > deadline) throw new Error("bcoin peers did not complete their handshake in 10 s")
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const remote = inbound

  let onPong: (() => void) | undefined
  let onBlock: (() => void) | undefined
  const flood = batchFlood(
    () => {
      for (let i = 0; i < 256; i++) {
        tx.refresh()
        outbound.send(new packets.TXPacket(tx, true))
      }
    },
    () => (outbound.drainSize > 0 ? outbound.drain() : undefined)
  )
  outbound.on("packet", (p) => {
    if (p.type === packets.types.PONG) onPong?.()
  })
  remote.on("packet", (p) => {
    if (p.type === packets.types.BLOCK) onBlock?.()
    else if (p.type === packets.types.TX) flood.arrived()
  })

  return {
    ping: (durationMs) =>
      new Promise((resolve) => {
        const start = now()
        let done = 0
        onPong = () => {
          done++
          if (now() - start < durationMs) return outbound.sendPing()
          onPong = undefined
          resolve((done * 1000) / (now() - start))
        }
        outbound.sendPing()
      }),
    flood: flood.loop,
    blocks: (durationMs, window) =>
      windowLoop(() => outbound.send(new packets.BlockPacket(block, true)), (arrived) => (onBlock = arrived), window)(durationMs),
    close: () => {
      outbound.destroy()
      remote.destroy()
      server.close()
    }
  }
}
