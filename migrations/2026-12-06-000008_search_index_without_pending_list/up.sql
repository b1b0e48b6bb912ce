-- The search index's GIN index writes each message's words straight into its entry tree instead
-- of a pending list. With `fastupdate` (PostgreSQL's default), words went to an unsorted list of
-- up to 4 MB that every search read whole until a vacuum or a full list merged it: in
-- `make bench`, 440 pending pages made a two-word search cost 9-16 ms of the database's CPU
-- instead of 0.5 ms (30 ms a search at 16 clients). The list made inserts cheaper (30 against 70
-- µs a row, 20,000 rows, the merge paid later), but the inserts are the `search` consumer's
-- batches in the background (`search_index.rs`), while searches are what people wait for.
ALTER INDEX message_search_words_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('message_search_words_idx'::regclass);
