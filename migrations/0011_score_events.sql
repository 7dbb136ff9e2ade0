-- Issue 28: a score's independent events (markets of one event share news) and its edge over the population's
-- calibration curve. Snapshots stored before keep NULL: their markets stand in for events, and they have no
-- calibration edge.
ALTER TABLE wallet_scores ADD COLUMN resolved_events INT CHECK (resolved_events >= 0);
ALTER TABLE wallet_scores ADD COLUMN edge_over_calibration DOUBLE PRECISION;
