/** Types of `build.mjs` (plain JavaScript so that `bin/octoroute.mjs` can run it without tsx). */
export declare const DIST: string;
export declare function build(opts: { root?: string; out: string; dirs?: string[]; skip?: string[] }): Promise<string>;
export declare function distIsCurrent(): boolean;
export declare function buildDist(): Promise<string>;
