/**
 * `addr`: up to 1,000 addresses, each with a timestamp (from protocol 31402
 * on), services, a 16-byte IPv6 (IPv4 mapped into `::ffff:0:0/96`) and a
 * big-endian port.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import * as NetAddress from "../NetAddress.js"
import * as ProtocolVersion from "../ProtocolVersion.js"
import { ListMax } from "../Fields.js"

/** Most addresses in one `addr` / `addrv2`. @since 0.1.0 */
export const MAX_ADDRESSES = 1000

/** The `addr` message. @since 0.1.0 */
export const Addr = define({
  tag: "Addr",
  command: "addr",
  fields: { addresses: ListMax(NetAddress.LegacyTimedNetAddress, MAX_ADDRESSES) },
  maxPayload: (version) => 3 + MAX_ADDRESSES * (ProtocolVersion.hasAddrTime(version) ? 30 : 26),
  read: (r, ctx) => {
    const withTime = ProtocolVersion.hasAddrTime(ctx.version)
    const n = r.count(MAX_ADDRESSES, withTime ? 30 : 26, "addresses")
    const addresses = new Array<NetAddress.TimedNetAddressFields>(n)
    for (let i = 0; i < n; i++) {
      // `NetAddress.readLegacy` inlined, so each entry is one object, not an address copied into a timed one.
      const time = withTime ? r.u32le() : 0
      const services = r.u64le()
      const address = NetAddress.readLegacyIp(r)
      const port = r.u16be()
      addresses[i] = { time, services, network: NetAddress.legacyNetwork(address), address, port }
    }
    return { addresses }
  },
  write: (w, m, ctx) => {
    const withTime = ProtocolVersion.hasAddrTime(ctx.version)
    w.compactSize(m.addresses.length)
    for (const a of m.addresses) {
      if (withTime) w.u32le(a.time)
      NetAddress.writeLegacy(w, a)
    }
  }
})

/** @since 0.1.0 */
export type Addr = ReturnType<typeof Addr.make>
