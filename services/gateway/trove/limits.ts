// Trove's /limits: the absolute limits first (troveclient prints the first entry as them), then
// the rate limits. Hoard has neither quotas nor rate limits yet, so the absolute entry has no
// max_* values and no rate entries follow; nothing here is made up. Flavors are read only so the
// caller's token and project are checked as on every other route.
import type { TroveRoute } from "./router.js";

export const limitRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/limits",
    handle: async (req) => {
      await req.rpc.flavors.listFlavors({});
      return { status: 200, body: { limits: [{ verb: "ABSOLUTE" }] } };
    },
  },
];
