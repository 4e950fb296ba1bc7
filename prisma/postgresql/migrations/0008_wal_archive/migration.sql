-- AlterTable
ALTER TABLE "instances" ADD COLUMN     "restoreTime" TIMESTAMP(3),
ADD COLUMN     "walStorageKind" TEXT,
ADD COLUMN     "walStorageLocation" TEXT,
ADD COLUMN     "walWrappedKey" TEXT NOT NULL DEFAULT '';
