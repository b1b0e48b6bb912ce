# The two commands a new user needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
LOCAL_PG := scripts/local-pg.sh

.PHONY: run test test-two-clusters e2e faults fuzz bench db-start db-url db-stop ha-start ha-stop ha-status ha-drill s3-start s3-stop lint ci

## Serve on 127.0.0.1:8000 (CHAT_ADDR); uses DATABASE_URL, or starts the project-local cluster.
run:
	@if [ -z "$$DATABASE_URL" ]; then $(LOCAL_PG) start; fi
	DATABASE_URL="$${DATABASE_URL:-$$($(LOCAL_PG) url)}" cargo run --release -p chat-api

## Every test, unit and integration, against the project-local cluster and the project-local S3
## server (uploads run on a local folder and on S3); the web client's unit tests (Node's own test
## runner, no package); the API suite again over two clusters; then the web client's end-to-end
## tests in a real browser.
test: db-start s3-start
	node --test crates/chat-web/test/
	DATABASE_URL="$$($(LOCAL_PG) url)" CHAT_TEST_S3_ENDPOINT="$$(scripts/s3-server.sh url)" cargo test --workspace
	$(MAKE) test-two-clusters
	scripts/e2e.sh

## The API suite (its real-time and resume tests included) on a deployment of two clusters:
## every test server runs over two databases, logical shards 0-31 on the first and 32-63 on the
## second (CHAT_TEST_CLUSTERS=2, tests/api/support/clusters.rs). Left out: the tests of what is
## not built across clusters yet (docs/ARCHITECTURE.md, "The server over `Clusters`": push,
## webhooks, presence, files, link previews, a report's or the audit's rows, a rename's
## `member.updated`, the `shared` direct-chat setting across clusters), and those that hold what
## only one cluster does (its statement count, `next_since` as the one log's seq, faults made on
## the first database only).
TWO_CLUSTERS_NOT_BUILT := push:: client_push:: webhooks:: presence:: uploads:: previews:: \
	reports:: moderation:: bots::a_token_limited_to_one_chat_finds_no_other \
	members::members_are_listed_with_their_roles_for_members_only \
	client::a_service_shares_a_file client::blocks_the_direct_chat_setting_and_bans_through_the_client \
	users::a_new_display_name_reaches_every_chat_of_its_user_as_member_updated \
	bots::a_renamed_bot_is_a_member_updated_in_its_chats blocks::who_may_start_a_direct_chat_is_each_users_choice
TWO_CLUSTERS_ONE_CLUSTER_ONLY := resume_tokens::resuming_with_an_events_token_replays_exactly_what_came_after_it \
	realtime_resume::the_http_feed_serves_the_same_frames_and_asks_to_resync_when_too_far \
	commit_faults:: domain_types::every_frame_decodes_into_server_frame_and_every_event_kind_is_seen
test-two-clusters: db-start s3-start
	DATABASE_URL="$$($(LOCAL_PG) url)" CHAT_TEST_S3_ENDPOINT="$$(scripts/s3-server.sh url)" CHAT_TEST_CLUSTERS=2 \
		cargo test -p chat-api --test api -- $(addprefix --skip ,$(TWO_CLUSTERS_NOT_BUILT) $(TWO_CLUSTERS_ONE_CLUSTER_ONLY))

## The web client in Debian's Chromium (installed when missing), driven by playwright-core, against
## the debug server on a fresh database; screenshots in .data/e2e-artifacts/. See scripts/e2e.sh.
e2e: db-start
	scripts/e2e.sh

## Fault tests: kill -9 of the release server, database restarts and outages, and failovers of a
## replicated cluster (a killed and a frozen primary), under load. They run on clusters of their own
## (.data/faults and .data/faults-ha, their own ports), never the ones `make test` and `make ha-start`
## use, and stop them afterwards. Not part of `cargo test` (`test = false` in crates/chat-api/Cargo.toml).
FAULTS_PG_ROOT := $(CURDIR)/.data/faults
FAULTS_HA_ROOT := $(CURDIR)/.data/faults-ha
FAULTS_PG := env -u CHAT_PG_PORT -u CHAT_PG_DB CHAT_PG_ROOT=$(FAULTS_PG_ROOT) \
	$${CHAT_FAULTS_PG_PORT:+CHAT_PG_PORT=$$CHAT_FAULTS_PG_PORT} $(LOCAL_PG)
faults:
	cargo test -p chat-api --release --test faults --no-run   # builds target/release/chat-api too
	$(FAULTS_PG) start
	CHAT_FAULTS_PG_ROOT=$(FAULTS_PG_ROOT) CHAT_FAULTS_HA_ROOT=$(FAULTS_HA_ROOT) \
		cargo test -p chat-api --release --test faults -- --test-threads=1 --nocapture; \
		status=$$?; $(FAULTS_PG) stop; CHAT_HA_ROOT=$(FAULTS_HA_ROOT) scripts/ha-cluster.sh stop; exit $$status

## Schema fuzzing: schemathesis (pinned, in a virtualenv under .data/) against a release server on
## a fresh database, with a live token; fails on a 5xx or an answer the OpenAPI document does not
## describe. Bounded to a few minutes; scripts/fuzz.toml holds the seed and the checks.
fuzz:
	scripts/fuzz.sh

## Throughput and latency of the hot paths through a release server, each beside PostgreSQL alone
## (pgbench) running the statements the server sent for it, in the same run, and their ratio. It
## runs on a cluster of its own (.data/bench, its own port, stopped afterwards), whose CPU it counts
## whole, on a fresh copy of the kept corpora: 12,000,000 messages written in SQL to a template
## database named after migrations/ and the corpora, once (13 to 15 minutes, 4.8 GB, as much again
## for the copy), then copied in 14 to 20 s each run; a new one replaces it when either changes.
## BENCH_SECONDS (10) and BENCH_ROUNDS (3) per side and work. Not part of CI. See
## crates/chat-api/examples/bench/main.rs and kept.rs.
BENCH_ADDR := 127.0.0.1:8099
BENCH_PG := env -u CHAT_PG_PORT CHAT_PG_DB=chat_bench CHAT_PG_ROOT=$(CURDIR)/.data/bench \
	$${CHAT_BENCH_PG_PORT:+CHAT_PG_PORT=$$CHAT_BENCH_PG_PORT} $(LOCAL_PG)
bench:
	cargo build --release -p chat-api --bin chat-api --example bench
	$(BENCH_PG) start
	url=$$($(BENCH_PG) url); \
	BENCH_DATABASE_URL=$$url target/release/examples/bench prepare || { $(BENCH_PG) stop; exit 1; }; \
	rm -rf .data/bench-uploads; \
	DATABASE_URL=$$url CHAT_ADDR=$(BENCH_ADDR) CHAT_LOG=warn CHAT_AUTH_PER_MINUTE=100000 CHAT_STORAGE_URL=.data/bench-uploads \
		CHAT_SEND_BURST=1000000000 CHAT_SEND_PER_MINUTE=1000000000 \
		CHAT_PUSH_ALLOWED_HOSTS=127.0.0.1 CHAT_WEBHOOK_ALLOWED_HOSTS=127.0.0.1 \
		CHAT_MAX_UPLOAD_BYTES=$$((128 * 1024 * 1024)) target/release/chat-api & server=$$!; \
	for i in $$(seq 50); do curl -sf http://$(BENCH_ADDR)/readyz >/dev/null && break; sleep 0.2; done; \
	BENCH_DATABASE_URL=$$url BENCH_SERVER_PID=$$server target/release/examples/bench http://$(BENCH_ADDR); status=$$?; \
	kill $$server; wait $$server; $(BENCH_PG) stop; exit $$status

db-start:
	@$(LOCAL_PG) start

## A replicated cluster instead: etcd and three PostgreSQL nodes under Patroni, synchronous
## replication (.data/ha, ports of this checkout's own). Its URL: scripts/ha-cluster.sh url.
## See scripts/ha-cluster.sh and docs/OPERATIONS.md.
ha-start:
	@scripts/ha-cluster.sh start

ha-stop:
	@scripts/ha-cluster.sh stop

ha-status:
	@scripts/ha-cluster.sh status

## A point-in-time restore drill on that cluster (started and stopped again if it is not running):
## a full backup, rows inserted with their acknowledgement times, a restore to a time between them
## into a fresh standalone node, every row acknowledged before that time there and none after.
## See scripts/restore-drill.sh and docs/OPERATIONS.md.
ha-drill:
	@scripts/restore-drill.sh

## moto's S3 server on 127.0.0.1 (installed into .data/s3 on first use), for the upload tests.
s3-start:
	@scripts/s3-server.sh start

s3-stop:
	@scripts/s3-server.sh stop

## The local cluster's URL, for psql or a second server process.
db-url:
	@$(LOCAL_PG) url

db-stop:
	@$(LOCAL_PG) stop

lint: crates/chat-web/node_modules/.installed
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p chat-api --test faults -- -D warnings   # test = false: --all-targets skips it
	cd crates/chat-web && node_modules/.bin/eslint --max-warnings 0

## The web client's linter, as pinned in its lockfile: installed when missing or when that changed.
crates/chat-web/node_modules/.installed: crates/chat-web/package-lock.json
	npm ci --prefix crates/chat-web --no-audit --no-fund --silent
	touch $@

## What CI runs: the fault tests, schema fuzzing and the restore drill after every other test passed.
## Each step prints when it ended, so a slow one shows in CI's log (CI has 30 minutes).
ci:
	@start=$$(date +%s); for step in lint test faults fuzz ha-drill; do \
		$(MAKE) $$step || exit $$?; \
		echo "ci: $$step done at $$(( $$(date +%s) - start )) s"; \
	done
