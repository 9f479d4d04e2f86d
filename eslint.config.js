// Lint for the live view's JavaScript (playground/ui/web) and its tests (tests/js): ES modules in the browser,
// node's test runner for the tests. `no-undef` is the rule that matters most: every name a module uses must
// be defined in it or imported.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: [".venv/**", "node_modules/**"] },
  js.configs.recommended,
  {
    files: ["playground/ui/web/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: { "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }] },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
