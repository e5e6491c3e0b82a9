/**
 * An independent Bitcoin Cash node for interop tests: bcash 1.1.1 (the bcoin
 * team's Bitcoin Cash full node, https://github.com/bcoin-org/bcash) run
 * in-process in regtest on 127.0.0.1, kept on loopback exactly as the bcoin
 * node is (see bcoinNode.ts for why each switch is needed): `memory: true`,
 * `workers: false`, no seeds, no outbound, no UPnP, no DNS, no external
 * address discovery, and a `createSocket` that refuses anything off
 * loopback. bcash's database binding (`bdb`) is a native addon; it runs in
 * memory here.
 *
 *   const bch = await startBcash({ blocks: 300 })
 *   // connect to bch.host:bch.port with ChainParams.bchRegtest …
 *   await bch.stop()
 *
 * or `yield* bcashScoped({ blocks: 300 })` inside an Effect.
 *
 * bcash's regtest is BCHN's: magic dab5bffa on the wire (`0xfabfb5da` read
 * little-endian), Bitcoin regtest's genesis, no segwit. It speaks protocol
 * version 70015.
 *
 * @internal test support, not part of the library
 */
import { createRequire } from "node:module"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { freePort, fromRevHex, lockDownPool, loopbackNodeOptions } from "./bcoinNode.js"

const require = createRequire(import.meta.url)

/** bcash has no type declarations; it is used through `any`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bcash = any

let bcashModule: Bcash | undefined
/** Loads bcash lazily, with the pure-JS crypto backend unless one is set. */
export const loadBcash = (): Bcash => {
  if (bcashModule === undefined) {
    process.env.NODE_BACKEND ??= "js"
    bcashModule = require("bcash")
  }
  return bcashModule
}

export interface StartOptions {
  /** Blocks to mine before returning (default 0). */
  readonly blocks?: number
  /** bcash log level: "none" (default), "error", "warning", "info", "debug", "spam". */
  readonly logLevel?: string
}

export interface Spend {
  /** Internal byte order, as on the wire. */
  readonly txid: Uint8Array
  /** The bcash TX object. */
  readonly tx: Bcash
}

export interface BcashNode {
  readonly host: string
  readonly port: number
  readonly node: Bcash
  /** Mines `n` blocks on the tip (mempool transactions included); returns their hashes, internal byte order. */
  mine(n: number): Promise<Array<Uint8Array>>
  bestHash(): Uint8Array
  height(): number
  /** Puts a P2PKH spend of the oldest mature coinbase into the mempool (needs height >= 101). */
  addSpend(): Promise<Spend>
  /** Inbound peers bcash holds (bcash Peer objects). */
  peers(): Array<Bcash>
  /** Hosts bcash banned (as `host` strings). */
  banned(): Array<string>
  stop(): Promise<void>
}

/** Starts a bcash regtest node on 127.0.0.1 and mines `blocks` blocks. */
export const startBcash = async (options: StartOptions = {}): Promise<BcashNode> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort())
    } catch (e) {
      if (attempt >= 3 || (e as { code?: string }).code !== "EADDRINUSE") throw e
    }
  }
}

const startOnce = async (options: StartOptions, p2pPort: number): Promise<BcashNode> => {
  const bcash = loadBcash()

  const node: Bcash = new bcash.FullNode(loopbackNodeOptions("bcash", p2pPort, options.logLevel))
  lockDownPool("bcash", node)
  const pool = node.pool

  await node.open()
  let port = 0
  let stopped = false
  try {
    await pool.connect()
    port = pool.server.address().port
    const bound = pool.server.address().address
    if (bound !== "127.0.0.1") throw new Error(`bcash test node: P2P bound to ${bound}`)
  } catch (e) {
    await node.close().catch(() => {})
    throw e
  }

  const key: Bcash = bcash.KeyRing.generate()
  const address = key.getAddress()
  const coinbases: Array<Bcash> = []
  let nextToSpend = 0

  const mine = async (n: number): Promise<Array<Uint8Array>> => {
    const hashes: Array<Uint8Array> = []
    for (let i = 0; i < n; i++) {
      const block = await node.miner.mineBlock(node.chain.tip, address)
      await node.chain.add(block)
      coinbases.push(block.txs[0])
      hashes.push(fromRevHex(block.rhash()))
    }
    return hashes
  }

  const addSpend = async (): Promise<Spend> => {
    const height: number = node.chain.height
    const maturity: number = node.network.coinbaseMaturity
    if (nextToSpend + 1 + maturity > height) throw new Error(`no mature coinbase (height ${height})`)
    const cb = coinbases[nextToSpend]
    if (cb === undefined) throw new Error("coinbase not mined by this helper")
    const coin = bcash.Coin.fromTX(cb, 0, nextToSpend + 1)
    nextToSpend++
    const mtx = new bcash.MTX()
    mtx.addCoin(coin)
    const other = bcash.KeyRing.generate()
    const value: number = coin.value
    mtx.addOutput(other.getAddress(), Math.floor((value - 20_000) / 2))
    mtx.addOutput(other.getAddress(), value - 20_000 - Math.floor((value - 20_000) / 2))
    const signed = mtx.sign(key)
    if (signed !== 1) throw new Error(`signed ${signed} inputs`)
    const tx = mtx.toTX()
    await node.mempool.addTX(tx)
    return { txid: fromRevHex(tx.txid()), tx }
  }

  const peers = (): Array<Bcash> => {
    const out: Array<Bcash> = []
    for (let p = pool.peers.head(); p; p = p.next) out.push(p)
    return out
  }

  const banned = (): Array<string> => Array.from(pool.hosts.banned.keys()) as Array<string>

  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    await node.close()
  }

  if ((options.blocks ?? 0) > 0) {
    try {
      await mine(options.blocks!)
    } catch (e) {
      await stop()
      throw e
    }
  }

  return {
    host: "127.0.0.1",
    port,
    node,
    mine,
    bestHash: () => fromRevHex(node.chain.tip.rhash()),
    height: () => node.chain.height,
    addSpend,
    peers,
    banned,
    stop
  }
}

/** `startBcash` as a scoped Effect: the node stops when the scope closes. */
export const bcashScoped = (options: StartOptions = {}): Effect.Effect<BcashNode, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => startBcash(options), catch: (e) => (e instanceof Error ? e : new Error(String(e))) }),
    (bch) => Effect.promise(() => bch.stop())
  )
