/**
 * `addrv2` (BIP-0155): up to 1,000 addresses of any network (IPv4, IPv6,
 * Tor v3, I2P, CJDNS, and ids not yet assigned, which are kept). Services are
 * a CompactSize; an address of a known network must have that network's length.
 *
 * @since 0.1.0
 */
import { list } from "../../internal/wire/ListCodec.js"
import { define } from "../../internal/wire/MessageDef.js"
import * as AddressCodec from "../../internal/wire/netAddressCodec.js"
import * as NetAddress from "../NetAddress.js"
import { MAX_ADDRESSES } from "./Addr.js"

/** Smallest entry: time 4, services 1, network 1, length 1, port 2. */
const MIN_ENTRY = 9
/** Largest entry: time 4, services 9, network 1, length 3, address 512, port 2. */
const MAX_ENTRY = 4 + 9 + 1 + 3 + NetAddress.MAX_ADDRV2_ADDRESS + 2

const addressList = list({
  what: "addresses",
  item: NetAddress.AddrV2Entry,
  max: MAX_ADDRESSES,
  minItemSize: MIN_ENTRY,
  readItems: (r, n) => {
    const addresses = new Array<NetAddress.TimedNetAddressFields>(n)
    for (let i = 0; i < n; i++) addresses[i] = AddressCodec.readAddrV2(r)
    return addresses
  },
  writeItems: (w, addresses) => {
    for (let i = 0; i < addresses.length; i++) AddressCodec.writeAddrV2(w, addresses[i]!)
  }
})

/**
 * The `addrv2` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const AddrV2 = define({
  tag: "AddrV2",
  command: "addrv2",
  fields: { addresses: addressList.schema },
  maxPayload: () => 3 + MAX_ADDRESSES * MAX_ENTRY,
  read: (r, ctx) => ({ addresses: addressList.read(r, ctx) }),
  write: (w, m, ctx) => addressList.write(w, m.addresses, ctx)
})

/**
 * @since 0.1.0
 * @category models
 */
export type AddrV2 = ReturnType<typeof AddrV2.make>
