/** Tiny `--flag value` parser shared by the `octoroute` subcommands. */

/** A command line that cannot be run as given: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Every `--name value` (or `--name=value`) in `args` must be one of `known` and have a value: a
 * mistyped option (`--fold 3`) is pointed out rather than silently left at its default.
 */
export function checkFlags(args: string[], known: readonly string[], switches: readonly string[] = []): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith("--") ? a.slice(2).split("=")[0]! : undefined;
    if (name !== undefined && switches.includes(name) && !a.includes("=")) continue;
    if (name === undefined || !known.includes(name)) throw new UsageError(`unknown option "${a}" (known: ${[...known, ...switches].map((k) => `--${k}`).join(", ")})`);
    if (a.includes("=")) continue;
    if (args[i + 1] === undefined || args[i + 1]!.startsWith("--")) throw new UsageError(`${a} needs a value`);
    i++;
  }
}
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i !== -1) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

export function numberFlag(args: string[], name: string, fallback: number): number {
  const v = flag(args, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}
