-- Issue 31: independent votes. A signal keeps which clusters agreed (one JSON array of wallets per agreeing cluster);
-- links between wallets are kept with their evidence and the time they became known (a point-in-time reader sees only
-- links known by its time).
ALTER TABLE signals ADD COLUMN votes JSONB;

CREATE TABLE wallet_links (
    wallet_a    TEXT NOT NULL CHECK (wallet_a ~ '^0x[0-9a-f]{40}$'),
    wallet_b    TEXT NOT NULL CHECK (wallet_b ~ '^0x[0-9a-f]{40}$'),
    kind        TEXT NOT NULL CHECK (kind IN ('funding', 'co_trading', 'manual')),
    since       TIMESTAMPTZ NOT NULL,
    evidence    JSONB NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (wallet_a, wallet_b, kind),
    CHECK (wallet_a < wallet_b)
);
CREATE INDEX wallet_links_b ON wallet_links (wallet_b);

-- An operator's split: from `since` on, the wallet is its own cluster (links known by then no longer count).
CREATE TABLE wallet_splits (
    id          BIGSERIAL PRIMARY KEY,
    wallet      TEXT NOT NULL CHECK (wallet ~ '^0x[0-9a-f]{40}$'),
    since       TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX wallet_splits_wallet ON wallet_splits (wallet);

-- Collateral transfers into tracked wallets (and their funders), read from the chain: the funding evidence.
CREATE TABLE funding_transfers (
    transaction_hash TEXT NOT NULL CHECK (transaction_hash ~ '^0x[0-9a-f]{64}$'),
    log_index        INT NOT NULL CHECK (log_index >= 0),
    block            BIGINT NOT NULL CHECK (block >= 0),
    token            TEXT NOT NULL CHECK (token ~ '^0x[0-9a-f]{40}$'),
    sender           TEXT NOT NULL CHECK (sender ~ '^0x[0-9a-f]{40}$'),
    recipient        TEXT NOT NULL CHECK (recipient ~ '^0x[0-9a-f]{40}$'),
    amount_micros    BIGINT NOT NULL CHECK (amount_micros >= 0),
    transferred_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (transaction_hash, log_index)
);
CREATE INDEX funding_transfers_recipient ON funding_transfers (recipient);
