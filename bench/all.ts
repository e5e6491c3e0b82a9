/**
 * Every benchmark in one process: the wire bench (`bench/run.ts`, which runs
 * when imported), then the peer (`bench/peer.ts`) and network
 * (`bench/network.ts`) benches, then the BIP324 transport bench
 * (`bench/bip324.ts`), then double SHA-256 by input size (`bench/hash.ts`).
 * `npm run bench:all`; run node with
 * `--expose-gc` for the memory figures.
 */
await import("./run.js")
await (await import("./peer.js")).run()
await (await import("./network.js")).run()
await (await import("./bip324.js")).run()
;(await import("./hash.js")).run()
process.exit(0)
