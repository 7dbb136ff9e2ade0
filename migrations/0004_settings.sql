-- Settings changed by the operator from the dashboard/API: validated like the environment, applied without a restart,
-- and overriding the environment and the config file until changed again. Secrets are never stored here.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY CHECK (key ~ '^POLYBOT_[A-Z0-9_]+$'),
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
