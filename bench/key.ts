/** The tenant key the bench sends; the bench gateway's config holds its hash. Not a secret. */
export const BENCH_KEY = "sk-oct-bench-tenant-key-0001";
