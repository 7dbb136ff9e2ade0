-- Issue 30: one trade, one row, whichever sources saw it. The key loses the price: the feeds round a taker's price
-- differently from the chain's amounts, so the same match came in twice. What tells two fills of one wallet, token,
-- side and size in one transaction apart is their order (`ordinal`, 0 for the first): by log index on the chain, by
-- price in a recorded file. The chain's log index is kept with the row.
ALTER TABLE whale_trades ADD COLUMN log_index INTEGER CHECK (log_index >= 0);
ALTER TABLE whale_trades ADD COLUMN ordinal INTEGER NOT NULL DEFAULT 0 CHECK (ordinal >= 0);
-- Rows the old key kept apart by their price alone. A row no source of an earlier row saw is that row's match seen by
-- another source that rounded the price its own way: it joins the earliest such row (its sources and the signals that
-- named it move there) and goes. Rows one source saw twice are twins: they stay, numbered in the order they arrived.
-- The pairing is by arrival, not by price: with two twins from one source and the other source's report of only the
-- second, that report joins the first. (Every row's log index is still empty here: the column is new.)
DO $$
DECLARE
    r RECORD;
    k RECORD;
BEGIN
    FOR r IN
        SELECT w.id, w.transaction_hash, w.wallet, w.asset, w.side, w.size_micros, w.sources
        FROM whale_trades w
        JOIN (
            SELECT transaction_hash, wallet, asset, side, size_micros FROM whale_trades
            GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1
        ) g USING (transaction_hash, wallet, asset, side, size_micros)
        ORDER BY w.id
    LOOP
        SELECT id, sources INTO k FROM whale_trades
        WHERE transaction_hash = r.transaction_hash AND wallet = r.wallet AND asset = r.asset AND side = r.side
          AND size_micros = r.size_micros AND id < r.id AND NOT (sources && r.sources)
        ORDER BY id LIMIT 1;
        IF FOUND THEN
            UPDATE whale_trades SET sources = sources || r.sources WHERE id = k.id;
            UPDATE signals SET trade_ids = (
                SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(array_replace(trade_ids, r.id, k.id)) AS x
            ) WHERE r.id = ANY (trade_ids);
            DELETE FROM whale_trades WHERE id = r.id;
        END IF;
    END LOOP;
END
$$;
UPDATE whale_trades w SET ordinal = d.n
FROM (
    SELECT id, row_number() OVER (PARTITION BY transaction_hash, wallet, asset, side, size_micros ORDER BY id) - 1 AS n
    FROM whale_trades
) d
WHERE w.id = d.id AND d.n > 0;
ALTER TABLE whale_trades DROP CONSTRAINT whale_trades_natural_key;
ALTER TABLE whale_trades ADD CONSTRAINT whale_trades_natural_key
    UNIQUE (transaction_hash, wallet, asset, side, size_micros, ordinal);
