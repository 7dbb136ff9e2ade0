-- Issue 18: backtests started from the dashboard (on the stored history) or by `polybot backtest --save` (on a file),
-- with their report, so the dashboard can show past runs. A run still `running` when the daemon starts was
-- interrupted by a restart and is marked so.
CREATE TABLE backtest_runs (
    id               BIGSERIAL PRIMARY KEY,
    started_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at      TIMESTAMPTZ,
    status           TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    -- what was replayed: "stored history" or the file's name.
    source           TEXT NOT NULL,
    started_by       TEXT NOT NULL,
    params           JSONB NOT NULL DEFAULT '{}',
    verdict          TEXT,
    edge_significant BOOLEAN,
    report           JSONB,
    error            TEXT
);
CREATE INDEX backtest_runs_started ON backtest_runs (started_at DESC, id DESC);
