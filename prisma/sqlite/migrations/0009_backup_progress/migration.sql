-- AlterTable
ALTER TABLE "backups" ADD COLUMN "progressAt" DATETIME;
ALTER TABLE "backups" ADD COLUMN "progressBytes" BIGINT;
ALTER TABLE "backups" ADD COLUMN "progressTotalBytes" BIGINT;
