-- AlterTable
ALTER TABLE "backups" ADD COLUMN     "parentId" TEXT,
ADD COLUMN     "scheduled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "backup_schedules" (
    "id" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "keepLast" INTEGER,
    "keepDays" INTEGER,
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "lastRunAt" TIMESTAMP(3),
    "lastBackupId" TEXT,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "backup_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "backup_schedules_instanceId_key" ON "backup_schedules"("instanceId");

-- CreateIndex
CREATE INDEX "backup_schedules_nextRunAt_idx" ON "backup_schedules"("nextRunAt");

-- CreateIndex
CREATE INDEX "backups_parentId_idx" ON "backups"("parentId");

-- AddForeignKey
ALTER TABLE "backups" ADD CONSTRAINT "backups_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "backups"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backup_schedules" ADD CONSTRAINT "backup_schedules_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "instances"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "backup_schedules" ADD CONSTRAINT "backup_schedules_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
