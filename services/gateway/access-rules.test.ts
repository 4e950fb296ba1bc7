// Every public RPC has exactly the access rule written here: a new RPC fails this test until its
// rule is decided in access-rules.ts and recorded below, and the interceptor enforces each rule for
// each role (a reader's write, a member's operator call are refused; admins may do everything).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type UnaryRequest } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { allRules, allows, requiredRole, type Role } from "./access-rules.js";
import { createAuthenticateInterceptor } from "./interceptors/authenticate.js";
import { publicServices } from "./public-services.js";
import type { TokenStore } from "./store/tokens.js";
import { HoardError } from "../platform/errors.js";
import { hashToken } from "../platform/tokens.js";

/** The decided rules. Change a line only together with access-rules.ts, on purpose. */
const expected: Record<string, Role> = {
  "hoard.v1.InstanceService.CreateInstance": "member",
  "hoard.v1.InstanceService.GetInstance": "reader",
  "hoard.v1.InstanceService.ListInstances": "reader",
  "hoard.v1.InstanceService.DeleteInstance": "member",
  "hoard.v1.InstanceService.RestartInstance": "member",
  "hoard.v1.InstanceService.StopInstance": "member",
  "hoard.v1.InstanceService.StartInstance": "member",
  "hoard.v1.InstanceService.UpdateInstance": "member",
  "hoard.v1.InstanceService.ListInstanceEvents": "reader",
  "hoard.v1.InstanceService.ResizeInstance": "member",
  "hoard.v1.InstanceService.ResizeInstanceVolume": "member",
  "hoard.v1.InstanceService.GetInstanceConfiguration": "reader",
  "hoard.v1.InstanceService.ListInstanceLogs": "reader",
  "hoard.v1.InstanceService.SetInstanceLog": "member",
  "hoard.v1.InstanceService.ReadInstanceLog": "member",
  "hoard.v1.ConfigurationService.CreateConfiguration": "member",
  "hoard.v1.ConfigurationService.GetConfiguration": "reader",
  "hoard.v1.ConfigurationService.ListConfigurations": "reader",
  "hoard.v1.ConfigurationService.UpdateConfiguration": "member",
  "hoard.v1.ConfigurationService.ReplaceConfiguration": "member",
  "hoard.v1.ConfigurationService.DeleteConfiguration": "member",
  "hoard.v1.ConfigurationService.ListConfigurationInstances": "reader",
  "hoard.v1.ConfigurationService.ListConfigurationParameters": "reader",
  "hoard.v1.BackupService.CreateBackup": "member",
  "hoard.v1.BackupService.GetBackup": "reader",
  "hoard.v1.BackupService.ListBackups": "reader",
  "hoard.v1.BackupService.DeleteBackup": "member",
  "hoard.v1.BackupService.SetBackupSchedule": "member",
  "hoard.v1.BackupService.GetBackupSchedule": "reader",
  "hoard.v1.BackupService.ClearBackupSchedule": "member",
  "hoard.v1.DatabaseService.CreateDatabase": "member",
  "hoard.v1.DatabaseService.ListDatabases": "reader",
  "hoard.v1.DatabaseService.DeleteDatabase": "member",
  "hoard.v1.UserService.CreateUser": "member",
  "hoard.v1.UserService.ListUsers": "reader",
  "hoard.v1.UserService.GetUser": "reader",
  "hoard.v1.UserService.DeleteUser": "member",
  "hoard.v1.UserService.UpdateUser": "member",
  "hoard.v1.UserService.GrantAccess": "member",
  "hoard.v1.UserService.RevokeAccess": "member",
  "hoard.v1.UserService.ListUserAccess": "reader",
  "hoard.v1.RootService.EnableRoot": "member",
  "hoard.v1.RootService.GetRootStatus": "reader",
  "hoard.v1.RootService.DisableRoot": "member",
  "hoard.v1.DatastoreService.ListDatastores": "reader",
  "hoard.v1.DatastoreService.GetDatastore": "reader",
  "hoard.v1.DatastoreService.ListDatastoreVersions": "reader",
  "hoard.v1.FlavorService.ListFlavors": "reader",
  "hoard.v1.FlavorService.GetFlavor": "reader",
  "hoard.v1.ManageService.CreateDatastore": "admin",
  "hoard.v1.ManageService.UpdateDatastore": "admin",
  "hoard.v1.ManageService.ListManagedDatastores": "admin",
  "hoard.v1.ManageService.CreateDatastoreVersion": "admin",
  "hoard.v1.ManageService.UpdateDatastoreVersion": "admin",
  "hoard.v1.ManageService.CreateFlavor": "admin",
  "hoard.v1.ManageService.DeleteFlavor": "admin",
  "hoard.v1.ManageService.CreateProject": "admin",
  "hoard.v1.ManageService.ListProjects": "admin",
  "hoard.v1.ManageService.CreateToken": "admin",
  "hoard.v1.ManageService.ListTokens": "admin",
  "hoard.v1.ManageService.RevokeToken": "admin",
  "hoard.v1.ManageService.SetParameterCatalogue": "admin",
  "hoard.v1.ManageService.ResetInstanceStatus": "admin",
  "hoard.v1.ManageService.ForceDeleteInstance": "admin",
  "hoard.v1.IdentityService.CreateUser": "admin",
  "hoard.v1.IdentityService.ListUsers": "admin",
  "hoard.v1.IdentityService.GetUser": "admin",
  "hoard.v1.IdentityService.DeleteUser": "admin",
  "hoard.v1.IdentityService.SetUserPassword": "admin",
  "hoard.v1.IdentityService.GrantRole": "admin",
  "hoard.v1.IdentityService.RevokeRole": "admin",
  "hoard.v1.QuotaService.GetQuotas": "reader",
  "hoard.v1.QuotaService.SetQuotas": "admin",
};

const served = publicServices.flatMap((service) => service.methods.map((method) => ({ service, method, key: `${service.typeName}.${method.name}` })));

/** A token store with one token per role ("t-reader", ...), each the only role of its holder. */
const tokens: TokenStore = {
  findActive: async (hash: string) => {
    const role = (["reader", "member", "admin"] as const).find((r) => hashToken(`t-${r}`) === hash);
    return role ? { projectId: "p", tokenId: role, roles: [role] } : undefined;
  },
} as unknown as TokenStore;

async function call(role: Role, entry: (typeof served)[number]): Promise<Code | "ok"> {
  const interceptor = createAuthenticateInterceptor(tokens);
  const req = {
    stream: false,
    service: entry.service,
    method: entry.method,
    requestMethod: "POST",
    url: `http://x/${entry.key}`,
    signal: new AbortController().signal,
    header: new Headers({ authorization: `Bearer t-${role}` }),
    contextValues: createContextValues(),
    message: create(entry.method.input),
  } as unknown as UnaryRequest;
  try {
    await interceptor(async () => ({}) as never)(req);
    return "ok";
  } catch (err) {
    return err instanceof HoardError ? err.code : ConnectError.from(err).code;
  }
}

describe("access rules", () => {
  it("has a rule for every public RPC, and no rule for anything not served", () => {
    expect(Object.fromEntries(served.map((s) => [s.key, requiredRole(s.service.typeName, s.method.name)]))).toEqual(expected);
    expect([...allRules().keys()].sort()).toEqual(served.map((s) => s.key).sort());
  });

  it("nests roles and knows no others", () => {
    expect(allows(["admin"], "member")).toBe(true);
    expect(allows(["member"], "reader")).toBe(true);
    expect(allows(["reader"], "member")).toBe(false);
    expect(allows(["member"], "admin")).toBe(false);
    expect(allows(["owner", "root"], "reader")).toBe(false);
    expect(allows([], "reader")).toBe(false);
  });

  for (const entry of served) {
    it(`${entry.key}: ${expected[entry.key]} and above may call it, the rest are refused`, async () => {
      const needed = expected[entry.key] ?? "admin";
      for (const role of ["reader", "member", "admin"] as const) {
        expect(await call(role, entry), role).toBe(allows([role], needed) ? "ok" : Code.PermissionDenied);
      }
    });
  }
});
