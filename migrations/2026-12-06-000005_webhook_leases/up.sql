-- A webhook's sender holds the webhook, not its deliveries: a claim leases the webhook and then
-- takes a run of its oldest pending deliveries in order. With a lease per delivery, two processes
-- could each hold part of one webhook's backlog (a run taken from an older snapshot than another's)
-- and send them out of order; one lease per webhook makes its run one process's at a time.
ALTER TABLE webhooks ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE webhook_deliveries DROP COLUMN claimed_until;
