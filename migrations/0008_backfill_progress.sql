-- Issue 17: `polybot backfill` records where each wallet's walk stands, so an interrupted run resumes at the cursor it
-- reached (Data API v2 keyset cursors) instead of starting over; a finished scope is not read again.
CREATE TABLE backfill_progress (
    scope          TEXT PRIMARY KEY,
    source         TEXT NOT NULL CHECK (source IN ('v2', 'v1')),
    cursor         TEXT,
    pages          INTEGER NOT NULL DEFAULT 0,
    rows_read      BIGINT NOT NULL DEFAULT 0,
    rows_new       BIGINT NOT NULL DEFAULT 0,
    combos_skipped BIGINT NOT NULL DEFAULT 0,
    rows_rejected  BIGINT NOT NULL DEFAULT 0,
    done           BOOLEAN NOT NULL DEFAULT false,
    started_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
