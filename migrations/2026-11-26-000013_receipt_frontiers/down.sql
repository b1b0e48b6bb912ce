DROP TABLE receipt_frontiers;
