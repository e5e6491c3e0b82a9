/**
 * Testing kit for applications built on effect-bitcoin-p2p: scripted peers,
 * generated chains and simulated networks, deterministic under `TestClock`.
 * Platform-agnostic, like the library: nothing here needs Node.js.
 *
 * @since 0.1.0
 */
export * as TestChain from "./TestChain.js"

/**
 * A simulated network of N nodes running the real network layer on one in-memory hub, under `TestClock`.
 *
 * @since 0.2.0
 * @category modules
 */
export * as TestNetwork from "./TestNetwork.js"

/**
 * A scripted remote node on the other end of a `MemorySocket` pair: handshakes, expectations, reply rules.
 *
 * @since 0.2.0
 * @category modules
 */
export * as TestPeer from "./TestPeer.js"
