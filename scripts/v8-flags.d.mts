/** Types of `v8-flags.mjs` (plain JavaScript so that `bin/octoroute.mjs` can run it without tsx). */
export declare const GATEWAY_V8_FLAGS: string[];
export declare function applyGatewayV8Flags(env?: Record<string, string | undefined>, execArgv?: string[]): string[];
