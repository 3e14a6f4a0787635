# hafeniq-chain: `make demo` and `make test` are the two commands a newcomer types.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ANVIL_VERSION := 1.7.1
ANVIL := tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
STAMP := $(VENV)/.installed
HARDHAT_VERSION := 2.29.1
GANACHE_VERSION := 7.9.2
NODES := tools/nodes/node_modules/.bin/hardhat

.PHONY: setup demo test test-fast bench lint fixtures clean nodes

setup: $(STAMP) $(ANVIL) $(NODES)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ANVIL):
	mkdir -p tools
	cd tools && npm install --no-audit --no-fund --no-save --no-package-lock \
		@foundry-rs/anvil-linux-amd64@$(ANVIL_VERSION) >/dev/null
	test -x $(ANVIL)

# Hardhat 2 and ganache for the node-compatibility tests; a package.json of their own keeps
# npm from pruning Anvil's tools/node_modules.
nodes: $(NODES)

$(NODES):
	mkdir -p tools/nodes
	echo '{"private": true}' > tools/nodes/package.json
	echo 'module.exports = { networks: { hardhat: { chainId: 31337 } } };' \
		> tools/nodes/hardhat.config.js
	cd tools/nodes && npm install --no-audit --no-fund --no-save --no-package-lock --loglevel=error \
		hardhat@$(HARDHAT_VERSION) ganache@$(GANACHE_VERSION) >/dev/null
	test -x $(NODES) && test -x tools/nodes/node_modules/.bin/ganache

demo: setup
	$(BIN)/hafeniq-chain demo

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q tests/unit

bench: setup
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check hafeniq_chain tests bench
	$(BIN)/mypy

fixtures:
	cd contracts-fixtures && npm install --no-audit --no-fund --no-package-lock >/dev/null && node build.mjs
	cd contracts-fixtures && node protocols.mjs

clean:
	rm -rf $(VENV) tools .pytest_cache .mypy_cache .ruff_cache
