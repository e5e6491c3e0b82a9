import * as Socket from "@effect/platform/Socket"
import { describe, expect, it } from "vitest"
import { writeFailure } from "../../src/internal/peer/lifecycle.js"
import { isMisbehaviour } from "../../src/peer/DisconnectReason.js"

const writeError = (code: string | undefined, reason: "Write" | "Read" = "Write") =>
  new Socket.SocketGenericError({ reason, cause: Object.assign(new Error(code ?? "boom"), code === undefined ? {} : { code }) })

describe("a failed write", () => {
  it.each(["ECONNRESET", "EPIPE"])("reset by the remote (%s) → RemoteReset, not misbehaviour", (code) => {
    const reason = writeFailure(writeError(code))
    expect(reason).toMatchObject({ _tag: "RemoteReset", code })
    expect(isMisbehaviour(reason)).toBe(false)
  })

  it("any other write failure → SocketError with the error", () => {
    const error = writeError("EACCES")
    expect(writeFailure(error)).toMatchObject({ _tag: "SocketError", cause: error })
    expect(writeFailure(writeError(undefined))).toMatchObject({ _tag: "SocketError" })
  })
})
