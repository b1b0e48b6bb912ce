DROP TABLE link_preview_jobs;
DROP TABLE message_link_previews;
DROP TABLE link_previews;
DELETE FROM log_consumers WHERE name = 'previews';
