-- Issue 16: scores known at a time. A wallet_scores row is an immutable snapshot valid from computed_at (built only
-- from trades before it and resolutions known before it); it carries the edge test (market-clustered standard error,
-- z, p-value, the run's Benjamini–Hochberg q-value), markouts and the basis of its class. Signals and risk decisions
-- record the snapshot ids they used.
ALTER TABLE wallet_scores
    ADD COLUMN edge_se          DOUBLE PRECISION CHECK (edge_se >= 0),
    ADD COLUMN edge_z           DOUBLE PRECISION,
    ADD COLUMN p_value          DOUBLE PRECISION CHECK (p_value BETWEEN 0 AND 1),
    ADD COLUMN q_value          DOUBLE PRECISION CHECK (q_value BETWEEN 0 AND 1),
    ADD COLUMN resolved_markets INTEGER NOT NULL DEFAULT 0 CHECK (resolved_markets >= 0),
    ADD COLUMN markout_1h       DOUBLE PRECISION,
    ADD COLUMN markout_24h      DOUBLE PRECISION,
    ADD COLUMN markout_trades   INTEGER NOT NULL DEFAULT 0 CHECK (markout_trades >= 0),
    -- {"rule": "...", "features": {...}, "thresholds": {...}}: what decided the class.
    ADD COLUMN class_basis      JSONB;

-- A snapshot never changes once written (a crashed run's rows may be deleted and written again, never edited).
CREATE FUNCTION wallet_scores_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet_scores rows are immutable snapshots (id %)', OLD.id;
END;
$$;
CREATE TRIGGER wallet_scores_no_update BEFORE UPDATE ON wallet_scores
    FOR EACH ROW EXECUTE FUNCTION wallet_scores_immutable();

ALTER TABLE signals ADD COLUMN score_ids BIGINT[] NOT NULL DEFAULT '{}';
ALTER TABLE risk_decisions ADD COLUMN score_ids BIGINT[] NOT NULL DEFAULT '{}';
