// Trove's root routes over RootService: status, enable (the password is shown this once), disable.
import { notImplementedFault } from "./faults.js";
import type { TroveRoute } from "./router.js";

export const rootRoutes: TroveRoute[] = [
  {
    method: "GET",
    path: "/instances/{id}/root",
    handle: async (req) => {
      const { enabled } = await req.rpc.root.getRootStatus({ instanceId: req.params.id ?? "" });
      return { status: 200, body: { rootEnabled: enabled } };
    },
  },
  {
    method: "POST",
    path: "/instances/{id}/root",
    handle: async (req) => {
      const body = req.body as { password?: unknown } | undefined;
      if (body?.password !== undefined && body.password !== null) throw notImplementedFault("Hoard generates root's password; send no password");
      const res = await req.rpc.root.enableRoot({ instanceId: req.params.id ?? "" });
      return { status: 200, body: { user: { name: res.name, password: res.password } } };
    },
  },
  {
    method: "DELETE",
    path: "/instances/{id}/root",
    handle: async (req) => (await req.rpc.root.disableRoot({ instanceId: req.params.id ?? "" }), { status: 204 }),
  },
];
