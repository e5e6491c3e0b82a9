/**
 * BIP324's published test vectors, every row, byte for byte, on both cipher
 * suites (OpenSSL through `node:crypto`, `@noble/ciphers`, our plain-JS one, and the
 * default that picks JS or OpenSSL by packet size), both ECDH
 * paths and both HKDF paths:
 * - `ellswift_decode_test_vectors.csv`: 64-byte encodings to x coordinates;
 * - `xswiftec_inv_test_vectors.csv`: `XSwiftECInv(x, u, case)` for all 8 cases;
 * - `packet_encoding_test_vectors.csv`: keys, ECDH, shared secret, derived
 *   keys, terminators, session id, and the ciphertext of the packet at index
 *   `in_idx` (the ciphers driven there by `in_idx` earlier packets), which the
 *   other side's ciphers must decrypt back.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { bytesFromHex as hex, bytesToHex as toHex } from "../../../src/wire/Hash.js"
import { type ChaChaSuite, defaultSuite, jsSuite, nativeSuite, nobleSuite } from "../../../src/internal/peer/v2/cipher.js"
import * as EllSwift from "../../../src/internal/peer/v2/ellswift.js"
import { deriveKeys, type Hkdf, nativeHkdf, nobleHkdf } from "../../../src/internal/peer/v2/hkdf.js"
import { IGNORE_BIT, PacketCipher } from "../../../src/internal/peer/v2/packetCipher.js"

const readCsv = (name: string): Array<Record<string, string>> => {
  const [header, ...lines] = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8").trim().split("\n")
  const columns = header!.trim().split(",")
  return lines.map((line) => {
    const cells = line.trim().split(",")
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]))
  })
}

const MAINNET_MAGIC = hex("f9beb4d9")

describe("ellswift_decode_test_vectors.csv", () => {
  const rows = readCsv("ellswift_decode_test_vectors.csv")
  it("has every row", () => expect(rows.length).toBe(76))
  it.each(rows.map((r, i) => [i, r] as const))("row %i decodes to its x", (_, row) => {
    expect(toHex(EllSwift.decode(hex(row["ellswift"]!)))).toBe(row["x"])
  })
})

describe("xswiftec_inv_test_vectors.csv", () => {
  const rows = readCsv("xswiftec_inv_test_vectors.csv")
  it("has every row", () => expect(rows.length).toBe(32))
  it.each(rows.map((r, i) => [i, r] as const))("row %i: every case", (_, row) => {
    const u = hex(row["u"]!)
    const x = hex(row["x"]!)
    for (let c = 0; c < 8; c++) {
      const expected = row[`case${c}_t`]!
      const t = EllSwift.inverse(u, x, c)
      expect(t === undefined ? "" : toHex(t), `case ${c}`).toBe(expected)
      // Where an inverse exists, it decodes back to x.
      if (t !== undefined) {
        const encoded = new Uint8Array(64)
        encoded.set(u)
        encoded.set(t, 32)
        expect(toHex(EllSwift.decode(encoded))).toBe(row["x"])
      }
    }
  })
})

// The default under Node sends small packets to the plain-JS suite and large ones to OpenSSL: the vectors
// have both sizes (up to 1 MB contents).
const suites: Array<ChaChaSuite> = [nobleSuite, jsSuite, ...(nativeSuite ? [nativeSuite, defaultSuite] : [])]
const ecdhs: Array<EllSwift.Ecdh> = [EllSwift.nobleEcdh, ...(EllSwift.nativeEcdh ? [EllSwift.nativeEcdh] : [])]
const hkdfs: Array<Hkdf> = [nobleHkdf, ...(nativeHkdf ? [nativeHkdf] : [])]

describe("packet_encoding_test_vectors.csv", () => {
  const rows = readCsv("packet_encoding_test_vectors.csv")

  it("has every row, and Node here has the native paths", () => {
    expect(rows.length).toBe(7)
    // The native paths must really be under test on this machine, not silently skipped.
    expect(suites.map((s) => s.name)).toEqual(["noble", "js", "node:crypto", "node:crypto, js up to 640 bytes"])
    expect(ecdhs.map((s) => s.name)).toEqual(["noble", "node:crypto"])
    expect(hkdfs.map((s) => s.name)).toEqual(["noble", "node:crypto"])
  })

  describe.each(rows.map((r) => [r["in_idx"]!, r] as const))("row in_idx=%s", (_, row) => {
    const priv = hex(row["in_priv_ours"]!)
    const ours = hex(row["in_ellswift_ours"]!)
    const theirs = hex(row["in_ellswift_theirs"]!)
    const initiating = row["in_initiating"] === "1"

    it("decodes both keys", () => {
      expect(toHex(EllSwift.decode(ours))).toBe(row["mid_x_ours"])
      expect(toHex(EllSwift.decode(theirs))).toBe(row["mid_x_theirs"])
    })

    it.each(ecdhs.map((e) => [e.name, e] as const))("ECDH and shared secret (%s)", (_, ecdh) => {
      expect(toHex(ecdh.xonly(theirs, priv))).toBe(row["mid_x_shared"])
      expect(toHex(EllSwift.sharedSecret(priv, theirs, ours, initiating, ecdh))).toBe(row["mid_shared_secret"])
    })

    it.each(hkdfs.map((h) => [h.name, h] as const))("derived keys, terminators, session id (%s)", (_, hkdf) => {
      const keys = deriveKeys(hex(row["mid_shared_secret"]!), MAINNET_MAGIC, hkdf)
      expect(toHex(keys.initiatorL)).toBe(row["mid_initiator_l"])
      expect(toHex(keys.initiatorP)).toBe(row["mid_initiator_p"])
      expect(toHex(keys.responderL)).toBe(row["mid_responder_l"])
      expect(toHex(keys.responderP)).toBe(row["mid_responder_p"])
      const [send, recv] = initiating
        ? [keys.initiatorTerminator, keys.responderTerminator]
        : [keys.responderTerminator, keys.initiatorTerminator]
      expect(toHex(send)).toBe(row["mid_send_garbage_terminator"])
      expect(toHex(recv)).toBe(row["mid_recv_garbage_terminator"])
      expect(toHex(keys.sessionId)).toBe(row["out_session_id"])
    })

    it.each(suites.map((s) => [s.name, s] as const))("packet ciphertext, and the other side decrypts it (%s)", (_, suite) => {
      const keys = deriveKeys(hex(row["mid_shared_secret"]!), MAINNET_MAGIC)
      const sender = new PacketCipher(keys, initiating, suite)
      const receiver = new PacketCipher(keys, !initiating, suite)
      const idx = Number(row["in_idx"])
      // Drive both sides to packet `idx` (through several rekeyings for the larger indexes).
      for (let i = 0; i < idx; i++) {
        const dummy = sender.encrypt(new Uint8Array(0))
        expect(receiver.decryptLength(dummy, 0)).toBe(0)
        expect(receiver.decrypt(dummy.subarray(3))).toBeDefined()
      }
      const unit = hex(row["in_contents"]!)
      const multiply = Number(row["in_multiply"])
      const contents = new Uint8Array(unit.length * multiply)
      for (let i = 0; i < multiply; i++) contents.set(unit, i * unit.length)
      const aad = hex(row["in_aad"]!)
      const ignore = row["in_ignore"] === "1"
      const packet = sender.encrypt(contents, aad, ignore)

      const full = row["out_ciphertext"]!
      const tail = row["out_ciphertext_endswith"]!
      if (full !== "") expect(toHex(packet)).toBe(full)
      else expect(toHex(packet.subarray(packet.length - tail.length / 2))).toBe(tail)

      expect(receiver.decryptLength(packet, 0)).toBe(contents.length)
      const plaintext = receiver.decrypt(packet.subarray(3), aad)
      expect(plaintext).toBeDefined()
      expect((plaintext![0]! & IGNORE_BIT) !== 0).toBe(ignore)
      expect(Buffer.from(plaintext!.subarray(1)).equals(contents)).toBe(true)
    })
  })
})
