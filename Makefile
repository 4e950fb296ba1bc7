# Two commands on a fresh Debian machine: `make up` runs the whole stack, `make test` tests it.
.PHONY: deps up test lint bench clean

deps:
	./scripts/ensure-system.sh
	./scripts/ensure-node.sh

up: deps
	node dist/cli/main.js up

test: deps
	npm run --silent lint
	npm run --silent test

lint: deps
	npm run --silent lint

bench: deps
	npm run --silent bench

clean:
	rm -rf dist gen
