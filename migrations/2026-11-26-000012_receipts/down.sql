DROP TABLE receipt_marks;
ALTER TABLE chat_members DROP COLUMN last_delivered_message_id;
