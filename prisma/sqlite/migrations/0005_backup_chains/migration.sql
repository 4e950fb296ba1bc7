-- AlterTable
ALTER TABLE "backup_schedules" ADD COLUMN "fullEvery" INTEGER;
