-- Issue 30: one trade, one row, whichever sources saw it. The key loses the price: the feeds round a taker's price
-- differently from the chain's amounts, so the same match came in twice. What tells two fills of one wallet, token,
-- side and size in one transaction apart is their order by log index (`ordinal`, 0 for the first), which only the
-- chain can see; the chain's log index is kept with the row.
ALTER TABLE whale_trades ADD COLUMN log_index INTEGER CHECK (log_index >= 0);
ALTER TABLE whale_trades ADD COLUMN ordinal SMALLINT NOT NULL DEFAULT 0 CHECK (ordinal >= 0);
-- Rows the old key kept apart by their price become twins in the order they arrived: none is lost.
UPDATE whale_trades w SET ordinal = d.n
FROM (
    SELECT id, row_number() OVER (PARTITION BY transaction_hash, wallet, asset, side, size_micros ORDER BY id) - 1 AS n
    FROM whale_trades
) d
WHERE w.id = d.id AND d.n > 0;
ALTER TABLE whale_trades DROP CONSTRAINT whale_trades_natural_key;
ALTER TABLE whale_trades ADD CONSTRAINT whale_trades_natural_key
    UNIQUE (transaction_hash, wallet, asset, side, size_micros, ordinal);
