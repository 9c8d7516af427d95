// Lint rules: typescript-eslint's strict type-checked rules for the extension's sources, and
// ESLint's recommended rules for the JavaScript tests and this file.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: {
      // The Node.js globals the tests use (the rest comes from `node:` imports).
      globals: { Buffer: "readonly", URL: "readonly" },
    },
  },
);
