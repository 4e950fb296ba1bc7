-- AlterTable
ALTER TABLE "instances" ADD COLUMN     "sourceBackupId" TEXT;

-- CreateTable
CREATE TABLE "backups" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "backups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "backups_instanceId_idx" ON "backups"("instanceId");

-- CreateIndex
CREATE UNIQUE INDEX "backups_projectId_name_key" ON "backups"("projectId", "name");

-- AddForeignKey
ALTER TABLE "backups" ADD CONSTRAINT "backups_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backups" ADD CONSTRAINT "backups_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "instances"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
