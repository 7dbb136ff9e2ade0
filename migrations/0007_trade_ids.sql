-- Issue 17: since 2026-07-24 FAK/FOK (and any matched) order responses carry trade ids, and settlement hashes may be
-- missing. Each trade id is stored once (the primary key makes its reconciliation at-most-once) and followed by polling
-- `GET /data/trades?id=` until the venue reports it CONFIRMED or FAILED.
CREATE TABLE order_trades (
    trade_id         TEXT PRIMARY KEY CHECK (length(trade_id) BETWEEN 1 AND 128),
    order_id         BIGINT NOT NULL REFERENCES copy_orders (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'REPORTED',
    transaction_hash TEXT,
    trader_side      TEXT CHECK (trader_side IN ('TAKER', 'MAKER')),
    polls            INTEGER NOT NULL DEFAULT 0,
    first_seen       TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at      TIMESTAMPTZ
);
CREATE INDEX order_trades_open ON order_trades (first_seen) WHERE resolved_at IS NULL;
