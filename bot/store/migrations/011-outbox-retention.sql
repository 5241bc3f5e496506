-- 011: finished outbox rows are pruned after OUTBOX_RETENTION_DAYS (bot/store/deliveries.py).
--
-- The sender deletes a small batch of the oldest sent, skipped or failed rows each tick;
-- this index hands it exactly those, oldest first, without scanning the pending ones or
-- the rest of the table. Pending rows are never pruned: they are work still to do.
CREATE INDEX deliveries_finished ON deliveries (updated_at, id) WHERE status <> 'pending';
