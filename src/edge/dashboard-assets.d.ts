/** The dashboard's files, generated at bundle time by `scripts/edge-assets.ts` (see wrangler.toml). */
declare module "octoroute-dashboard-assets" {
  const assets: Record<string, { body: string; type: string }>;
  export default assets;
}
