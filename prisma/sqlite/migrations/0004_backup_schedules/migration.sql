-- CreateTable
CREATE TABLE "backup_schedules" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "instanceId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "keepLast" INTEGER,
    "keepDays" INTEGER,
    "nextRunAt" DATETIME NOT NULL,
    "lastRunAt" DATETIME,
    "lastBackupId" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "backup_schedules_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "instances" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "backup_schedules_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_backups" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "datastoreVersionId" TEXT NOT NULL,
    "volumeSizeGb" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'FULL',
    "state" TEXT NOT NULL,
    "storageKind" TEXT NOT NULL,
    "storageLocation" TEXT NOT NULL,
    "wrappedKey" TEXT NOT NULL DEFAULT '',
    "objects" TEXT NOT NULL DEFAULT '[]',
    "format" TEXT,
    "engineVersion" TEXT,
    "engineDetails" TEXT NOT NULL DEFAULT '{}',
    "sizeBytes" BIGINT,
    "storedBytes" BIGINT,
    "faultMessage" TEXT,
    "scheduled" BOOLEAN NOT NULL DEFAULT false,
    "parentId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "completedAt" DATETIME,
    CONSTRAINT "backups_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "backups_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "instances" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "backups_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "backups" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_backups" ("completedAt", "createdAt", "datastoreVersionId", "description", "engineDetails", "engineVersion", "faultMessage", "format", "id", "instanceId", "kind", "name", "objects", "projectId", "sizeBytes", "state", "storageKind", "storageLocation", "storedBytes", "updatedAt", "volumeSizeGb", "wrappedKey") SELECT "completedAt", "createdAt", "datastoreVersionId", "description", "engineDetails", "engineVersion", "faultMessage", "format", "id", "instanceId", "kind", "name", "objects", "projectId", "sizeBytes", "state", "storageKind", "storageLocation", "storedBytes", "updatedAt", "volumeSizeGb", "wrappedKey" FROM "backups";
DROP TABLE "backups";
ALTER TABLE "new_backups" RENAME TO "backups";
CREATE INDEX "backups_instanceId_idx" ON "backups"("instanceId");
CREATE INDEX "backups_parentId_idx" ON "backups"("parentId");
CREATE UNIQUE INDEX "backups_projectId_name_key" ON "backups"("projectId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "backup_schedules_instanceId_key" ON "backup_schedules"("instanceId");

-- CreateIndex
CREATE INDEX "backup_schedules_nextRunAt_idx" ON "backup_schedules"("nextRunAt");
