import * as InvVector from "../../../wire/InvVector.js"
import * as NetAddress from "../../../wire/NetAddress.js"
import { unreadInventory } from "../../wire/inventoryMessage.js"
import { BoundedSet } from "../BoundedSet.js"
import { InventoryFilter } from "../InventoryFilter.js"

/**
 * What we relay to the remote, and what it already has: inventory waits for
 * the next trickle (transactions; blocks go at once), and inventory or
 * addresses the remote announced or we sent it are not sent again. Both
 * filters are bounded (oldest forgotten first).
 *
 * What the remote announces is indexed only when the filter is first
 * consulted (we queue inventory for it): a peer we never relay to (a wallet,
 * a crawler, an SPV client: most users of this library) never pays for it.
 * Until then, the last `knownSize` vectors received in `inv`s are kept as
 * their wire bytes (36 each) in a ring that grows to at most `knownSize`
 * vectors and is then reused: indexing older ones would only evict them
 * again. (So, unlike the filter itself, a duplicate among the newest
 * `knownSize` announced does not keep an older one remembered.) The bytes are
 * copied from the payload while the message's `inventory` is unread (always,
 * for a decoded one: this runs before delivery), so the vectors are built
 * only if a subscriber reads them: a 1,000-item `inv` to each of 200 peers
 * built 200,000 vectors and hash views for the filter, then indexed 200,000
 * keys; now it copies 200 × 36 KB.
 *
 * @internal
 */
export class Relay {
  private readonly knownInventory: InventoryFilter
  /** Items whose hash is not 32 bytes (none on the wire; a user's vector could be): string keys, made when first needed. */
  private knownOddInventory: BoundedSet<string> | undefined = undefined
  /** Announced by the remote, not yet in `knownInventory`: a ring of wire vectors, `announcedCount` from `announcedStart`. */
  private announced: Uint8Array = EMPTY
  private announcedStart = 0
  private announcedCount = 0
  /** Made when first needed: a peer that never hears or is sent an address (a short connection) pays nothing. */
  private knownAddressSet: BoundedSet<string> | undefined = undefined
  private pending: Array<InvVector.InvVector> = []

  private readonly knownSize: number

  constructor(knownSize: number, private readonly maxInvPerBatch: number) {
    this.knownInventory = new InventoryFilter(knownSize)
    this.knownSize = knownSize
  }

  /** The remote announced this inventory (an `inv` message): it has it. */
  remoteHasInventory(message: { readonly inventory: ReadonlyArray<InvVector.InvVector> }): void {
    const bytes = unreadInventory(message)
    if (bytes === undefined) {
      this.indexAnnounced()
      for (const v of message.inventory) this.addKnown(v)
      return
    }
    const capacity = this.knownInventory.capacity
    const count = Math.min(bytes.length / InvVector.SIZE, capacity)
    if (count === 0) return
    const SIZE = InvVector.SIZE
    let ring = this.announced
    if (this.announcedCount + count > ring.length / SIZE && ring.length < capacity * SIZE) {
      ring = this.growAnnounced(Math.min(capacity, Math.max(64, 2 * ring.length / SIZE, this.announcedCount + count)))
    }
    const slots = ring.length / SIZE
    // The newest `count` vectors, written after the newest kept, over the oldest once the ring is full.
    let from = bytes.length - count * SIZE
    let at = (this.announcedStart + this.announcedCount) % slots
    let left = count
    while (left > 0) {
      const n = Math.min(left, slots - at)
      ring.set(bytes.subarray(from, from + n * SIZE), at * SIZE)
      from += n * SIZE
      left -= n
      at = (at + n) % slots
    }
    const total = this.announcedCount + count
    if (total > slots) this.announcedStart = (this.announcedStart + total - slots) % slots
    this.announcedCount = Math.min(total, slots)
  }

  /** A ring of `slots` vectors holding the announced ones, oldest first. */
  private growAnnounced(slots: number): Uint8Array {
    const SIZE = InvVector.SIZE
    const ring = new Uint8Array(slots * SIZE)
    const old = this.announced
    const oldSlots = old.length / SIZE
    for (let i = 0; i < this.announcedCount; i++) {
      const o = ((this.announcedStart + i) % oldSlots) * SIZE
      ring.set(old.subarray(o, o + SIZE), i * SIZE)
    }
    this.announced = ring
    this.announcedStart = 0
    return ring
  }

  /** Indexes what the remote announced since the filter was last consulted, oldest first. */
  private indexAnnounced(): void {
    if (this.announcedCount === 0) return
    const known = this.knownInventory
    const ring = this.announced
    const slots = ring.length / InvVector.SIZE
    for (let i = 0; i < this.announcedCount; i++) known.addAt(ring, ((this.announcedStart + i) % slots) * InvVector.SIZE)
    this.announcedStart = 0
    this.announcedCount = 0
  }

  /** The remote announced these addresses: it knows them. */
  remoteKnowsAddresses(addresses: ReadonlyArray<NetAddress.NetAddressFields>): void {
    for (const a of addresses) this.knownAddresses.add(NetAddress.toString(a))
  }

  /**
   * Queues inventory for the trickle; returns the blocks to announce now
   * (their propagation delay matters, and they are few), known ones skipped.
   */
  queue(inventory: ReadonlyArray<InvVector.InvVector>): Array<InvVector.InvVector> {
    const now: Array<InvVector.InvVector> = []
    for (const v of inventory) {
      if ((v.type & ~InvVector.WITNESS_FLAG) === InvVector.InvType.Block) {
        if (this.markInventory(v)) now.push(v)
      } else this.pending.push(v)
    }
    return now
  }

  /** The trickle: what is queued and new to the remote, in batches of at most `maxInvPerBatch`. */
  flush(): Array<Array<InvVector.InvVector>> {
    const batch = this.pending
    this.pending = []
    const fresh: Array<InvVector.InvVector> = []
    for (const v of batch) if (this.markInventory(v)) fresh.push(v)
    const out: Array<Array<InvVector.InvVector>> = []
    for (let i = 0; i < fresh.length; i += this.maxInvPerBatch) out.push(fresh.slice(i, i + this.maxInvPerBatch))
    return out
  }

  /** Addresses worth sending: not known to the remote, and of a network it can take. */
  freshAddresses<A extends NetAddress.NetAddressFields>(addresses: ReadonlyArray<A>, remoteWantsAddrV2: boolean): Array<A> {
    return addresses.filter((a) => {
      if (!remoteWantsAddrV2 && a.network !== NetAddress.NetworkId.IPv4 && a.network !== NetAddress.NetworkId.IPv6) return false
      return this.knownAddressSet === undefined || !this.knownAddressSet.has(NetAddress.toString(a))
    })
  }

  /** These addresses are being sent: the remote will know them. */
  sendingAddresses(addresses: ReadonlyArray<NetAddress.NetAddressFields>): void {
    for (const a of addresses) this.knownAddresses.add(NetAddress.toString(a))
  }

  /**
   * Forgets which addresses the remote knows, as Bitcoin Core does before each
   * periodic self-advertisement (`m_addr_known->reset()`): otherwise a relay
   * that once died out on this link could never cross it again.
   */
  forgetKnownAddresses(): void {
    this.knownAddressSet?.clear()
  }

  /** True (and remembered) if the remote did not know `v`. */
  private get knownAddresses(): BoundedSet<string> {
    return (this.knownAddressSet ??= new BoundedSet(this.knownSize))
  }

  private markInventory(v: InvVector.InvVector): boolean {
    this.indexAnnounced()
    const known = v.hash.length === 32
      ? this.knownInventory.has(v.type, v.hash)
      : this.knownOddInventory?.has(oddKey(v)) === true
    if (known) return false
    this.addKnown(v)
    return true
  }

  private addKnown(v: InvVector.InvVector): void {
    if (v.hash.length === 32) return this.knownInventory.add(v.type, v.hash)
    this.knownOddInventory ??= new BoundedSet(this.knownInventory.capacity)
    this.knownOddInventory.add(oddKey(v))
  }
}

/** The key of a vector whose hash is not 32 bytes: its type (no witness flag) and hash as a string. */
const oddKey = (v: InvVector.InvVector): string => {
  const t = v.type & 0x3fff_ffff
  let s = String.fromCharCode(t & 0xffff, t >>> 16)
  for (let i = 0; i < v.hash.length; i++) s += String.fromCharCode(v.hash[i]!)
  return s
}

const EMPTY = new Uint8Array(0)
