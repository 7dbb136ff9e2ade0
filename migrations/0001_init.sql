-- Polybot schema, version 1.
-- Money and share amounts are BIGINT micro units (6 decimals, as on chain); prices are micro units too
-- (0.55 -> 550000). Addresses are lower-case hex text; token ids are decimal text of a uint256.
-- Hex and decimal checks use `+` with an explicit length: bounded repetition such as {64} is ~10x slower in
-- PostgreSQL's regex engine and dominated bulk-insert time.
-- Never edit this file once shipped: add 0002_*.sql instead (the runner refuses a changed checksum).

-- ---------------------------------------------------------------- reference data
CREATE TABLE markets (
    condition_id          TEXT PRIMARY KEY CHECK ((length(condition_id) = 66 AND condition_id ~ '^0x[0-9a-f]+$')),
    question              TEXT NOT NULL DEFAULT '',
    slug                  TEXT NOT NULL DEFAULT '',
    event_slug            TEXT NOT NULL DEFAULT '',
    category              TEXT NOT NULL DEFAULT '',
    outcomes              TEXT[] NOT NULL DEFAULT '{}',
    token_ids             TEXT[] NOT NULL DEFAULT '{}',
    tick_size_micros      BIGINT NOT NULL DEFAULT 10000 CHECK (tick_size_micros > 0 AND tick_size_micros < 1000000),
    min_order_size_micros BIGINT NOT NULL DEFAULT 5000000 CHECK (min_order_size_micros >= 0),
    neg_risk              BOOLEAN NOT NULL DEFAULT false,
    active                BOOLEAN NOT NULL DEFAULT true,
    closed                BOOLEAN NOT NULL DEFAULT false,
    end_date              TIMESTAMPTZ,
    liquidity_micros      BIGINT,
    winning_token_id      TEXT CHECK (winning_token_id IS NULL OR (length(winning_token_id) <= 78 AND winning_token_id ~ '^[0-9]+$')),
    resolved_at           TIMESTAMPTZ,
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (cardinality(outcomes) = cardinality(token_ids))
);
CREATE INDEX markets_event_slug ON markets (event_slug);

-- ---------------------------------------------------------------- wallets and baskets
CREATE TABLE whales (
    address     TEXT PRIMARY KEY CHECK ((length(address) = 42 AND address ~ '^0x[0-9a-f]+$')),
    label       TEXT NOT NULL DEFAULT '',
    tags        TEXT[] NOT NULL DEFAULT '{}',
    -- allow: always passes the whale filter; deny: never does; neutral: decided by score and size.
    list_status TEXT NOT NULL DEFAULT 'neutral' CHECK (list_status IN ('allow', 'deny', 'neutral')),
    tracked     BOOLEAN NOT NULL DEFAULT true,
    source      TEXT NOT NULL DEFAULT 'manual'
                CHECK (source IN ('manual', 'discovered', 'leaderboard', 'holders', 'import')),
    notes       TEXT NOT NULL DEFAULT '',
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE whale_baskets (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    category            TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL DEFAULT '',
    window_hours        INTEGER NOT NULL DEFAULT 24 CHECK (window_hours BETWEEN 1 AND 168),
    min_members         INTEGER NOT NULL DEFAULT 3 CHECK (min_members >= 1),
    -- consensus ratio in basis points: 8000 = 80 %.
    consensus_ratio_bps INTEGER NOT NULL DEFAULT 8000 CHECK (consensus_ratio_bps BETWEEN 5001 AND 10000),
    -- required upside 1 - ask, micro units: 50000 = 5 cents.
    min_upside_micros   BIGINT NOT NULL DEFAULT 50000 CHECK (min_upside_micros BETWEEN 0 AND 1000000),
    enabled             BOOLEAN NOT NULL DEFAULT true,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE basket_wallets (
    basket_id  BIGINT NOT NULL REFERENCES whale_baskets (id) ON DELETE CASCADE,
    wallet     TEXT NOT NULL REFERENCES whales (address) ON DELETE CASCADE,
    weight_bps INTEGER NOT NULL DEFAULT 10000 CHECK (weight_bps BETWEEN 0 AND 100000),
    membership TEXT NOT NULL DEFAULT 'manual' CHECK (membership IN ('manual', 'auto')),
    added_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (basket_id, wallet)
);
CREATE INDEX basket_wallets_wallet ON basket_wallets (wallet);

-- ---------------------------------------------------------------- trades
-- Every trade the listener accepts or a backfill loads. Natural key: Polymarket has no trade id and one
-- transaction can carry several fills, so the key is (tx hash, wallet, asset, side, size, price).
CREATE TABLE whale_trades (
    id               BIGSERIAL PRIMARY KEY,
    transaction_hash TEXT NOT NULL CHECK ((length(transaction_hash) = 66 AND transaction_hash ~ '^0x[0-9a-f]+$')),
    wallet           TEXT NOT NULL CHECK ((length(wallet) = 42 AND wallet ~ '^0x[0-9a-f]+$')),
    asset            TEXT NOT NULL CHECK ((length(asset) <= 78 AND asset ~ '^[0-9]+$')),
    condition_id     TEXT NOT NULL CHECK ((length(condition_id) = 66 AND condition_id ~ '^0x[0-9a-f]+$')),
    side             TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    size_micros      BIGINT NOT NULL CHECK (size_micros >= 0),
    price_micros     BIGINT NOT NULL CHECK (price_micros BETWEEN 0 AND 1000000),
    notional_micros  BIGINT NOT NULL CHECK (notional_micros >= 0),
    outcome          TEXT NOT NULL DEFAULT '',
    outcome_index    INTEGER,
    title            TEXT NOT NULL DEFAULT '',
    slug             TEXT NOT NULL DEFAULT '',
    event_slug       TEXT NOT NULL DEFAULT '',
    trader_name      TEXT NOT NULL DEFAULT '',
    pseudonym        TEXT NOT NULL DEFAULT '',
    traded_at        TIMESTAMPTZ NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('rtds', 'data_api', 'replay', 'import')),
    received_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT whale_trades_natural_key UNIQUE (transaction_hash, wallet, asset, side, size_micros, price_micros)
);
CREATE INDEX whale_trades_wallet_time ON whale_trades (wallet, traded_at);
CREATE INDEX whale_trades_market_time ON whale_trades (condition_id, traded_at);
CREATE INDEX whale_trades_time ON whale_trades (traded_at);

-- ---------------------------------------------------------------- scoring
CREATE TABLE scoring_runs (
    id             BIGSERIAL PRIMARY KEY,
    started_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ,
    status         TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    trigger        TEXT NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'scheduled', 'startup')),
    wallets_total  INTEGER NOT NULL DEFAULT 0,
    wallets_scored INTEGER NOT NULL DEFAULT 0,
    params         JSONB NOT NULL DEFAULT '{}',
    -- resumable progress: the last wallet fully processed, in address order.
    cursor_wallet  TEXT,
    error          TEXT
);

-- Versioned snapshots: a new row per wallet per run, never an update of history.
CREATE TABLE wallet_scores (
    id                   BIGSERIAL PRIMARY KEY,
    wallet               TEXT NOT NULL CHECK ((length(wallet) = 42 AND wallet ~ '^0x[0-9a-f]+$')),
    run_id               BIGINT REFERENCES scoring_runs (id) ON DELETE SET NULL,
    computed_at          TIMESTAMPTZ NOT NULL,
    closed_positions     INTEGER NOT NULL CHECK (closed_positions >= 0),
    open_positions       INTEGER NOT NULL CHECK (open_positions >= 0),
    win_rate             DOUBLE PRECISION,
    decayed_win_rate     DOUBLE PRECISION,
    shrunk_win_rate      DOUBLE PRECISION NOT NULL,
    win_rate_lower_bound DOUBLE PRECISION NOT NULL,
    sharpe               DOUBLE PRECISION,
    kelly                DOUBLE PRECISION,
    ev                   DOUBLE PRECISION,
    edge                 DOUBLE PRECISION,
    realized_pnl_micros  BIGINT NOT NULL,
    volume_micros        BIGINT NOT NULL CHECK (volume_micros >= 0),
    markets              INTEGER NOT NULL CHECK (markets >= 0),
    trades               INTEGER NOT NULL CHECK (trades >= 0),
    class                TEXT NOT NULL CHECK (class IN ('informed', 'marketMaker', 'bot', 'unclassified')),
    -- the classifier's inputs, so the dashboard can show why a wallet got its class.
    features             JSONB NOT NULL DEFAULT '{}',
    UNIQUE (wallet, run_id)
);
CREATE INDEX wallet_scores_wallet_time ON wallet_scores (wallet, computed_at DESC, id DESC);

-- ---------------------------------------------------------------- signals, risk, orders
CREATE TABLE signals (
    id                     BIGSERIAL PRIMARY KEY,
    -- deterministic key (basket, market, outcome, window) so a re-evaluation cannot fire twice.
    signal_key             TEXT NOT NULL UNIQUE,
    basket_id              BIGINT REFERENCES whale_baskets (id) ON DELETE SET NULL,
    condition_id           TEXT NOT NULL CHECK ((length(condition_id) = 66 AND condition_id ~ '^0x[0-9a-f]+$')),
    asset                  TEXT NOT NULL CHECK ((length(asset) <= 78 AND asset ~ '^[0-9]+$')),
    outcome                TEXT NOT NULL DEFAULT '',
    agreeing               INTEGER NOT NULL CHECK (agreeing >= 0),
    opposing               INTEGER NOT NULL CHECK (opposing >= 0),
    ratio                  DOUBLE PRECISION NOT NULL CHECK (ratio BETWEEN 0 AND 1),
    wallets                TEXT[] NOT NULL,
    trade_ids              BIGINT[] NOT NULL DEFAULT '{}',
    whale_avg_price_micros BIGINT NOT NULL CHECK (whale_avg_price_micros BETWEEN 0 AND 1000000),
    whale_notional_micros  BIGINT NOT NULL CHECK (whale_notional_micros >= 0),
    best_ask_micros        BIGINT CHECK (best_ask_micros BETWEEN 0 AND 1000000),
    status                 TEXT NOT NULL DEFAULT 'new'
                           CHECK (status IN ('new', 'sized', 'approved', 'denied', 'skipped', 'ordered', 'expired')),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX signals_created ON signals (created_at DESC);

CREATE TABLE risk_decisions (
    id           BIGSERIAL PRIMARY KEY,
    signal_id    BIGINT REFERENCES signals (id) ON DELETE CASCADE,
    approved     BOOLEAN NOT NULL,
    reason       TEXT NOT NULL,
    context      JSONB NOT NULL DEFAULT '{}',
    size_micros  BIGINT,
    price_micros BIGINT,
    decided_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX risk_decisions_decided ON risk_decisions (decided_at DESC);

CREATE TABLE copy_orders (
    id                    BIGSERIAL PRIMARY KEY,
    -- persisted before anything is sent: the key that makes placement at-most-once.
    idempotency_key       TEXT NOT NULL UNIQUE,
    signal_id             BIGINT REFERENCES signals (id) ON DELETE RESTRICT,
    purpose               TEXT NOT NULL DEFAULT 'entry' CHECK (purpose IN ('entry', 'exit')),
    mode                  TEXT NOT NULL CHECK (mode IN ('paper', 'approve', 'live')),
    salt                  TEXT NOT NULL CHECK ((length(salt) <= 16 AND salt ~ '^[0-9]+$')),
    condition_id          TEXT NOT NULL CHECK ((length(condition_id) = 66 AND condition_id ~ '^0x[0-9a-f]+$')),
    asset                 TEXT NOT NULL CHECK ((length(asset) <= 78 AND asset ~ '^[0-9]+$')),
    side                  TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    order_type            TEXT NOT NULL CHECK (order_type IN ('GTC', 'GTD', 'FOK', 'FAK')),
    price_micros          BIGINT NOT NULL CHECK (price_micros BETWEEN 0 AND 1000000),
    size_micros           BIGINT NOT NULL CHECK (size_micros > 0),
    maker_amount          BIGINT NOT NULL DEFAULT 0 CHECK (maker_amount >= 0),
    taker_amount          BIGINT NOT NULL DEFAULT 0 CHECK (taker_amount >= 0),
    expiration            BIGINT NOT NULL DEFAULT 0,
    exchange_order_id     TEXT UNIQUE,
    status                TEXT NOT NULL DEFAULT 'intent'
                          CHECK (status IN ('intent', 'pending_approval', 'submitting', 'live', 'partially_filled',
                                            'filled', 'cancelled', 'rejected', 'expired', 'failed', 'unknown')),
    filled_size_micros    BIGINT NOT NULL DEFAULT 0 CHECK (filled_size_micros >= 0),
    avg_fill_price_micros BIGINT,
    fee_micros            BIGINT NOT NULL DEFAULT 0,
    error                 TEXT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One signal can never produce two entry orders, whatever crashes and retries happen.
CREATE UNIQUE INDEX copy_orders_one_entry_per_signal ON copy_orders (signal_id) WHERE purpose = 'entry';
CREATE INDEX copy_orders_status ON copy_orders (status);

CREATE TABLE order_events (
    id           BIGSERIAL PRIMARY KEY,
    order_id     BIGINT NOT NULL REFERENCES copy_orders (id) ON DELETE CASCADE,
    event_type   TEXT NOT NULL,
    status       TEXT NOT NULL,
    size_micros  BIGINT,
    price_micros BIGINT,
    payload      JSONB NOT NULL DEFAULT '{}',
    occurred_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- ---------------------------------------------------------------- positions and PnL
CREATE TABLE positions (
    id                  BIGSERIAL PRIMARY KEY,
    mode                TEXT NOT NULL CHECK (mode IN ('paper', 'approve', 'live')),
    condition_id        TEXT NOT NULL CHECK ((length(condition_id) = 66 AND condition_id ~ '^0x[0-9a-f]+$')),
    asset               TEXT NOT NULL CHECK ((length(asset) <= 78 AND asset ~ '^[0-9]+$')),
    event_slug          TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL DEFAULT '',
    size_micros         BIGINT NOT NULL CHECK (size_micros >= 0),
    avg_price_micros    BIGINT NOT NULL CHECK (avg_price_micros BETWEEN 0 AND 1000000),
    cost_micros         BIGINT NOT NULL,
    realized_pnl_micros BIGINT NOT NULL DEFAULT 0,
    mark_price_micros   BIGINT CHECK (mark_price_micros BETWEEN 0 AND 1000000),
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'settled')),
    opened_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at           TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- At most one open position per token per mode.
CREATE UNIQUE INDEX positions_one_open_per_asset ON positions (mode, asset) WHERE status = 'open';

CREATE TABLE daily_pnl (
    day                   DATE NOT NULL,
    mode                  TEXT NOT NULL CHECK (mode IN ('paper', 'approve', 'live')),
    start_equity_micros   BIGINT NOT NULL,
    end_equity_micros     BIGINT NOT NULL,
    realized_pnl_micros   BIGINT NOT NULL DEFAULT 0,
    unrealized_pnl_micros BIGINT NOT NULL DEFAULT 0,
    fees_micros           BIGINT NOT NULL DEFAULT 0,
    exposure_micros       BIGINT NOT NULL DEFAULT 0,
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (day, mode)
);

-- ---------------------------------------------------------------- operations
CREATE TABLE feed_checkpoints (
    feed             TEXT PRIMARY KEY,
    last_trade_at    TIMESTAMPTZ,
    last_frame_at    TIMESTAMPTZ,
    last_backfill_at TIMESTAMPTZ,
    cursor           JSONB NOT NULL DEFAULT '{}',
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    details JSONB NOT NULL DEFAULT '{}',
    at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
