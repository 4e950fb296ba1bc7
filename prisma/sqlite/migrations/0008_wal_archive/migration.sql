-- AlterTable (hand-shortened from Prisma's table redefinition: SQLite adds these columns in place)
ALTER TABLE "instances" ADD COLUMN "restoreTime" DATETIME;
ALTER TABLE "instances" ADD COLUMN "walStorageKind" TEXT;
ALTER TABLE "instances" ADD COLUMN "walStorageLocation" TEXT;
ALTER TABLE "instances" ADD COLUMN "walWrappedKey" TEXT NOT NULL DEFAULT '';
