-- Issue 15: a market's taker fees as the venue states them (Gamma's feesEnabled / feeType / feeSchedule, or the CLOB's
-- fd), stored with the market and refreshed with it. fee_status: not_stated (no fee fields: data from before the fee
-- model), free, charged (rate, exponent, taker_only, rebate set), uncomputable (fee_note says why; never traded).
ALTER TABLE markets
    ADD COLUMN fee_status        TEXT NOT NULL DEFAULT 'not_stated'
                                 CHECK (fee_status IN ('not_stated', 'free', 'charged', 'uncomputable')),
    ADD COLUMN fee_type          TEXT,
    ADD COLUMN fee_rate_micros   BIGINT CHECK (fee_rate_micros BETWEEN 0 AND 1000000),
    ADD COLUMN fee_exponent      SMALLINT CHECK (fee_exponent BETWEEN 0 AND 2),
    ADD COLUMN fee_taker_only    BOOLEAN,
    ADD COLUMN fee_rebate_micros BIGINT CHECK (fee_rebate_micros BETWEEN 0 AND 1000000),
    ADD COLUMN fee_note          TEXT,
    ADD CONSTRAINT markets_fee_charged_complete CHECK (
        fee_status <> 'charged'
        OR (fee_rate_micros IS NOT NULL AND fee_exponent IS NOT NULL AND fee_taker_only IS NOT NULL
            AND fee_rebate_micros IS NOT NULL));
