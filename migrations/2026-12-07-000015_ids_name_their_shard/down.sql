DROP TABLE shard_layout;
