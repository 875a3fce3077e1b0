// The floors of DESIGN §2, enforced (npm run lint:deps, part of npm test via test/e2e/structure.test.ts).
//
//   harness/cli        top: commands, program, exit codes, terminal summary
//   harness/run        runner, run shape, registry, progress, exit handlers
//   harness/verdicts   judge and claims: history + checker results → results.json
//   reports            run report
//   nemeses            partition, kill, pause, their catalog
//   clusters           runtimes and one folder per system
//   workloads          generators + the checkers that judge them
//   checkers           pure functions of a history
//   harness (kernel)   op, clock, rng, grudge, errors, history/, generator/, spec/, store/, interpreter/
//
// A place imports only places below it. Tests and test/support sit outside the floors: they may
// import anything, and production code never imports them.

const KERNEL = "^harness/(?!run/|verdicts/|cli/)";
const TEST_FILE = "(\\.test\\.ts$|\\.fixture\\.ts$|^test/|/testdata/)";
/** Not production: tests, their support, and the benchmarks (which may use test/support's history
 *  generators, DESIGN §2, but nothing else of test/). */
const NOT_PRODUCTION = `(${TEST_FILE}|^bench/)`;

// Bottom to top. Each entry: the place's path pattern and the places it may not import (every
// place above it).
const FLOORS = [
  ["kernel", KERNEL],
  ["checkers", "^checkers/"],
  ["workloads", "^workloads/"],
  ["clusters", "^clusters/"],
  ["nemeses", "^nemeses/"],
  ["reports", "^reports/"],
  ["verdicts", "^harness/verdicts/"],
  ["run", "^harness/run/"],
  ["cli", "^harness/cli/"],
];

const floorRules = FLOORS.flatMap(([name, path], i) => {
  const above = FLOORS.slice(i + 1);
  if (above.length === 0) return [];
  return [
    {
      name: `floor-${name}`,
      comment: `${name} sits below ${above.map(([n]) => n).join(", ")} (DESIGN §2): it may not import them.`,
      severity: "error",
      from: { path, pathNot: TEST_FILE },
      to: { path: above.map(([, p]) => p) },
    },
  ];
});

module.exports = {
  forbidden: [
    ...floorRules,
    {
      name: "docker-runtime-not-spec",
      comment: "The docker runtime builds a system's containers from its layout (System.docker) and the images its caller names; it never reads the test spec.",
      severity: "error",
      from: { path: "^clusters/runtime/docker/" },
      to: { path: "^harness/spec/" },
    },
    {
      name: "results-db-owns-postgres-client",
      comment: "The results database (harness/run/results-db/, on the run floor) and the postgres system (clusters/postgres/) are the only production code that talks to PostgreSQL through the postgres client; serve reaches the database through reports/serve/trend.ts's TrendSource, wired by the CLI.",
      severity: "error",
      from: { path: "^(harness|checkers|workloads|clusters|nemeses|reports|bin|scripts)/", pathNot: `(^harness/run/results-db/|^clusters/postgres/|${NOT_PRODUCTION})` },
      to: { path: "node_modules/postgres/" },
    },
    {
      name: "no-test-support-in-production",
      comment: "Production code never imports tests, test/support or testdata.",
      severity: "error",
      from: { pathNot: NOT_PRODUCTION },
      to: { path: TEST_FILE },
    },
    {
      name: "bench-not-test",
      comment: "Benchmarks import production code and test/support's history generators, nothing else of test/.",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "(^test/(?!support/)|\\.test\\.ts$)" },
    },
    {
      name: "no-circular",
      comment: "No file imports itself through others.",
      severity: "error",
      from: { pathNot: TEST_FILE },
      to: { circular: true, pathNot: TEST_FILE },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // node_modules stay in the graph as leaves (doNotFollow), so a rule can name a package.
    exclude: { path: "^store/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".mjs", ".cjs", ".json"] },
  },
};
