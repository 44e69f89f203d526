# Arke Export: the two commands are `make run` and `make test`. Everything else here serves them,
# except `make dist` (the installable packages) and `make dist-test` (CI runs it after `make test`).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO_HOME ?= $(HOME)/.cargo
export CARGO_HOME
export PATH := $(CARGO_HOME)/bin:$(PATH)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP := $(TARGET_DIR)/debug/arke-export-desktop
TAURI := $(CURDIR)/ui/node_modules/.bin/tauri

.PHONY: run test deps ui app lint rust-test ui-test bindings-check e2e workflows dist sidecars dist-test worker-image

## run: install what is missing, build, and open the app.
run: deps ui
	cargo build -p arke-export-worker
	cargo run -p arke-export-desktop --features custom-protocol

## test: every check and test, the GUI end-to-end test included; fails if any fails.
test: deps lint workflows rust-test bindings-check ui-test app e2e

deps:
	./scripts/install-deps.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

# The GitHub workflows (release, worker image) cannot run here: actionlint checks them.
workflows:
	./scripts/check-workflows.sh

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

## app: the app as it ships (bundled UI, no dev server), debug profile, with the worker its sandbox
## runs and the CLI: one cargo run and one feature resolution (the same as `make dist`'s), so a
## debug package (`make dist DIST_PROFILE=debug`, CI) reuses this build instead of compiling again.
app: ui
	cd src-tauri && $(TAURI) build --debug --no-bundle -- --locked $$(../scripts/stage-sidecars.sh --cargo-args)

e2e: app
	NO_AT_BRIDGE=1 ARKE_EXPORT_APP=$(APP) xvfb-run -a -s "-screen 0 1280x800x24" \
	  dbus-run-session -- cargo test -p arke-export-e2e --locked -- --test-threads=1

# ---- Packages -----------------------------------------------------------------------------------
# DIST_PROFILE=debug packages the debug build of `make app` instead (CI: the installed-app test then
# costs a minute, not a second, 30-45 minute cold release build; see the README's "Packages").
DIST_PROFILE ?= release
DIST_BUNDLES ?= deb,rpm
BUNDLE := $(TARGET_DIR)/$(DIST_PROFILE)/bundle
TAURI_PROFILE_FLAG := $(if $(filter debug,$(DIST_PROFILE)),--debug,)

## dist: the release app and its Linux packages, .deb and .rpm, in $(BUNDLE)/{deb,rpm}.
# The worker (the sandbox's machines) goes in as a Tauri sidecar, installed beside the app as
# /usr/bin/arke-export-worker; the CLI as /usr/bin/arke-export. Both are declared only in
# src-tauri/tauri.dist.conf.json: tauri-build copies every externalBin on *each* build of the
# desktop crate (cargo clippy/test/run too), so the base config must not need the binaries.
# The cargo arguments after `--` make tauri build resolve features exactly as the sidecars step did,
# so nothing is compiled twice (see scripts/stage-sidecars.sh).
dist: deps ui sidecars
	rm -rf $(BUNDLE)/deb $(BUNDLE)/rpm  # one package of each kind: this version's
	cd src-tauri && $(TAURI) build $(TAURI_PROFILE_FLAG) --bundles $(DIST_BUNDLES) --config tauri.dist.conf.json \
	  -- --locked $$(../scripts/stage-sidecars.sh --cargo-args)
	@find $(BUNDLE) -maxdepth 2 \( -name '*.deb' -o -name '*.rpm' \) -exec ls -l {} +

# The app, worker and CLI ($(DIST_PROFILE)); the last two copied where tauri.dist.conf.json expects them.
sidecars:
	DIST_PROFILE=$(DIST_PROFILE) ./scripts/stage-sidecars.sh

## dist-test: installs the built .deb with apt (root), runs the archivist's path in the installed
## app under Xvfb, checks the CLI on PATH and the desktop files, then removes the package.
dist-test: dist
	./scripts/dist-test.sh $(BUNDLE)/deb

## worker-image: builds crates/worker/Dockerfile for linux/amd64 as registry.fly.io/$(FLY_APP):$(TAG)
## (and pushes it with PUSH=1, after `fly auth docker`). Needs docker, or podman/buildah.
FLY_APP ?= arke-export-worker
TAG ?= v$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
worker-image:
	./scripts/worker-image.sh registry.fly.io/$(FLY_APP):$(TAG)
