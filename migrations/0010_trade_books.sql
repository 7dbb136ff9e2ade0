-- Issue 27: the books are the venue's trades. Each trade of one of our orders is one row, keyed by the venue's trade id
-- and our order (one trade can fill two of our orders), so whichever path sees it first — POST answer, user channel,
-- lookup, expiry, cancel, reconciliation — records it once and a later path that knows more completes the same row.
-- Cost basis, fees and PnL are sums over these rows; the booked_* columns say what of each row is already in the
-- position, so a completed or corrected row books only its difference.
ALTER TABLE order_trades
    ADD COLUMN size_micros        BIGINT CHECK (size_micros >= 0),
    ADD COLUMN price_micros       BIGINT CHECK (price_micros >= 0),
    ADD COLUMN cost_micros        BIGINT CHECK (cost_micros >= 0),
    ADD COLUMN fee_micros         BIGINT CHECK (fee_micros >= 0),
    ADD COLUMN booked_size_micros BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN booked_cost_micros BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN booked_fee_micros  BIGINT NOT NULL DEFAULT 0,
    -- Rows of orders booked before this migration (from size_matched): completed for their status, never booked again.
    ADD COLUMN legacy             BOOLEAN NOT NULL DEFAULT false;
UPDATE order_trades SET legacy = true;
ALTER TABLE order_trades DROP CONSTRAINT order_trades_pkey, ADD PRIMARY KEY (trade_id, order_id);
-- What the venue says matched (size_matched, the POST's amounts), which can run ahead of the trades we know: the
-- difference is "pending trades", never booked at a guessed price. Orders that already booked fills before this
-- migration (finished, or partly filled and still open) keep their books (books_from_trades false): their later trades
-- are recorded but not booked (such an order is raised for the operator), and reconciliation leaves them alone. Open
-- orders with nothing filled yet book from their trades like any new order.
ALTER TABLE copy_orders
    ADD COLUMN venue_matched_micros BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN books_from_trades    BOOLEAN NOT NULL DEFAULT true;
UPDATE copy_orders SET venue_matched_micros = filled_size_micros,
    books_from_trades = NOT (filled_size_micros > 0 OR status IN ('filled', 'cancelled', 'expired', 'rejected', 'failed'));
CREATE INDEX order_trades_incomplete ON order_trades (first_seen) WHERE fee_micros IS NULL;
