-- Issue 32: the scoring fold's state after a run (every wallet's ledger, features, bets and markouts; every market's
-- numbering, last price and resolution state; the co-trading test's counts), so the next nightly run folds only the
-- trades that arrived since. Stored in parts so no single value nears PostgreSQL's 1 GB field limit.
CREATE TABLE score_checkpoints (
    run_id        BIGINT PRIMARY KEY REFERENCES scoring_runs (id) ON DELETE CASCADE,
    -- the run's scoring time: the fold holds every stored trade before it
    scoring_time  TIMESTAMPTZ NOT NULL,
    -- the wallet clusters the wash filter used (one line per cluster); other clusters mean a full re-fold
    clusters      TEXT NOT NULL,
    -- trades stored with traded_at < scoring_time when the fold read them, and the largest id among them
    trades_before BIGINT NOT NULL CHECK (trades_before >= 0),
    max_trade_id  BIGINT NOT NULL CHECK (max_trade_id >= 0),
    -- and the sum of their ids: a removal and a late arrival do not cancel out
    id_sum        NUMERIC NOT NULL CHECK (id_sum >= 0),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE score_checkpoint_parts (
    run_id BIGINT NOT NULL REFERENCES score_checkpoints (run_id) ON DELETE CASCADE,
    kind   TEXT NOT NULL CHECK (kind IN ('fold', 'cotrading')),
    part   INTEGER NOT NULL CHECK (part >= 0),
    bytes  BYTEA NOT NULL,
    PRIMARY KEY (run_id, kind, part)
);

-- The archive is dense binary that pglz cannot shrink much but would spend seconds trying: stored uncompressed.
ALTER TABLE score_checkpoint_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;
