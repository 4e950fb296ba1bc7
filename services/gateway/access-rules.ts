// Who may call what: the least role each public RPC needs, written out one by one so that adding
// an RPC is a deliberate decision here (access-rules.test.ts fails until it is made). Roles nest:
// admin may do what member may, member what reader may. An RPC with no rule is refused.
export type Role = "reader" | "member" | "admin";

const rules: Record<string, Record<string, Role>> = {
  "hoard.v1.InstanceService": {
    GetInstance: "reader",
    ListInstances: "reader",
    ListInstanceEvents: "reader",
    GetInstanceConfiguration: "reader",
    ListInstanceLogs: "reader",
    // Logs can hold statement text with literals (even passwords in a general log): members only.
    ReadInstanceLog: "member",
    SetInstanceLog: "member",
    CreateInstance: "member",
    DeleteInstance: "member",
    RestartInstance: "member",
    StopInstance: "member",
    StartInstance: "member",
    UpdateInstance: "member",
    ResizeInstance: "member",
    ResizeInstanceVolume: "member",
  },
  "hoard.v1.ConfigurationService": {
    GetConfiguration: "reader",
    ListConfigurations: "reader",
    ListConfigurationInstances: "reader",
    ListConfigurationParameters: "reader",
    CreateConfiguration: "member",
    UpdateConfiguration: "member",
    ReplaceConfiguration: "member",
    DeleteConfiguration: "member",
  },
  "hoard.v1.BackupService": {
    GetBackup: "reader",
    ListBackups: "reader",
    GetBackupSchedule: "reader",
    CreateBackup: "member",
    DeleteBackup: "member",
    SetBackupSchedule: "member",
    ClearBackupSchedule: "member",
  },
  "hoard.v1.DatabaseService": {
    ListDatabases: "reader",
    CreateDatabase: "member",
    DeleteDatabase: "member",
  },
  "hoard.v1.UserService": {
    ListUsers: "reader",
    GetUser: "reader",
    ListUserAccess: "reader",
    CreateUser: "member",
    DeleteUser: "member",
    UpdateUser: "member",
    GrantAccess: "member",
    RevokeAccess: "member",
  },
  "hoard.v1.RootService": {
    GetRootStatus: "reader",
    EnableRoot: "member",
    DisableRoot: "member",
  },
  "hoard.v1.DatastoreService": {
    ListDatastores: "reader",
    GetDatastore: "reader",
    ListDatastoreVersions: "reader",
  },
  "hoard.v1.FlavorService": {
    ListFlavors: "reader",
    GetFlavor: "reader",
  },
  // Anyone reads their own project's quotas (only admins another's: the handler checks); admins set them.
  "hoard.v1.QuotaService": {
    GetQuotas: "reader",
    SetQuotas: "admin",
  },
  // The operator's API, across projects: admin for every call, reads included.
  "hoard.v1.ManageService": {
    CreateDatastore: "admin",
    UpdateDatastore: "admin",
    ListManagedDatastores: "admin",
    CreateDatastoreVersion: "admin",
    UpdateDatastoreVersion: "admin",
    CreateFlavor: "admin",
    DeleteFlavor: "admin",
    CreateProject: "admin",
    ListProjects: "admin",
    CreateToken: "admin",
    ListTokens: "admin",
    RevokeToken: "admin",
    SetParameterCatalogue: "admin",
    ResetInstanceStatus: "admin",
    ForceDeleteInstance: "admin",
  },
  // Users who log in with a password and their roles in projects: operators only.
  "hoard.v1.IdentityService": {
    CreateUser: "admin",
    ListUsers: "admin",
    GetUser: "admin",
    DeleteUser: "admin",
    SetUserPassword: "admin",
    GrantRole: "admin",
    RevokeRole: "admin",
  },
};

const rank: Record<Role, number> = { reader: 0, member: 1, admin: 2 };

/** The least role `service`.`method` needs; undefined when it has no rule (and is therefore refused). */
export function requiredRole(service: string, method: string): Role | undefined {
  return rules[service]?.[method];
}

/** Whether a principal holding `roles` may call something that needs `needed`. */
export function allows(roles: readonly string[], needed: Role): boolean {
  return roles.some((role) => role in rank && rank[role as Role] >= rank[needed]);
}

/** Every rule, as "service.method" → role, for the completeness test. */
export function allRules(): Map<string, Role> {
  const all = new Map<string, Role>();
  for (const [service, methods] of Object.entries(rules)) for (const [method, role] of Object.entries(methods)) all.set(`${service}.${method}`, role);
  return all;
}
