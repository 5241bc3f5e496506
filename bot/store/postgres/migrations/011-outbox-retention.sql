-- 011: finished outbox rows are pruned after OUTBOX_RETENTION_DAYS (see the twin in
-- bot/store/migrations).
CREATE INDEX deliveries_finished ON deliveries (updated_at, id) WHERE status <> 'pending';
