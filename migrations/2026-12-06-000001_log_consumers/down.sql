DROP TABLE log_consumers;
