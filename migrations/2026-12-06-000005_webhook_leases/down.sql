ALTER TABLE webhook_deliveries ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE webhooks DROP COLUMN claimed_until;
