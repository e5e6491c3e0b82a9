/**
 * An independent Bitcoin node for interop tests: bcoin (JavaScript full node,
 * https://github.com/bcoin-org/bcoin) run in-process on regtest, listening on
 * 127.0.0.1 only.
 *
 *   const btc = await startBcoin({ blocks: 2500 })
 *   // connect a socket to btc.host:btc.port …
 *   await btc.stop()
 *
 * or, inside an Effect: `yield* bcoinScoped({ blocks: 2500 })` (stopped when
 * the scope closes).
 *
 * Loopback only — how it is kept there (bcoin 1.0.2, lib/net/pool.js and
 * lib/node/fullnode.js):
 * - `host: "127.0.0.1"` for P2P and `httpHost: "127.0.0.1"` for the HTTP RPC,
 *   P2P on a port found free by binding port 0 first (bcoin's host list
 *   rejects port 0), HTTP on port 0 (read back after listening), so two test
 *   files running in parallel never collide.
 * - `memory: true` (in-memory DB, no files), `workers: false` (no child
 *   processes), `seeds: []` and `nodes: []`: bcoin's regtest default seed is
 *   `127.0.0.1:48444`, which could reach another test's node.
 * - `maxOutbound: 0` is rejected by bcoin (`assert(options.maxOutbound > 0)`),
 *   so outbound is switched off on the pool instance instead: `fillOutbound`,
 *   `refill` and `addLoader` become no-ops before the pool starts. `Pool#connect`
 *   would also call `discoverGateway` (UPnP; off unless `upnp: true`, set false
 *   anyway), `discoverExternal` (asks public DNS servers for our public IPv4
 *   and IPv6 via bdns whenever listening without a proxy and no routable local
 *   address is known — there is NO option to turn this off, `publicHost` does
 *   not stop it) and `discoverSeeds` (DNS). All three are replaced with no-ops.
 * - Belt and braces: `createSocket` and the pool's / host list's `resolve`
 *   throw for anything but a loopback address, so even a code path missed
 *   above cannot open a socket or make a DNS query off the machine.
 *
 * Timings measured on the 2-core CI box (Node 20, NODE_BACKEND=js):
 * - start (construct + open + listen): ~0.3 s, almost all of it the first
 *   `require("bcoin")`; a second node in the same process starts in ~10 ms.
 * - stop: a few ms.
 * - mining: `miner.mineBlock(tip, address)` + `chain.add(block)` with full
 *   validation: ~0.8 ms per block, 2,500 blocks in ~2.1 s (up to ~4.5 s
 *   when the machine is busy). Skipping
 *   validation (`chain.add(block, VERIFY_NONE)`) only saves ~15% (1.7 s), so
 *   blocks are fully validated. The native crypto backend makes no measurable
 *   difference (template building and chain writes dominate, not hashing).
 *   Regtest difficulty is the minimum: a nonce is found in a couple of tries.
 *
 * @internal test support, not part of the library
 */
import { createRequire } from "node:module"
import * as net from "node:net"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

const require = createRequire(import.meta.url)

/** bcoin has no type declarations; it is used through `any`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bcoin = any

/**
 * Loads a bcoin-family package (`bcoin`, `bcash`) lazily, once, with the
 * pure-JS crypto backend unless one is set.
 */
export const lazyRequire = (name: string): (() => Bcoin) => {
  let loaded: Bcoin | undefined
  return () => {
    if (loaded === undefined) {
      process.env.NODE_BACKEND ??= "js"
      loaded = require(name)
    }
    return loaded
  }
}

/** Loads bcoin (about 250 ms on first use). */
export const loadBcoin = lazyRequire("bcoin")

export interface StartOptions {
  /** Blocks to mine before returning (default 0). Past ~431 segwit is active. */
  readonly blocks?: number
  /** bcoin log level: "none" (default), "error", "warning", "info", "debug", "spam". */
  readonly logLevel?: string
}

export interface WitnessSpend {
  /** Internal byte order, as on the wire. */
  readonly txid: Uint8Array
  readonly wtxid: Uint8Array
  /** The bcoin TX object. */
  readonly tx: Bcoin
}

export interface BcoinNode {
  /** Always "127.0.0.1". */
  readonly host: string
  /** P2P port on 127.0.0.1 (stable across `restart`). */
  readonly port: number
  /** HTTP RPC port on 127.0.0.1 (no auth: bcoin allows that on loopback). */
  readonly rpcPort: number
  /** The bcoin FullNode (chain, mempool, miner, pool, rpc are all reachable). */
  readonly node: Bcoin
  /** The key every coinbase pays to (P2WPKH), so coinbases can be spent with a witness. */
  readonly key: Bcoin
  /** Mines `n` blocks on the tip (mempool transactions included); returns their hashes, internal byte order. */
  mine(n: number): Promise<Array<Uint8Array>>
  /** Best block hash, internal byte order (bcoin's `chain.tip.hash` is the same as a hex string). */
  bestHash(): Uint8Array
  /** Chain height. */
  height(): number
  /**
   * Puts a segwit transaction into the mempool: spends the oldest unspent
   * mature coinbase (a P2WPKH output, so the input carries a witness) to a
   * P2WPKH, a P2WSH and a P2PKH output. Needs height >= 101. The next `mine`
   * includes it.
   */
  addWitnessTx(): Promise<WitnessSpend>
  /** Inbound peers bcoin currently holds (bcoin Peer objects). */
  peers(): Array<Bcoin>
  /** Stops the node: drops peers, closes both listeners, closes the chain. Idempotent. */
  stop(): Promise<void>
  /**
   * Restarts the P2P side: every peer is dropped and the listener closed, then
   * it listens again on the same port. Chain and mempool are kept (an
   * in-memory chain would not survive a full restart).
   */
  restart(): Promise<void>
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"])

const refuse = (name: string, what: string) => (...args: ReadonlyArray<unknown>): never => {
  throw new Error(`${name} test node: refused ${what} ${JSON.stringify(args)} (loopback only)`)
}

/** Display-order hex (bcoin 1.0's `rhash()`, `txid()`) to internal byte order. */
export const fromRevHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, "hex").reverse())

/** Internal byte order to display-order hex. (bcoin 1.0's `hash` fields are internal-order hex strings.) */
export const toRevHex = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString("hex")

const isLoopback = (host: unknown): boolean => typeof host === "string" && LOOPBACK.has(host)

/**
 * Starts a bcoin regtest full node on 127.0.0.1 and mines `blocks` blocks.
 */
export const startBcoin = (options: StartOptions = {}): Promise<BcoinNode> => onFreePort((port) => startOnce(options, port))

/**
 * Runs `start` on a free loopback port. bcoin's host list rejects port 0, so
 * a free port is found first; another process could take it in between,
 * hence the retry on EADDRINUSE.
 */
export const onFreePort = async <A>(start: (port: number) => Promise<A>): Promise<A> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort())
    } catch (e) {
      if (attempt >= 3 || (e as { code?: string }).code !== "EADDRINUSE") throw e
    }
  }
}

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))))
    })
  })

/**
 * FullNode options for a bcoin-family node (bcoin, bcash) that listens on
 * 127.0.0.1 only, keeps everything in memory and may open loopback
 * connections only.
 */
export const loopbackNodeOptions = (name: string, p2pPort: number, logLevel: string | undefined) => {
  const tcp = require("btcp")
  return {
    network: "regtest",
    memory: true,
    workers: false,
    logLevel: logLevel ?? "none",
    logConsole: logLevel !== undefined && logLevel !== "none",
    listen: true,
    host: "127.0.0.1",
    port: p2pPort,
    publicHost: "127.0.0.1",
    publicPort: p2pPort,
    maxOutbound: 1,
    maxInbound: 16,
    seeds: [],
    nodes: [],
    upnp: false,
    httpHost: "127.0.0.1",
    httpPort: 0,
    createSocket: (port: number, host: string) => {
      if (!isLoopback(host)) return refuse(name, "outbound connection to")(host, port)
      return tcp.createSocket(port, host)
    }
  }
}

/** No outbound peers, no discovery, no DNS (see the module comment); fails unless bound to 127.0.0.1. */
export const lockDownPool = (name: string, node: Bcoin): void => {
  const pool = node.pool
  pool.fillOutbound = () => {}
  pool.refill = () => {}
  pool.addLoader = () => {}
  pool.discoverGateway = async () => {}
  pool.discoverExternal = async () => {}
  pool.discoverSeeds = async () => {}
  pool.discover = async () => {}
  pool.options.resolve = refuse(name, "DNS lookup of")
  pool.hosts.resolve = refuse(name, "DNS lookup of")
  if (pool.options.host !== "127.0.0.1" || node.http.options.host !== "127.0.0.1") {
    throw new Error(`${name} test node: not bound to 127.0.0.1`)
  }
}

/**
 * What the bcoin and bcash test nodes share: a regtest FullNode of `lib`
 * (bcoin or bcash) opened on 127.0.0.1:`p2pPort`, locked down to loopback and
 * listening, with a miner that pays every coinbase to `key` and keeps the
 * coinbases so that they can be spent, its inbound peers, and an idempotent
 * stop. `blocks` are mined before it returns; on any failure it is closed.
 */
export const openLoopbackNode = async (
  lib: Bcoin,
  name: string,
  options: StartOptions,
  p2pPort: number,
  key: Bcoin
) => {
  const node: Bcoin = new lib.FullNode(loopbackNodeOptions(name, p2pPort, options.logLevel))
  lockDownPool(name, node)
  const pool = node.pool

  await node.open()
  let port = 0
  let stopped = false
  try {
    await pool.connect()
    port = pool.server.address().port
    const bound = pool.server.address().address
    if (bound !== "127.0.0.1") throw new Error(`${name} test node: P2P bound to ${bound}`)
  } catch (e) {
    await node.close().catch(() => {})
    throw e
  }

  const address = key.getAddress()
  const coinbases: Array<Bcoin> = [] // coinbase txs by height - 1
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

  /** The oldest mature coinbase output not spent yet, as a coin (fails below maturity). */
  const takeMatureCoinbase = (): Bcoin => {
    const height: number = node.chain.height
    const maturity: number = node.network.coinbaseMaturity
    if (nextToSpend + 1 + maturity > height) throw new Error(`no mature coinbase (height ${height})`)
    const cb = coinbases[nextToSpend]
    if (cb === undefined) throw new Error("coinbase not mined by this helper")
    const coin = lib.Coin.fromTX(cb, 0, nextToSpend + 1)
    nextToSpend++
    return coin
  }

  const peers = (): Array<Bcoin> => {
    const out: Array<Bcoin> = []
    for (let p = pool.peers.head(); p; p = p.next) out.push(p)
    return out
  }

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
    bestHash: (): Uint8Array => fromRevHex(node.chain.tip.rhash()),
    height: (): number => node.chain.height,
    takeMatureCoinbase,
    peers,
    stop,
    isStopped: () => stopped
  }
}

const startOnce = async (options: StartOptions, p2pPort: number): Promise<BcoinNode> => {
  const bcoin = loadBcoin()
  const key: Bcoin = bcoin.KeyRing.generate()
  key.witness = true
  const base = await openLoopbackNode(bcoin, "bcoin", options, p2pPort, key)
  const { node } = base
  const httpAddress = node.http.address?.() ?? node.http.http?.address?.()
  const rpcPort = typeof httpAddress?.port === "number" ? httpAddress.port : 0

  const addWitnessTx = async (): Promise<WitnessSpend> => {
    const coin = base.takeMatureCoinbase()
    const mtx = new bcoin.MTX()
    mtx.addCoin(coin)
    const value: number = coin.value
    const fee = 20_000
    const part = Math.floor((value - fee) / 3)
    const other = bcoin.KeyRing.generate()
    other.witness = true
    mtx.addOutput(other.getAddress(), part) // P2WPKH
    mtx.addOutput(bcoin.Script.fromProgram(0, Buffer.alloc(32, 0x51)), part) // P2WSH
    other.witness = false
    mtx.addOutput(other.getAddress(), value - fee - 2 * part) // P2PKH
    const signed = mtx.sign(key)
    if (signed !== 1) throw new Error(`signed ${signed} inputs`)
    const tx = mtx.toTX()
    await node.mempool.addTX(tx)
    return { txid: fromRevHex(tx.txid()), wtxid: fromRevHex(tx.wtxid()), tx }
  }

  const restart = async (): Promise<void> => {
    if (base.isStopped()) throw new Error("bcoin test node is stopped")
    await node.pool.disconnect()
    await node.pool.connect()
  }

  return {
    host: base.host,
    port: base.port,
    rpcPort,
    node,
    key,
    mine: base.mine,
    bestHash: base.bestHash,
    height: base.height,
    addWitnessTx,
    peers: base.peers,
    stop: base.stop,
    restart
  }
}

export const bcoinScoped = (options: StartOptions = {}): Effect.Effect<BcoinNode, Error, Scope.Scope> => scopedNode(() => startBcoin(options))

/** A test node started by `start` as a scoped Effect: it stops when the scope closes. */
export const scopedNode = <N extends { readonly stop: () => Promise<void> }>(start: () => Promise<N>): Effect.Effect<N, Error, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: start, catch: (e) => (e instanceof Error ? e : new Error(String(e))) }),
    (node) => Effect.promise(() => node.stop())
  )

/** Is something listening on 127.0.0.1:port? (for tests asserting the node is gone). */
export const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port })
    s.once("connect", () => {
      s.destroy()
      resolve(true)
    })
    s.once("error", () => resolve(false))
  })
