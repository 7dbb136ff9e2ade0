-- Execution state that must survive a restart: the trading state (kill switch), cooldown locks, the approval
-- queue's expiry, and what each order/position needs to be tracked and exited without looking anything up again.

-- One row per run mode: the kill switch and its neighbours. `reconciling` is never stored: it is the startup state.
CREATE TABLE trading_state (
    mode       TEXT PRIMARY KEY CHECK (mode IN ('paper', 'approve', 'live')),
    state      TEXT NOT NULL CHECK (state IN ('active', 'reduce_only', 'halted')),
    reason     TEXT NOT NULL DEFAULT '',
    changed_by TEXT NOT NULL DEFAULT 'system',
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Time-boxed locks: no new entry in this market / from this wallet / from this basket until `until_at`.
CREATE TABLE cooldowns (
    id          BIGSERIAL PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('market', 'wallet', 'basket')),
    scope_value TEXT NOT NULL,
    until_at    TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cooldowns_until ON cooldowns (until_at);

-- Orders carry what their fills need to update positions (event for the per-event cap, outcome label), the
-- whales' price (copy-delay cost), the approval queue's deadline and the cumulative cost of their fills.
ALTER TABLE copy_orders ADD COLUMN event_slug TEXT NOT NULL DEFAULT '';
ALTER TABLE copy_orders ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE copy_orders ADD COLUMN whale_price_micros BIGINT CHECK (whale_price_micros BETWEEN 0 AND 1000000);
ALTER TABLE copy_orders ADD COLUMN filled_cost_micros BIGINT NOT NULL DEFAULT 0 CHECK (filled_cost_micros >= 0);
ALTER TABLE copy_orders ADD COLUMN approval_expires_at TIMESTAMPTZ;
ALTER TABLE copy_orders ADD COLUMN position_id BIGINT REFERENCES positions (id) ON DELETE SET NULL;
CREATE INDEX copy_orders_pending_approval ON copy_orders (approval_expires_at) WHERE status = 'pending_approval';

-- A position remembers the signal that opened it: its agreeing wallets are the ones whose sells we mirror.
ALTER TABLE positions ADD COLUMN entry_signal_id BIGINT REFERENCES signals (id) ON DELETE SET NULL;
ALTER TABLE positions ADD COLUMN fees_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE positions ADD COLUMN marked_at TIMESTAMPTZ;

-- Signals also end as 'filled', 'rejected' (by the venue or the operator) or 'failed'.
ALTER TABLE signals DROP CONSTRAINT signals_status_check;
ALTER TABLE signals ADD CONSTRAINT signals_status_check
    CHECK (status IN ('new', 'sized', 'approved', 'denied', 'skipped', 'ordered', 'filled', 'rejected', 'expired', 'failed'));
ALTER TABLE signals ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
