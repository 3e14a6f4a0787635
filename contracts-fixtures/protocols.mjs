// Extracts real Uniswap V4 and Balancer V2 bytecode (ABI + creation code) from the pinned
// npm packages that ship it, into artifacts/*.json (the same shape build.mjs writes).
// The packages are fetched with `npm pack` into a temporary directory (never node_modules:
// @uniswap/v4-core is 17 MB packed); only the few contracts the tests deploy are kept.
// Curve: no npm package ships its Vyper pool bytecode (@curvefi/api 2.70.1: ABIs only).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.ARTIFACTS_OUT ?? join(here, "artifacts");
mkdirSync(out, { recursive: true });

const V4_CORE = "@uniswap/v4-core@1.0.2";
const BALANCER = "@balancer-labs/v2-deployments@3.2.0";

function unpack(spec) {
  const dir = mkdtempSync(join(tmpdir(), "hafeniq-npm-"));
  const file = execFileSync("npm", ["pack", spec, "--silent"], { cwd: dir, encoding: "utf8" })
    .trim().split("\n").pop();
  execFileSync("tar", ["xzf", file], { cwd: dir });
  return { dir, root: join(dir, "package") };
}

function write(name, abi, bytecode, source) {
  const hex = bytecode.startsWith("0x") ? bytecode : `0x${bytecode}`;
  // Compact JSON: these creation codes are 5-28 KB each; the ABI indentation would double it.
  writeFileSync(join(out, `${name}.json`),
    JSON.stringify({ contractName: name, source, abi, bytecode: hex }) + "\n");
}

const json = (path) => JSON.parse(readFileSync(path, "utf8"));

// Uniswap V4 core: foundry `out/` (PoolManager plus the package's own test routers, which
// implement the unlock callback, and its MockERC20).
{
  const { dir, root } = unpack(V4_CORE);
  for (const [path, name] of [
    ["out/PoolManager.sol/PoolManager.json", "V4PoolManager"],
    ["out/PoolSwapTest.sol/PoolSwapTest.json", "V4PoolSwapTest"],
    ["out/PoolModifyLiquidityTest.sol/PoolModifyLiquidityTest.json", "V4PoolModifyLiquidityTest"],
    ["out/mocks/MockERC20.sol/MockERC20.json", "V4MockERC20"],
  ]) {
    const built = json(join(root, path));
    write(name, built.abi, built.bytecode.object, `npm:${V4_CORE} ${path}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

// Balancer V2 (April 2021 mainnet deployment): dist/tasks/<task>/{abi,bytecode}/<Name>.json.
{
  const { dir, root } = unpack(BALANCER);
  for (const [task, contract, name] of [
    ["20210418-authorizer", "Authorizer", "BalancerAuthorizer"],
    ["20210418-vault", "Vault", "BalancerVault"],
    ["20210418-weighted-pool", "WeightedPool2TokensFactory", "BalancerWeightedPool2TokensFactory"],
    ["20210418-weighted-pool", "WeightedPool2Tokens", "BalancerWeightedPool2Tokens"],
  ]) {
    const base = join(root, "dist", "tasks", task);
    const abi = json(join(base, "abi", `${contract}.json`));
    // The pool itself is created by its factory: its ABI is enough.
    const code = contract === "WeightedPool2Tokens" ? ""
      : json(join(base, "bytecode", `${contract}.json`)).creationCode;
    write(name, abi, code, `npm:${BALANCER} dist/tasks/${task}/${contract}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote Uniswap V4 (${V4_CORE}) and Balancer V2 (${BALANCER}) artifacts to ${out}`);
