// Redis 7 datastore of the guest agent. The manager writes redis.conf and a first ACL file into
// the data directory, runs redis-server as the layout's unprivileged account in a session of its
// own, and administers it as its own ACL user (hoard-admin) over a 0700 unix socket, speaking RESP
// itself. Clients use ACL users over TCP; `default` is root, off until root is enabled. Redis has
// no databases and no grants: those calls fail with a precondition naming Redis. Redis cannot
// filter clients by address, so allowedCidrs becomes an nftables table (../common/firewall.ts).
//
// manager.ts   the DatastoreManager operations      app.ts / server-process.ts  start, stop, pid file truth
// settings.ts  redis.conf derived from flavor+layout acl.ts  account rules, first ACL file
// parameters.ts  parameters over the flavor, value spellings   state.ts  the agent's durable choices
// configure.ts   configure, fence, slow log switch   live-config.ts  CONFIG SET/GET against the file
// reference.ts   the binary's defaults and start-only parameters (a scratch server, cached)
// logs.ts      guest logs: error-log.ts (logfile, rotation), slow-log.ts (SLOWLOG as lines)
// admin.ts     users and root                       admin-session.ts  the agent's authenticated connection
// status.ts    health probe                          resp.ts  RESP2 client     host-fs.ts / paths.ts / context.ts  plumbing
// backup.ts    BGSAVE, then a tar of dump.rdb and the ACL file   restore.ts  both back, the RDB also as the AOF's base
// data-dir.ts  what the data directory holds before prepare or restore

export { createRedisManager, checkPrepareSpec, REDIS_CAPABILITIES, type RedisManagerOptions } from "./manager.js";
export { ADMIN_USER, ROOT_USER, USER_RULES } from "./acl.js";
export { NO_DATABASES, NO_GRANTS } from "./admin.js";
export { deriveSettings, renderConfig, MAXMEMORY_SHARE, MIN_RAM_MB } from "./settings.js";
export { AGENT_OWNED, DEFAULT_SLOWLOG_THRESHOLD_US } from "./parameters.js";
export { DEFAULT_LOG_CAPS, type LogCaps } from "./error-log.js";
export { MAX_SOCKET_PATH_BYTES } from "../common/layout-checks.js";
export { connectResp, encodeCommand, parseReply, RespConnection, RespConnectionError, RespError, type RespValue } from "./resp.js";
