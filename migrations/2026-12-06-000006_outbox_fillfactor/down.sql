ALTER TABLE push_deliveries RESET (fillfactor);
