// Regenerates artifacts/*.json (ABI + creation bytecode) from the npm packages.
// Real protocol bytecode is copied from the packages' own build artifacts; our own and
// OpenZeppelin-based contracts are compiled with solc-js (see compileSources below).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "artifacts");
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
