// The services the gateway serves to users, in one list for the server, reflection, health and the
// access rules' completeness test.
import { BackupService } from "../../gen/proto/hoard/v1/backup_pb.js";
import { ConfigurationService } from "../../gen/proto/hoard/v1/configuration_pb.js";
import { DatabaseService } from "../../gen/proto/hoard/v1/database_pb.js";
import { DatastoreService } from "../../gen/proto/hoard/v1/datastore_pb.js";
import { FlavorService } from "../../gen/proto/hoard/v1/flavor_pb.js";
import { IdentityService } from "../../gen/proto/hoard/v1/identity_pb.js";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";
import { ManageService } from "../../gen/proto/hoard/v1/manage_pb.js";
import { QuotaService } from "../../gen/proto/hoard/v1/quota_pb.js";
import { RootService } from "../../gen/proto/hoard/v1/root_pb.js";
import { UserService } from "../../gen/proto/hoard/v1/user_pb.js";

export const publicServices = [
  InstanceService,
  ConfigurationService,
  BackupService,
  DatabaseService,
  UserService,
  RootService,
  DatastoreService,
  FlavorService,
  ManageService,
  IdentityService,
  QuotaService,
] as const;
