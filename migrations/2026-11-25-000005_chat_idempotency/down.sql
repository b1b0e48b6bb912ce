DELETE FROM idempotency_keys WHERE chat_id IS NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_one_target;
ALTER TABLE idempotency_keys DROP COLUMN chat_id;
ALTER TABLE idempotency_keys ALTER COLUMN message_id SET NOT NULL;
