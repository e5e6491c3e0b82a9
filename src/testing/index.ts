/**
 * Testing kit for applications built on effect-bitcoin-p2p: scripted peers,
 * generated chains and simulated networks, deterministic under `TestClock`.
 * Platform-agnostic, like the library: nothing here needs Node.js.
 *
 * @since 0.1.0
 */
export * as TestChain from "./TestChain.js"
export * as TestNetwork from "./TestNetwork.js"
export * as TestPeer from "./TestPeer.js"
