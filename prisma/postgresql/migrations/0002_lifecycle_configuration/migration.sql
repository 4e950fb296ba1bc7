-- AlterTable
ALTER TABLE "datastore_versions" ADD COLUMN     "parameterCatalogue" TEXT;

-- AlterTable
ALTER TABLE "instances" ADD COLUMN     "allowedCidrs" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "configurationId" TEXT,
ADD COLUMN     "deletionProtection" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "volumeTotalBytes" BIGINT;

-- CreateTable
CREATE TABLE "configuration_groups" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "datastoreVersionId" TEXT NOT NULL,
    "values" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "configuration_groups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "configuration_groups_projectId_name_key" ON "configuration_groups"("projectId", "name");

-- CreateIndex
CREATE INDEX "instances_configurationId_idx" ON "instances"("configurationId");

-- AddForeignKey
ALTER TABLE "instances" ADD CONSTRAINT "instances_configurationId_fkey" FOREIGN KEY ("configurationId") REFERENCES "configuration_groups"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "configuration_groups" ADD CONSTRAINT "configuration_groups_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "configuration_groups" ADD CONSTRAINT "configuration_groups_datastoreVersionId_fkey" FOREIGN KEY ("datastoreVersionId") REFERENCES "datastore_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
