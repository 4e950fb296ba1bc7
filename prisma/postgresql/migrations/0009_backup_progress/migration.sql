-- AlterTable
ALTER TABLE "backups" ADD COLUMN     "progressAt" TIMESTAMP(3),
ADD COLUMN     "progressBytes" BIGINT,
ADD COLUMN     "progressTotalBytes" BIGINT;
