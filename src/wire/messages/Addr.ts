/**
 * `addr`: up to 1,000 addresses, each with a timestamp (from protocol 31402
 * on), services, a 16-byte IPv6 (IPv4 mapped into `::ffff:0:0/96`) and a
 * big-endian port.
 *
 * @since 0.1.0
 */
import { compactSizeLength } from "../../internal/wire/ByteWriter.js"
import { list } from "../../internal/wire/ListCodec.js"
import { define } from "../../internal/wire/MessageDef.js"
import * as AddressCodec from "../../internal/wire/netAddressCodec.js"
import * as NetAddress from "../NetAddress.js"
import * as ProtocolVersion from "../ProtocolVersion.js"

/**
 * Most addresses in one `addr` / `addrv2`.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ADDRESSES = 1000

/** Bytes of one entry at `version`: 30 from protocol 31402 on, 26 before (no time). */
const entrySize = (version: number): number => (ProtocolVersion.hasAddrTime(version) ? 30 : 26)

/**
 * The address list. Entries are `entrySize` bytes; the smaller bounds the
 * count against the bytes left.
 */
const addressList = list({
  what: "addresses",
  item: NetAddress.LegacyTimedNetAddress,
  max: MAX_ADDRESSES,
  minItemSize: 26,
  readItems: (r, n, ctx) => {
    const withTime = ProtocolVersion.hasAddrTime(ctx.version)
    const addresses = new Array<NetAddress.TimedNetAddressFields>(n)
    for (let i = 0; i < n; i++) {
      // `AddressCodec.readLegacy` inlined, so each entry is one object, not an address copied into a timed one.
      const time = withTime ? r.u32le() : 0
      const services = r.u64le()
      const address = AddressCodec.readLegacyIp(r)
      const port = r.u16be()
      addresses[i] = { time, services, network: AddressCodec.legacyNetwork(address), address, port }
    }
    return addresses
  },
  writeItems: (w, addresses, ctx) => {
    const withTime = ProtocolVersion.hasAddrTime(ctx.version)
    const n = addresses.length
    // The exact size at once (the list reserved the smaller, timeless one), then stores into it: no call per field.
    const b = w.room(n * entrySize(ctx.version))
    let o = w.offset
    for (let i = 0; i < n; i++) {
      const a = addresses[i]!
      if (withTime) {
        const time = a.time
        b[o] = time
        b[o + 1] = time >>> 8
        b[o + 2] = time >>> 16
        b[o + 3] = time >>> 24
        o += 4
      }
      o = AddressCodec.putLegacy(b, o, a)
    }
    w.offset = o
  }
})

/**
 * The `addr` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Addr = define({
  tag: "Addr",
  command: "addr",
  fields: { addresses: addressList.schema },
  maxPayload: (version) => 3 + MAX_ADDRESSES * entrySize(version),
  read: (r, ctx) => ({ addresses: addressList.read(r, ctx) }),
  write: (w, m, ctx) => addressList.write(w, m.addresses, ctx),
  size: (m, ctx) => compactSizeLength(m.addresses.length) + m.addresses.length * entrySize(ctx.version)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Addr = ReturnType<typeof Addr.make>
