# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
LOCAL_PG := scripts/local-pg.sh

.PHONY: run test db-start db-url db-stop lint ci

## Serve on 127.0.0.1:8000 (CHAT_ADDR); uses DATABASE_URL, or starts the project-local cluster.
run:
	@if [ -z "$$DATABASE_URL" ]; then $(LOCAL_PG) start; fi
	DATABASE_URL="$${DATABASE_URL:-$$($(LOCAL_PG) url)}" cargo run --release -p chat-api

## Every test, unit and integration, against the project-local cluster.
test: db-start
	DATABASE_URL="$$($(LOCAL_PG) url)" cargo test --workspace

db-start:
	@$(LOCAL_PG) start

## The local cluster's URL, for psql or a second server process.
db-url:
	@$(LOCAL_PG) url

db-stop:
	@$(LOCAL_PG) stop

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## What CI runs.
ci: lint test
