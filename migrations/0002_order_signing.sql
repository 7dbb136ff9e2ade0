-- The signed order's identity, persisted with the intent before anything is sent: the digest is the order id the CLOB
-- reports, and the signing timestamp lets the exact same order (same salt, same signature) be rebuilt after a crash.
ALTER TABLE copy_orders ADD COLUMN order_digest TEXT UNIQUE CHECK (order_digest IS NULL OR (length(order_digest) = 66 AND order_digest ~ '^0x[0-9a-f]+$'));
ALTER TABLE copy_orders ADD COLUMN order_timestamp_ms BIGINT;
