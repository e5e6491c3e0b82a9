/**
 * Every benchmark in one process: the wire bench (`bench/run.ts`, which runs
 * when imported), then the peer (`bench/peer.ts`) and network
 * (`bench/network.ts`) benches. `npm run bench:all`; run node with
 * `--expose-gc` for the memory figures.
 */
await import("./run.js")
await (await import("./peer.js")).run()
await (await import("./network.js")).run()
process.exit(0)
