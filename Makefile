# Arke Export: the two commands are `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO_HOME ?= $(HOME)/.cargo
export CARGO_HOME
export PATH := $(CARGO_HOME)/bin:$(PATH)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP := $(TARGET_DIR)/debug/arke-export-desktop
TAURI := $(CURDIR)/ui/node_modules/.bin/tauri

.PHONY: run test deps ui app lint rust-test ui-test bindings-check e2e

## run: install what is missing, build, and open the app.
run: deps ui
	cargo build -p arke-export-worker
	cargo run -p arke-export-desktop --features custom-protocol

## test: every check and test, the GUI end-to-end test included; fails if any fails.
test: deps lint rust-test bindings-check ui-test app e2e

deps:
	./scripts/install-deps.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

rust-test:
	./scripts/with-keyring.sh cargo test --workspace --exclude arke-export-e2e --locked

# ts-rs writes ui/src/bindings during `cargo test`; a diff means a Rust type changed without its TS twin.
bindings-check: rust-test
	git diff --exit-code -- ui/src/bindings || { echo "ui/src/bindings is stale: commit the regenerated files"; exit 1; }
	test -z "$$(git ls-files --others --exclude-standard -- ui/src/bindings)" || { echo "new bindings in ui/src/bindings are not committed"; exit 1; }

ui:
	cd ui && npm run build

ui-test:
	cd ui && npm run check && npm test

## app: the app as it ships (bundled UI, no dev server), debug profile, and the worker its sandbox runs.
app: ui
	cargo build -p arke-export-worker --locked
	cd src-tauri && $(TAURI) build --debug --no-bundle

e2e: app
	NO_AT_BRIDGE=1 ARKE_EXPORT_APP=$(APP) xvfb-run -a -s "-screen 0 1280x800x24" \
	  dbus-run-session -- cargo test -p arke-export-e2e --locked -- --test-threads=1
