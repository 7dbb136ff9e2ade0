-- Issue 30: trades from the chain. One row per trade whichever sources saw it: `source` stays the first source,
-- `sources` lists every source that delivered the row ('chain' under its own name); a chain source keeps its progress
-- per block so a restart resumes where it stopped.
ALTER TABLE whale_trades DROP CONSTRAINT whale_trades_source_check;
ALTER TABLE whale_trades ADD CONSTRAINT whale_trades_source_check
    CHECK (source IN ('rtds', 'data_api', 'replay', 'import', 'chain'));
ALTER TABLE whale_trades ADD COLUMN sources TEXT[] NOT NULL DEFAULT '{}';
UPDATE whale_trades SET sources = ARRAY[source];
ALTER TABLE whale_trades ADD CONSTRAINT whale_trades_sources_check
    CHECK (sources <@ ARRAY['rtds', 'data_api', 'replay', 'import', 'chain']::TEXT[]);

CREATE TABLE chain_progress (
    source      TEXT PRIMARY KEY,
    block       BIGINT NOT NULL CHECK (block >= 0),
    block_hash  TEXT NOT NULL CHECK ((length(block_hash) = 66 AND block_hash ~ '^0x[0-9a-f]+$')),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
