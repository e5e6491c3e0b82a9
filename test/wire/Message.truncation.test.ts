import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Message from "../../src/wire/Message.js"
import type { WireErrorReason } from "../../src/wire/WireError.js"
import { bytes } from "../support/wire.js"
import { ADDR_BTCD_HEX, ADDRV2_CORE_HEX } from "./vectors/addresses.js"
import { BLOCK_ONE_HEX, CMPCT_BLOCK_HEX, HEADERS_ONE_HEX } from "./vectors/blocks.js"
import { VERSION_BIP37_HEX } from "./vectors/control.js"
import { CFHEADERS_HEX } from "./vectors/filters.js"
import { MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"
import { MULTI_INV_HEX } from "./vectors/inventory.js"

/**
 * Each payload is cut at every byte (which includes every field boundary).
 * A cut payload must give `Left(WireError)` with reason Truncated, except at
 * the listed lengths, where the prefix is itself a valid message or fails
 * for a more specific reason.
 */
interface Case {
  readonly command: string
  readonly hex: string
  readonly exceptions?: Readonly<Record<number, "valid" | WireErrorReason>>
}

const versionLength = bytes(VERSION_BIP37_HEX).length
const REJECT_BLOCK_HEX = "05626c6f636b120f6475706c696361746520626c6f636b" + "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
const rejectPrefix = 23 // message, code and reason; the 32-byte hash follows

const cases: ReadonlyArray<Case> = [
  // The relay flag is optional: a version without it is valid.
  { command: "version", hex: VERSION_BIP37_HEX, exceptions: { [versionLength - 1]: "valid" } },
  { command: "addr", hex: ADDR_BTCD_HEX },
  { command: "addrv2", hex: ADDRV2_CORE_HEX },
  { command: "inv", hex: MULTI_INV_HEX },
  { command: "headers", hex: HEADERS_ONE_HEX },
  { command: "tx", hex: MULTI_WITNESS_TX_HEX },
  { command: "block", hex: BLOCK_ONE_HEX },
  { command: "cmpctblock", hex: CMPCT_BLOCK_HEX },
  {
    command: "reject",
    hex: REJECT_BLOCK_HEX,
    // Without its hash a reject is valid; a partial hash is left over.
    exceptions: Object.fromEntries([
      [rejectPrefix, "valid"],
      ...Array.from({ length: 31 }, (_, i) => [rejectPrefix + 1 + i, "TrailingBytes"])
    ])
  },
  { command: "filterload", hex: "03614e9b050000000000000001" },
  { command: "cfheaders", hex: CFHEADERS_HEX },
  { command: "ping", hex: "f3e0010000000000" },
  { command: "feefilter", hex: "f3e0010000000000" },
  { command: "sendcmpct", hex: "010200000000000000" },
  { command: "getblocktxn", hex: "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d619000000000004000001fd2801" }
]

describe("payloads cut at every byte", () => {
  for (const c of cases) {
    it(`${c.command}: every proper prefix fails with a typed error, never throws`, () => {
      const full = bytes(c.hex)
      expect(Either.isRight(Message.decodePayloadEither(c.command, full))).toBe(true)
      for (let cut = 0; cut < full.length; cut++) {
        const prefix = full.slice(0, cut)
        const want = c.exceptions?.[cut] ?? "Truncated"
        const r = Message.decodePayloadEither(c.command, prefix)
        if (want === "valid") {
          expect(Either.isRight(r), `${c.command} cut at ${cut}`).toBe(true)
          continue
        }
        if (Either.isRight(r)) throw new Error(`${c.command} cut at ${cut} of ${full.length} decoded`)
        expect(r.left._tag).toBe("WireError")
        expect(r.left.command).toBe(c.command)
        expect(r.left.reason, `${c.command} cut at ${cut} of ${full.length}: ${r.left.message}`).toBe(want)
      }
    })
  }
})
