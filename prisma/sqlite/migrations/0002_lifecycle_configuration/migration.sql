-- AlterTable
ALTER TABLE "datastore_versions" ADD COLUMN "parameterCatalogue" TEXT;

-- CreateTable
CREATE TABLE "configuration_groups" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "datastoreVersionId" TEXT NOT NULL,
    "values" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "configuration_groups_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "configuration_groups_datastoreVersionId_fkey" FOREIGN KEY ("datastoreVersionId") REFERENCES "datastore_versions" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_instances" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "activeName" TEXT,
    "flavorId" TEXT NOT NULL,
    "datastoreVersionId" TEXT NOT NULL,
    "volumeSizeGb" INTEGER NOT NULL,
    "volumeKind" TEXT,
    "host" TEXT,
    "port" INTEGER,
    "taskStatus" TEXT NOT NULL,
    "serviceStatus" TEXT NOT NULL,
    "computeStatus" TEXT NOT NULL,
    "serviceDetail" TEXT,
    "faultMessage" TEXT,
    "faultDetails" TEXT,
    "faultAt" DATETIME,
    "lastReportAt" DATETIME,
    "heartbeatAt" DATETIME,
    "volumeUsedBytes" BIGINT,
    "volumeTotalBytes" BIGINT,
    "deletionProtection" BOOLEAN NOT NULL DEFAULT false,
    "allowedCidrs" TEXT NOT NULL DEFAULT '[]',
    "configurationId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deletedAt" DATETIME,
    CONSTRAINT "instances_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "instances_flavorId_fkey" FOREIGN KEY ("flavorId") REFERENCES "flavors" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "instances_datastoreVersionId_fkey" FOREIGN KEY ("datastoreVersionId") REFERENCES "datastore_versions" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "instances_configurationId_fkey" FOREIGN KEY ("configurationId") REFERENCES "configuration_groups" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_instances" ("activeName", "computeStatus", "createdAt", "datastoreVersionId", "deletedAt", "faultAt", "faultDetails", "faultMessage", "flavorId", "heartbeatAt", "host", "id", "lastReportAt", "name", "port", "projectId", "serviceDetail", "serviceStatus", "taskStatus", "updatedAt", "volumeKind", "volumeSizeGb", "volumeUsedBytes") SELECT "activeName", "computeStatus", "createdAt", "datastoreVersionId", "deletedAt", "faultAt", "faultDetails", "faultMessage", "flavorId", "heartbeatAt", "host", "id", "lastReportAt", "name", "port", "projectId", "serviceDetail", "serviceStatus", "taskStatus", "updatedAt", "volumeKind", "volumeSizeGb", "volumeUsedBytes" FROM "instances";
DROP TABLE "instances";
ALTER TABLE "new_instances" RENAME TO "instances";
CREATE INDEX "instances_projectId_name_idx" ON "instances"("projectId", "name");
CREATE INDEX "instances_deletedAt_idx" ON "instances"("deletedAt");
CREATE INDEX "instances_configurationId_idx" ON "instances"("configurationId");
CREATE UNIQUE INDEX "instances_projectId_activeName_key" ON "instances"("projectId", "activeName");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "configuration_groups_projectId_name_key" ON "configuration_groups"("projectId", "name");
