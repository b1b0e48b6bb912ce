// `make lint` for the web client: ESLint's recommended rules (undefined and unused names,
// unreachable code, and the like) over the browser's modules and their unit tests.

import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  { files: ["web/**/*.js"], languageOptions: { globals: globals.browser } },
  { files: ["web/sw.js"], languageOptions: { globals: globals.serviceworker } },
  { files: ["test/**/*.js", "eslint.config.js"], languageOptions: { globals: globals.node } },
];
