-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "quotaCheckedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "quotas" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "hardLimit" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "quotas_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "quotas_projectId_resource_key" ON "quotas"("projectId", "resource");

-- AddForeignKey
ALTER TABLE "quotas" ADD CONSTRAINT "quotas_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
