// The one JS style of the screens (docs/developing.md): ES modules, const/let, no globals of
// our own, nothing used before it is declared (functions aside: they are hoisted on purpose
// so a module can read top-down), strict equality. Not part of CI (no npm there); run by hand:
//   npm install --prefix /tmp/eslint eslint@9
//   /tmp/eslint/node_modules/.bin/eslint .
// The browser globals the screens use are listed here rather than taken from the `globals`
// package, so the file needs nothing installed next to it; a new one is added on purpose.
const browser = Object.fromEntries([
  "AudioContext", "FormData", "OfflineAudioContext", "SpeechSynthesisUtterance", "URL",
  "URLSearchParams", "clearInterval", "clearTimeout", "console", "document", "fetch",
  "getComputedStyle", "localStorage", "location", "navigator", "setInterval", "setTimeout",
  "speechSynthesis", "window",
].map((name) => [name, "readonly"]));

export default [
  { ignores: [".venv/**", "artifacts/**", "build/**", "bench-data/**", "node_modules/**"] },
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: browser },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-var": "error",
      "prefer-const": "error",
      "prefer-arrow-callback": "error",
      "no-undef": "error",
      "no-implicit-globals": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "no-unused-vars": "error",
      "eqeqeq": "error",
    },
  },
];
