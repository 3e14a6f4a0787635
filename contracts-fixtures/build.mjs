// Regenerates artifacts/*.json (ABI + creation bytecode) from the npm packages.
// Real protocol bytecode is copied from the packages' own build artifacts; our own and
// OpenZeppelin-based contracts are compiled with solc-js (see compileSources below).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.ARTIFACTS_OUT ?? join(here, "artifacts");
mkdirSync(out, { recursive: true });

const pkgVersion = (pkg) =>
  JSON.parse(readFileSync(join(here, "node_modules", pkg, "package.json"), "utf8")).version;

function writeArtifact(name, abi, bytecode, source) {
  const hex = bytecode.startsWith("0x") ? bytecode : `0x${bytecode}`;
  const artifact = { contractName: name, source, abi, bytecode: hex };
  writeFileSync(join(out, `${name}.json`), JSON.stringify(artifact, null, 1) + "\n");
}

// Uniswap V2 and WETH9 exactly as published (Router02 hard-codes the Pair init-code hash).
const NPM_ARTIFACTS = [
  ["@uniswap/v2-core", "UniswapV2Factory"],
  ["@uniswap/v2-core", "UniswapV2Pair"],
  ["@uniswap/v2-periphery", "UniswapV2Router02"],
  ["@uniswap/v2-periphery", "WETH9"],
];
for (const [pkg, name] of NPM_ARTIFACTS) {
  const built = JSON.parse(readFileSync(join(here, "node_modules", pkg, "build", `${name}.json`), "utf8"));
  const bytecode = built.bytecode ?? built.evm.bytecode.object;
  writeArtifact(name, built.abi, bytecode, `npm:${pkg}@${pkgVersion(pkg)}`);
}
console.log(`wrote ${NPM_ARTIFACTS.length} npm artifacts to ${out}`);

// Our own and OpenZeppelin-based contracts: solc-js standard JSON, imports read from node_modules.
import solc from "solc";
import { readdirSync } from "node:fs";

const srcDir = join(here, "src");
const OWN = readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort();
const sources = Object.fromEntries(
  OWN.map((f) => [`src/${f}`, { content: readFileSync(join(srcDir, f), "utf8") }]),
);
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
function findImports(path) {
  try {
    return { contents: readFileSync(join(here, "node_modules", path), "utf8") };
  } catch {
    return { error: `not found: ${path}` };
  }
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const ozVersion = pkgVersion("@openzeppelin/contracts");
let compiled = 0;
for (const f of OWN) {
  const name = f.replace(/\.sol$/, "");
  const contract = output.contracts[`src/${f}`][name];
  writeArtifact(name, contract.abi, contract.evm.bytecode.object,
    `src/${f} solc-js@${solc.version()} openzeppelin@${ozVersion}`);
  compiled += 1;
}
console.log(`compiled ${compiled} contracts with solc ${solc.version()} to ${out}`);
