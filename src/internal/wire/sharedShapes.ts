import { list } from "./ListCodec.js"
import { define } from "./MessageDef.js"
import * as InvVector from "../../wire/InvVector.js"
import * as ProtocolVersion from "../../wire/ProtocolVersion.js"
import { Hash32, UInt32, UInt64, UInt8 } from "../../wire/Fields.js"
import type { ByteReader } from "./ByteReader.js"
import { type ByteWriter, compactSizeLength } from "./ByteWriter.js"
import { buildInventory, makeInventoryMessage, unreadInventory } from "./inventoryMessage.js"

/** Most vectors in one inventory message (`inv`, `getdata`, `notfound`). @internal */
export const MAX_INV = 50_000

/** Most locator hashes accepted (btcd's limit; Bitcoin Core sends at most ~101). @internal */
export const MAX_LOCATOR_HASHES = 500

/** A list of 32-byte hashes, at most `max`. @internal */
export const hashList = (what: string, max: number) =>
  list({ what, item: Hash32, max, minItemSize: 32, readItems: readHashItems, writeItems: writeHashItems })

const readHashItems = (r: ByteReader, n: number): Array<Uint8Array> => {
  const hashes = new Array<Uint8Array>(n)
  for (let i = 0; i < n; i++) hashes[i] = r.hash()
  return hashes
}

const writeHashItems = (w: ByteWriter, hashes: ReadonlyArray<Uint8Array>): void => {
  for (let i = 0; i < hashes.length; i++) w.bytes(hashes[i]!)
}

/** The inventory list of `inv`, `getdata` and `notfound`. @internal */
export const inventoryList = list({
  what: "inventory",
  item: InvVector.InvVector,
  max: MAX_INV,
  minItemSize: InvVector.SIZE,
  // The same vectors as a decoded message builds on first read (the count is checked against the bytes left).
  readItems: (r, n) => {
    const start = r.offset
    r.offset = start + n * InvVector.SIZE
    return buildInventory(r.bytes, start, n)
  },
  writeItems: (w, inventory) => {
    for (let i = 0; i < inventory.length; i++) {
      const v = inventory[i]!
      w.u32le(v.type).bytes(v.hash)
    }
  }
})

/** `inv`, `getdata` and `notfound` share one layout: a list of inventory vectors. @internal */
export const defineInventory = <Tag extends string>(tag: Tag, command: string) =>
  define({
    tag,
    command,
    fields: { inventory: inventoryList.schema },
    maxPayload: () => 3 + MAX_INV * InvVector.SIZE,
    // The vectors are built from the payload when first read (see `inventoryMessage.ts`);
    // the count is checked here, against the cap and the bytes left, like any list.
    read: (r) => {
      const n = r.count(MAX_INV, InvVector.SIZE, inventoryList.what)
      const start = r.offset
      r.offset = start + n * InvVector.SIZE
      return makeInventoryMessage(r.bytes, start, n)
    },
    // A decoded message whose inventory was never read (a relay passing it on) is written from
    // its payload bytes: re-encoding does not build the vectors just to read them back.
    write: (w, m, ctx) => {
      const unread = unreadInventory(m)
      if (unread === undefined) return inventoryList.write(w, m.inventory, ctx)
      w.compactSize(unread.length / InvVector.SIZE).bytes(unread)
    },
    size: (m) => {
      const unread = unreadInventory(m)
      const n = unread === undefined ? m.inventory.length : unread.length / InvVector.SIZE
      return compactSizeLength(n) + n * InvVector.SIZE
    }
  })

/** The block locator of `getblocks` and `getheaders`. @internal */
export const locatorList = hashList("locator", MAX_LOCATOR_HASHES)

/** `getblocks` and `getheaders` share one layout: version, block locator, stop hash. @internal */
export const defineLocator = <Tag extends string>(tag: Tag, command: string) =>
  define({
    tag,
    command,
    fields: { version: UInt32, locator: locatorList.schema, stopHash: Hash32 },
    maxPayload: () => 4 + 3 + MAX_LOCATOR_HASHES * 32 + 32,
    read: (r, ctx) => {
      const version = r.u32le()
      const locator = locatorList.read(r, ctx)
      return { version, locator, stopHash: r.hash() }
    },
    write: (w, m, ctx) => {
      locatorList.write(w.u32le(m.version), m.locator, ctx)
      w.bytes(m.stopHash)
    },
    size: (m) => 4 + compactSizeLength(m.locator.length) + m.locator.length * 32 + 32
  })

/**
 * `ping` and `pong` share one layout: a 64-bit nonce (BIP-0031). Before
 * protocol 60001 `ping` had no payload; such a ping decodes with nonce 0.
 * @internal
 */
export const defineNonce = <Tag extends string>(tag: Tag, command: string) =>
  define({
    tag,
    command,
    fields: { nonce: UInt64 },
    maxPayload: (version) => (ProtocolVersion.hasPong(version) ? 8 : 0),
    read: (r, ctx) => ({ nonce: ProtocolVersion.hasPong(ctx.version) ? r.u64le() : 0n }),
    write: (w, m, ctx) => {
      if (ProtocolVersion.hasPong(ctx.version)) w.u64le(m.nonce)
    },
    size: (_, ctx) => (ProtocolVersion.hasPong(ctx.version) ? 8 : 0)
  })

/** `getcfilters` and `getcfheaders` (BIP-0157) share one layout: filter type, start height, stop hash. @internal */
export const defineFilterRange = <Tag extends string>(tag: Tag, command: string) =>
  define({
    tag,
    command,
    fields: { filterType: UInt8, startHeight: UInt32, stopHash: Hash32 },
    maxPayload: () => 1 + 4 + 32,
    read: (r) => ({ filterType: r.u8(), startHeight: r.u32le(), stopHash: r.hash() }),
    write: (w, m) => {
      w.u8(m.filterType).u32le(m.startHeight).bytes(m.stopHash)
    }
  })

/** Reads a CompactSize-counted list of 32-byte hashes, bounded by `max`. @internal */
export const readHashes = (r: ByteReader, max: number, what: string): Array<Uint8Array> => {
  const n = r.count(max, 32, what)
  const out = new Array<Uint8Array>(n)
  for (let i = 0; i < n; i++) out[i] = r.hash()
  return out
}

/** Writes a CompactSize-counted list of 32-byte hashes. @internal */
export const writeHashes = (w: ByteWriter, hashes: ReadonlyArray<Uint8Array>): void => {
  w.compactSize(hashes.length)
  for (const h of hashes) w.bytes(h)
}
