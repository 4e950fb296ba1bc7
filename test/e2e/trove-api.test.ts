// The Trove v1.0 surface over HTTP against a real stack: version documents, JSON shapes, status
// codes, fault bodies, pagination, and the token and project rules (401, 403). The full client
// workflow is trove-client.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStack, waitUntil, type Stack } from "./harness.js";
import { adminProjectId, createTroveProject, faultOf, trove, type TroveProject } from "./trove-helpers.js";

let stack: Stack;
let acme: TroveProject;
let other: TroveProject;
let base = "";

beforeAll(async () => {
  stack = await createStack();
  acme = await createTroveProject(stack, "acme");
  other = await createTroveProject(stack, "other");
  base = `/v1.0/${acme.id}`;
});

afterAll(async () => {
  await stack?.cleanup();
});

describe("Trove v1.0 API", () => {
  it("serves the version documents without a token, at / and /v1.0/ only", async () => {
    const root = await trove(stack, "GET", "/");
    expect(root.status).toBe(200);
    expect(root.json).toEqual({ versions: [{ id: "v1.0", status: "CURRENT", updated: "2012-08-01T00:00:00Z", links: [{ rel: "self", href: `${stack.url}/v1.0/` }] }] });
    const v1 = await trove(stack, "GET", "/v1.0/");
    expect((v1.json?.version as { id: string }).id).toBe("v1.0");
    // "/" is not a prefix: Hoard's own REST routes still answer.
    const restList = await fetch(`${stack.url}/v1/flavors`, { headers: { authorization: `Bearer ${acme.reader}` } });
    expect(restList.status).toBe(200);
  });

  it("refuses a missing or random token (401), another project's path (403), a reader's create (403)", async () => {
    expect(faultOf(await trove(stack, "GET", `${base}/instances`))).toEqual(["unauthorized", 401, "missing X-Auth-Token"]);
    expect(faultOf(await trove(stack, "GET", `${base}/instances`, "not-a-token")).slice(0, 2)).toEqual(["unauthorized", 401]);
    const cross = await trove(stack, "GET", `${base}/instances`, other.member);
    expect(faultOf(cross).slice(0, 2)).toEqual(["forbidden", 403]);
    // An admin token has no way into another project's path either: every RPC is scoped to the token's project.
    const admin = await trove(stack, "GET", `${base}/instances`, stack.token);
    expect(faultOf(admin).slice(0, 2)).toEqual(["forbidden", 403]);
    expect((await trove(stack, "GET", `/v1.0/${await adminProjectId(stack)}/instances`, stack.token)).status).toBe(200);
    const readerCreate = await trove(stack, "POST", `${base}/instances`, acme.reader, {
      instance: { name: "r1", flavorRef: "1", volume: { size: 1 }, datastore: { type: "redis", version: "7" } },
    });
    expect(faultOf(readerCreate).slice(0, 2)).toEqual(["forbidden", 403]);
    expect((await trove(stack, "GET", `${base}/instances`, acme.member)).json).toEqual({ instances: [] });
  });

  it("answers unknown routes, wrong methods and bad bodies with Trove faults", async () => {
    expect(faultOf(await trove(stack, "GET", `${base}/nothing-here`, acme.member)).slice(0, 2)).toEqual(["itemNotFound", 404]);
    expect(faultOf(await trove(stack, "PATCH", `${base}/flavors`, acme.member)).slice(0, 2)).toEqual(["badMethod", 405]);
    expect(faultOf(await trove(stack, "POST", `${base}/instances`, acme.member, "{not json")).slice(0, 2)).toEqual(["badRequest", 400]);
    const noFlavor = await trove(stack, "POST", `${base}/instances`, acme.member, { instance: { name: "x", volume: { size: 1 }, datastore: { type: "redis" } } });
    expect(faultOf(noFlavor)).toEqual(["badRequest", 400, "instance.flavorRef is required"]);
    // Hoard's own validation, through the same RPC: a volume of 0 GiB.
    const zero = await trove(stack, "POST", `${base}/instances`, acme.member, { instance: { name: "x", flavorRef: 1, volume: { size: 0 }, datastore: { type: "redis" } } });
    expect(faultOf(zero).slice(0, 2)).toEqual(["badRequest", 400]);
    expect(faultOf(zero)[2]).toContain("volume_size_gb");
    const missing = await trove(stack, "GET", `${base}/instances/no-such-instance`, acme.member);
    expect(faultOf(missing)).toEqual(["itemNotFound", 404, 'instance "no-such-instance" not found']);
    expect((await trove(stack, "GET", `${base}/instances`, acme.member)).json).toEqual({ instances: [] });
  });

  it("lists flavors with Trove's integer ids and resolves GET /flavors/1 and by name", async () => {
    const list = await trove(stack, "GET", `${base}/flavors`, acme.reader);
    const flavors = list.json?.flavors as { id: number | null; str_id: string; name: string; ram: number; vcpus: number; links: unknown[] }[];
    expect(flavors.map((f) => [f.id, f.name])).toEqual(expect.arrayContaining([[1, "tiny"], [2, "small"]]));
    expect(flavors[0]?.links).toHaveLength(2);
    const one = await trove(stack, "GET", `${base}/flavors/1`, acme.reader);
    expect(one.json?.flavor).toMatchObject({ id: 1, str_id: "1", name: "tiny" });
    expect((await trove(stack, "GET", `${base}/flavors/small`, acme.reader)).json?.flavor).toMatchObject({ id: 2 });
    expect(faultOf(await trove(stack, "GET", `${base}/flavors/99`, acme.reader)).slice(0, 2)).toEqual(["itemNotFound", 404]);
    const withId = await fetch(`${stack.url}${base}/flavors/1`, { headers: { "x-auth-token": acme.reader, "x-openstack-request-id": "req-trove-test" } });
    expect(withId.headers.get("x-openstack-request-id")).toBe("req-trove-test");
  });

  it("lists datastores, versions and a version's parameters", async () => {
    const list = await trove(stack, "GET", `${base}/datastores`, acme.reader);
    const pg = (list.json?.datastores as { id: string; name: string; default_version: string; versions: { id: string; name: string }[] }[]).find((d) => d.name === "postgresql");
    expect(pg?.versions.map((v) => v.name)).toContain("15");
    const version = pg?.versions.find((v) => v.name === "15");
    expect(pg?.default_version).toBe(version?.id);
    const byName = await trove(stack, "GET", `${base}/datastores/postgresql/versions/15`, acme.reader);
    expect(byName.json?.version).toMatchObject({ id: version?.id, name: "15", datastore: pg?.id });
    const byId = await trove(stack, "GET", `${base}/datastores/versions/${version?.id}`, acme.reader);
    expect(byId.json?.version).toMatchObject({ name: "15" });
    const params = await trove(stack, "GET", `${base}/datastores/postgresql/versions/15/parameters`, acme.reader);
    const maxConn = (params.json?.["configuration-parameters"] as { name: string }[]).find((p) => p.name === "max_connections");
    expect(maxConn).toMatchObject({ name: "max_connections", datastore_version_id: version?.id, restart_required: true, type: "integer" });
    const one = await trove(stack, "GET", `${base}/datastores/versions/${version?.id}/parameters/max_connections`, acme.reader);
    expect(one.json).toMatchObject({ name: "max_connections" });
  });

  it("pages configuration groups with limit and marker, and refuses a bad value with 400", async () => {
    for (const name of ["c1", "c2", "c3"]) {
      const created = await trove(stack, "POST", `${base}/configurations`, acme.member, {
        configuration: { name, values: { work_mem: 8192 }, datastore: { type: "postgresql", version: "15" } },
      });
      expect(created.status).toBe(200);
      expect(created.json?.configuration).toMatchObject({ name, values: { work_mem: 8192 }, instance_count: 0, datastore_name: "postgresql", datastore_version_name: "15" });
    }
    const first = await trove(stack, "GET", `${base}/configurations?limit=2`, acme.reader);
    const page1 = first.json?.configurations as { id: string; name: string }[];
    expect(page1).toHaveLength(2);
    const next = (first.json?.links as { rel: string; href: string }[])[0];
    expect(next?.rel).toBe("next");
    expect(next?.href).toContain(`marker=${page1[1]?.id}`);
    const second = await trove(stack, "GET", new URL(next?.href ?? "").pathname + new URL(next?.href ?? "").search, acme.reader);
    expect((second.json?.configurations as unknown[]).length).toBe(1);
    expect(second.json?.links).toBeUndefined();
    expect(faultOf(await trove(stack, "GET", `${base}/configurations?limit=x`, acme.reader)).slice(0, 2)).toEqual(["badRequest", 400]);
    const bad = await trove(stack, "POST", `${base}/configurations`, acme.member, {
      configuration: { name: "bad", values: { no_such_parameter: 1 }, datastore: { type: "postgresql", version: "15" } },
    });
    expect(faultOf(bad).slice(0, 2)).toEqual(["badRequest", 400]);
    expect(faultOf(bad)[2]).toContain("no_such_parameter");
    const dup = await trove(stack, "POST", `${base}/configurations`, acme.member, {
      configuration: { name: "c1", values: {}, datastore: { type: "postgresql", version: "15" } },
    });
    expect(faultOf(dup).slice(0, 2)).toEqual(["conflictingRequest", 409]);
    const c3 = (await trove(stack, "GET", `${base}/configurations/c3`, acme.reader)).json?.configuration as { id: string };
    expect((await trove(stack, "PATCH", `${base}/configurations/${c3.id}`, acme.member, { configuration: { values: { max_connections: 50 } } })).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/configurations/${c3.id}`, acme.reader)).json?.configuration).toMatchObject({ values: { work_mem: 8192, max_connections: 50 } });
    expect((await trove(stack, "PUT", `${base}/configurations/${c3.id}`, acme.member, { configuration: { values: { work_mem: 4096 }, name: "c3b" } })).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/configurations/${c3.id}`, acme.reader)).json?.configuration).toMatchObject({ name: "c3b", values: { work_mem: 4096 } });
    expect((await trove(stack, "DELETE", `${base}/configurations/${c3.id}`, acme.member)).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/configurations/${c3.id}`, acme.reader)).status).toBe(404);
  });

  it("creates an instance (200, BUILD), shows it until ACTIVE, maps FAILED_PRECONDITION to 422, deletes it (202)", async () => {
    const created = await trove(stack, "POST", `${base}/instances`, acme.member, {
      instance: { name: "cache1", flavorRef: `${stack.url}${base}/flavors/1`, volume: { size: 1, type: null }, datastore: { type: "redis", version: "7" }, access: { is_public: false } },
    });
    expect(created.status).toBe(200);
    const inst = created.json?.instance as Record<string, unknown>;
    expect(inst).toMatchObject({ name: "cache1", status: "BUILD", flavor: { id: "1" }, datastore: { type: "redis", version: "7" }, volume: { size: 1 }, access: { is_public: false } });
    const id = inst.id as string;
    expect(inst.links).toEqual([
      { rel: "self", href: `${stack.url}/v1.0/${acme.id}/instances/${id}` },
      { rel: "bookmark", href: `${stack.url}/${acme.id}/instances/${id}` },
    ]);
    const active = await waitUntil(async () => {
      const shown = (await trove(stack, "GET", `${base}/instances/${id}`, acme.reader)).json?.instance as Record<string, unknown>;
      if (shown.status === "ERROR") throw new Error(JSON.stringify(shown.fault));
      return shown.status === "ACTIVE" ? shown : undefined;
    }, "cache1 ACTIVE", 90_000, 300);
    expect(active).toMatchObject({ operating_status: "HEALTHY", ip: [expect.any(String)] });
    expect(typeof active.created).toBe("string");
    const listed = await trove(stack, "GET", `${base}/instances`, acme.reader);
    expect((listed.json?.instances as { id: string; status: string }[]).map((i) => [i.id, i.status])).toEqual([[id, "ACTIVE"]]);
    expect(((await trove(stack, "GET", `${base}/instances/detail`, acme.reader)).json?.instances as { created?: string }[])[0]?.created).toBeDefined();

    // Redis has no SQL databases: Hoard's FAILED_PRECONDITION is Trove's 422.
    const noDbs = await trove(stack, "POST", `${base}/instances/${id}/databases`, acme.member, { databases: [{ name: "d1" }] });
    expect(faultOf(noDbs).slice(0, 2)).toEqual(["unprocessableEntity", 422]);
    expect(faultOf(noDbs)[2]).toContain("redis");
    // One action at a time; unknown actions and replicas are refused with a reason.
    expect(faultOf(await trove(stack, "POST", `${base}/instances/${id}/action`, acme.member, { restart: {}, reset_status: {} })).slice(0, 2)).toEqual(["badRequest", 400]);
    expect(faultOf(await trove(stack, "POST", `${base}/instances/${id}/action`, acme.member, { promote_to_replica_source: {} })).slice(0, 2)).toEqual(["notImplemented", 501]);
    // reset_status is an operator's action: a member is refused.
    expect(faultOf(await trove(stack, "POST", `${base}/instances/${id}/action`, acme.member, { reset_status: {} })).slice(0, 2)).toEqual(["forbidden", 403]);
    expect((await trove(stack, "GET", `${base}/instances/${id}/backups`, acme.reader)).json).toEqual({ backups: [] });
    // Incremental backups go to the RPC, which knows Redis takes none: refused, nothing recorded.
    const increment = await trove(stack, "POST", `${base}/backups`, acme.member, { backup: { name: "inc", instance: id, incremental: 1 } });
    expect(faultOf(increment)[2]).toMatch(/incremental/i);
    expect((await trove(stack, "GET", `${base}/instances/${id}/backups`, acme.reader)).json).toEqual({ backups: [] });
    const live = (await trove(stack, "GET", `${base}/instances/${id}/configuration`, acme.reader)).json as { instance: { configuration: Record<string, string> } };
    expect(live.instance.configuration.maxclients).toMatch(/^\d+$/);

    // Update: PATCH renames (and has no "access"); PUT changes one thing at a time.
    expect((await trove(stack, "PATCH", `${base}/instances/${id}`, acme.member, { instance: { name: "cache-renamed" } })).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/instances/${id}`, acme.reader)).json?.instance).toMatchObject({ name: "cache-renamed" });
    expect(faultOf(await trove(stack, "PATCH", `${base}/instances/${id}`, acme.member, { instance: { access: { allowed_cidrs: [] } } })).slice(0, 2)).toEqual(["badRequest", 400]);
    const two = await trove(stack, "PUT", `${base}/instances/${id}`, acme.member, { instance: { configuration: null, access: { allowed_cidrs: [] } } });
    expect(faultOf(two)).toEqual(["badRequest", 400, "change one of configuration, access at a time"]);
    expect((await trove(stack, "PUT", `${base}/instances/${id}`, acme.member, { instance: { access: { is_public: false, allowed_cidrs: ["127.0.0.0/8"] } } })).status).toBe(202);
    const fenced = await waitUntil(async () => {
      const shown = (await trove(stack, "GET", `${base}/instances/${id}`, acme.reader)).json?.instance as { status: string; access: unknown };
      return shown.status === "ACTIVE" ? shown : undefined;
    }, "cache1 ACTIVE after the access change", 60_000, 300);
    expect(fenced.access).toEqual({ is_public: false, allowed_cidrs: ["127.0.0.0/8"] });

    // Users on Redis (ACL users): create, show as name@host, change the password, delete.
    expect((await trove(stack, "POST", `${base}/instances/${id}/users`, acme.member, { users: [{ name: "u1", password: "Passw0rd-1" }] })).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/instances/${id}/users/u1`, acme.reader)).json).toEqual({ user: { name: "u1", host: "%", databases: [] } });
    expect((await trove(stack, "PUT", `${base}/instances/${id}/users`, acme.member, { users: [{ name: "u1", password: "N3w-passw0rd" }] })).status).toBe(202);
    expect(faultOf(await trove(stack, "POST", `${base}/instances/${id}/users`, acme.member, { users: [{ name: "u2" }] }))).toEqual(["badRequest", 400, "users[0].password is required"]);
    expect((await trove(stack, "DELETE", `${base}/instances/${id}/users/u1`, acme.member)).status).toBe(202);
    expect((await trove(stack, "GET", `${base}/instances/${id}/users/u1`, acme.reader)).status).toBe(404);
    const noBackup = await trove(stack, "POST", `${base}/instances`, acme.member, {
      instance: { name: "restored", flavorRef: "1", volume: { size: 1 }, datastore: { type: "redis" }, restorePoint: { backupRef: "no-such-backup" } },
    });
    expect(faultOf(noBackup).slice(0, 2)).toEqual(["itemNotFound", 404]);
    // /limits: the project's quotas in Trove's names with its usage (cache1: one instance of 1 GiB), then the token's rate limit.
    const [absolute, rate] = (await trove(stack, "GET", `${base}/limits`, acme.reader)).json?.limits as Record<string, unknown>[];
    expect(absolute).toEqual({
      verb: "ABSOLUTE",
      max_instances: 10,
      max_volumes: 200,
      max_ram: 65536,
      max_backups: 50,
      max_backup_gb: 500,
      total_instances_used: 1,
      total_volumes_used: 1,
      total_ram_used: expect.any(Number),
      total_backups_used: 0,
      total_backup_gb_used: 0,
    });
    expect(absolute?.total_ram_used).toBeGreaterThan(0);
    expect(rate).toMatchObject({ verb: "*", uri: "*", regex: ".*", value: 100, unit: "SECOND", burst: 300 });
    // What the reader's bucket holds: this request took one, and 100 a second refill it.
    expect(rate?.remaining).toBeGreaterThan(250);
    expect(rate?.remaining).toBeLessThanOrEqual(300);

    expect((await trove(stack, "DELETE", `${base}/instances/${id}`, acme.reader)).status).toBe(403);
    const deleted = await trove(stack, "DELETE", `${base}/instances/${id}`, acme.member);
    expect(deleted).toEqual({ status: 202, json: undefined });
    await waitUntil(async () => ((await trove(stack, "GET", `${base}/instances/${id}`, acme.reader)).status === 404 ? true : undefined), "cache1 gone", 60_000, 300);
  });

  it("shows and sets quotas at /mgmt/quotas (admin), and refuses a create over quota with 413 overLimit", async () => {
    const tight = await createTroveProject(stack, "tight");
    const adminBase = `/v1.0/${await adminProjectId(stack)}`;
    const shown = await trove(stack, "GET", `${adminBase}/mgmt/quotas/${tight.id}`, stack.token);
    expect(shown.status).toBe(200);
    expect(shown.json?.quotas).toEqual([
      { resource: "instances", in_use: 0, reserved: 0, limit: 10 },
      { resource: "volumes", in_use: 0, reserved: 0, limit: 200 },
      { resource: "ram", in_use: 0, reserved: 0, limit: 65536 },
      { resource: "backups", in_use: 0, reserved: 0, limit: 50 },
      { resource: "backup_gb", in_use: 0, reserved: 0, limit: 500 },
    ]);
    // A member reads its own project's quotas, not another's, and sets none.
    expect((await trove(stack, "GET", `/v1.0/${tight.id}/mgmt/quotas/${tight.id}`, tight.reader)).status).toBe(200);
    expect(faultOf(await trove(stack, "GET", `/v1.0/${tight.id}/mgmt/quotas/${acme.id}`, tight.member)).slice(0, 2)).toEqual(["forbidden", 403]);
    expect(faultOf(await trove(stack, "PUT", `/v1.0/${tight.id}/mgmt/quotas/${tight.id}`, tight.member, { quotas: { instances: 50 } })).slice(0, 2)).toEqual(["forbidden", 403]);
    // Bad bodies change nothing.
    expect(faultOf(await trove(stack, "PUT", `${adminBase}/mgmt/quotas/${tight.id}`, stack.token, { quotas: { cores: 1 } }))).toEqual([
      "badRequest",
      400,
      'unknown quota resource "cores": use instances, volumes, ram, backups, backup_gb',
    ]);
    expect(faultOf(await trove(stack, "PUT", `${adminBase}/mgmt/quotas/${tight.id}`, stack.token, { quotas: { volumes: -2 } })).slice(0, 2)).toEqual(["badRequest", 400]);
    const set = await trove(stack, "PUT", `${adminBase}/mgmt/quotas/${tight.id}`, stack.token, { quotas: { volumes: 1, ram: null, backups: "3" } });
    expect(set).toEqual({ status: 200, json: { quotas: { volumes: 1, backups: 3 } } });
    const limits = (await trove(stack, "GET", `/v1.0/${tight.id}/limits`, tight.reader)).json?.limits as Record<string, unknown>[];
    expect(limits[0]).toMatchObject({ max_instances: 10, max_volumes: 1, max_ram: 65536, max_backups: 3 });

    const over = await trove(stack, "POST", `/v1.0/${tight.id}/instances`, tight.member, {
      instance: { name: "big", flavorRef: "1", volume: { size: 2 }, datastore: { type: "redis", version: "7" } },
    });
    expect(faultOf(over)).toEqual(["overLimit", 413, "quota exceeded for volume_gb: 0 in use + 2 requested > limit 1"]);
    expect((await trove(stack, "GET", `/v1.0/${tight.id}/instances`, tight.member)).json).toEqual({ instances: [] });
  });
});
