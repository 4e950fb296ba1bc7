// Lint rules that keep the house honest (STYLE.md): no floating promises, no Prisma outside
// store/, no imports across services, no cycles.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

const services = ["gateway", "taskmanager", "conductor"];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "gen/**", ".hoard/**", "tmp/**", "bin/**", "prisma/*/**", "**/*.js"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": "error",
    },
  },
  // Prisma only in store/ folders and the db module.
  {
    files: ["services/**/*.ts", "agent/**/*.ts", "cli/**/*.ts"],
    ignores: ["services/*/store/**", "services/platform/db/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@prisma/*", "**/gen/prisma/**"], message: "Prisma belongs in store/ only" }] }],
    },
  },
  // No imports across services: each may use platform/ and its own folder only.
  ...services.map((name) => ({
    files: [`services/${name}/**/*.ts`],
    ignores: ["services/*/store/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: services.filter((s) => s !== name).flatMap((s) => [`../${s}/**`, `../../${s}/**`, `../../../${s}/**`]), message: "no imports across services; share through platform/" },
            { group: ["@prisma/*", "**/gen/prisma/**"], message: "Prisma belongs in store/ only" },
          ],
        },
      ],
    },
  })),
);
