/**
 * A remote that hangs up: after the handshake a plain `RemoteClosed`; before
 * it, `RemoteClosed` with a detail saying how far it got, so a user on the
 * wrong network (a node that bans us for our magic) learns why.
 */
import { describe, expect, it } from "vitest"
import * as ChainParams from "../../../src/wire/ChainParams.js"
import * as Message from "../../../src/wire/Message.js"
import { disconnects, makeCore, rx, T0, theirVersion } from "./kit.js"

describe("core: the remote closes", () => {
  it("before its version: the detail names our network and magic", () => {
    const { core, take } = makeCore({ config: { params: ChainParams.bchRegtest } })
    core.start()
    take()
    core.remoteClosed()
    const [reason] = disconnects(take())
    expect(reason?._tag).toBe("RemoteClosed")
    const detail = (reason as { detail?: string }).detail
    expect(detail).toMatch(/before sending its version/)
    expect(detail).toContain(ChainParams.bchRegtest.name)
    expect(detail).toContain("dab5bffa")
  })

  it("after its version, before its verack: it refused our version or features", () => {
    const { core, take } = makeCore()
    core.start()
    core.received(rx(theirVersion()), T0)
    take()
    core.remoteClosed()
    const [reason] = disconnects(take())
    expect(reason).toMatchObject({ _tag: "RemoteClosed", detail: expect.stringMatching(/refused our version/) })
  })

  it("after the handshake: RemoteClosed without a detail", () => {
    const { core, take, handshake } = makeCore()
    handshake()
    core.received(rx(Message.Ping.make({ nonce: 1n })), T0)
    take()
    core.remoteClosed()
    const [reason] = disconnects(take())
    expect(reason?._tag).toBe("RemoteClosed")
    expect((reason as { detail?: string }).detail).toBeUndefined()
  })
})
