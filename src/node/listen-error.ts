/**
 * A server that could not bind its address (in use, not permitted, no such address): said in
 * one line that names what was starting and the setting that moves it, instead of Node's
 * unhandled-'error' stack trace.
 */
const WHY: Record<string, string> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "the address is not available on this machine",
};

export class ListenError extends Error {
  constructor(
    readonly what: string,
    readonly address: string,
    readonly setting: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`${what} cannot listen on ${address}: ${WHY[cause.code ?? ""] ?? cause.message}. Set ${setting}, or stop what holds that port.`);
    this.name = "ListenError";
  }
}

/** Resolves once `server` listens; rejects with a ListenError if binding fails. */
export function listening(server: import("node:net").Server, what: string, address: string, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ListenError(what, address, setting, err));
    server.once("error", failed);
    server.once("listening", () => {
      server.off("error", failed);
      resolve();
    });
  });
}
