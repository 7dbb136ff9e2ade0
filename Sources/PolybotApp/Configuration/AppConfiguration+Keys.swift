import Foundation
import PolybotCore
import PolybotStore
import Polymarket

/// The settings' names, defaults and kinds.
extension AppConfiguration {
    /// The keys this configuration reads, with their defaults.
    public enum Key {
        static let defaults: [(String, String?)] = [
            ("DATABASE_URL", nil), ("POLYBOT_DATA_DIR", ".polybot"), ("POLYBOT_MIGRATIONS_DIR", nil),
            ("POLYBOT_CHARTJS", nil),
            ("POLYBOT_HOST", "127.0.0.1"), ("POLYBOT_PORT", "8080"), ("POLYBOT_HTTP_IDLE_SECONDS", "30"),
            ("POLYBOT_DB_QUERY_SECONDS", "5"),
            ("POLYBOT_MODE", "paper"),
            ("POLYBOT_LOG_FORMAT", "human"), ("POLYBOT_LOG_LEVEL", "info"),
            ("POLYBOT_WHALE_MIN_NOTIONAL", "10000"),
            ("POLYBOT_CONSENSUS_WINDOW_HOURS", "24"), ("POLYBOT_CONSENSUS_MIN_RATIO", "0.8"),
            ("POLYBOT_CONSENSUS_MIN_MEMBERS", "3"), ("POLYBOT_CONSENSUS_MIN_UPSIDE", "0.05"),
            ("POLYBOT_SIZING_MODE", "kelly"), ("POLYBOT_KELLY_FRACTION", "0.25"), ("POLYBOT_FIXED_ORDER_USDC", "50"),
            ("POLYBOT_PROPORTIONAL_RATIO", "0.01"), ("POLYBOT_STARTING_EQUITY_USDC", "10000"),
            ("POLYBOT_RISK_MAX_POSITION_PCT", "5"), ("POLYBOT_RISK_MAX_POSITIONS_PER_EVENT", "2"),
            ("POLYBOT_RISK_MAX_SLIPPAGE", "0.05"), ("POLYBOT_RISK_DAILY_LOSS_STOP_PCT", "3"),
            ("POLYBOT_RISK_MAX_EXPOSURE_USDC", "2000"), ("POLYBOT_RISK_MAX_ORDERS_PER_MINUTE", "10"),
            ("POLYBOT_COPY_DELAY_SECONDS", "2"),
            ("POLYBOT_TAPE_PARTICIPATION_PCT", "25"),
            ("POLYBOT_ORDER_LIFETIME_SECONDS", "300"),
            ("POLYBOT_APPROVAL_TTL_SECONDS", "900"), ("POLYBOT_APPROVE_LIVE", "false"),
            ("POLYBOT_TAKE_PROFIT_PCT", nil),
            ("POLYBOT_STOP_LOSS_PCT", nil), ("POLYBOT_COOLDOWN_AFTER_STOP_HOURS", "24"),
            ("POLYBOT_MIRROR_WHALE_SELLS", "true"), ("POLYBOT_MARK_SECONDS", "30"),
            ("POLYBOT_REDEEM_EVERY_SECONDS", "60"), ("POLYBOT_AUTO_REDEEM_GRACE_SECONDS", "600"),
            ("POLYBOT_FEED", "on"),
            ("POLYBOT_RTDS_URL", "wss://ws-live-data.polymarket.com"),
            ("POLYBOT_DATA_API_URL", "https://data-api.polymarket.com"),
            ("POLYBOT_GAMMA_URL", "https://gamma-api.polymarket.com"),
            ("POLYBOT_CLOB_URL", "https://clob.polymarket.com"),
            ("POLYBOT_CLOB_WS_URL", "wss://ws-subscriptions-clob.polymarket.com/ws"), ("POLYBOT_POLYGON_RPC_URL", nil),
            ("POLYBOT_POLYGON_WS_URL", nil), ("POLYBOT_FEED_SOURCES", nil), ("POLYBOT_CHAIN_CONFIRMATIONS", "3"),
            ("POLYBOT_FEED_DIVERGENCE_GRACE_SECONDS", "360"), ("POLYBOT_FUNDING_EXCLUDED", nil),
            ("POLYBOT_FUNDING_LOOKBACK_BLOCKS", "1300000"), ("POLYBOT_FUNDING_DEPTH", "2"),
            ("POLYBOT_CHAIN_ID", "137"), ("POLYBOT_FEED_STALL_SECONDS", "30"),
            ("POLYBOT_FEED_SWEEP_SECONDS", "60"), ("POLYBOT_FEED_SWEEP_WINDOW_SECONDS", "600"),
            ("POLYBOT_RESCORE_AT", "03:00"), ("POLYBOT_RESCORE_EVERY_SECONDS", "0"),
            ("POLYBOT_MARKET_CATALOG_SECONDS", "15"),
            ("POLYBOT_SCORE_MIN_SAMPLE", "10"), ("POLYBOT_SCORE_HALF_LIFE_DAYS", "30"),
            ("POLYBOT_CLASS_INFORMED_FDR", "0.10"), ("POLYBOT_CLASS_INFORMED_MIN_MARKETS", "5"),
            ("POLYBOT_CLASS_INFORMED_LOOKS", "2"),
            ("POLYBOT_CLASS_INFORMED_MIN_EDGE", "0"), ("POLYBOT_CLASS_INFORMED_MIN_MARKOUT_1H", nil),
            ("POLYBOT_CLASS_MM_MIN_TWO_SIDED_SHARE", "0.5"), ("POLYBOT_CLASS_MM_MIN_MARKETS", "5"),
            ("POLYBOT_CLASS_BOT_TRADES_PER_DAY", "150"), ("POLYBOT_CLASS_BOT_CLOCK_SHARE", "0.5"),
            ("POLYBOT_CLASS_BOT_PERIODIC_SHARE", "0.6"),
            ("POLYBOT_OPERATOR_PASSWORD", nil), ("POLYBOT_READONLY_TOKEN", nil), ("POLYBOT_JWT_SECRET", nil),
            ("POLYBOT_DASHBOARD_DIR", nil),
            ("POLYBOT_ALERT_WEBHOOK_URL", nil), ("POLYBOT_ALERT_WEBHOOK_SECRET", nil),
            ("POLYBOT_TELEGRAM_BOT_TOKEN", nil),
            ("POLYBOT_TELEGRAM_CHAT_ID", nil), ("POLYBOT_TELEGRAM_API_URL", "https://api.telegram.org"),
            ("POLYBOT_SMTP_HOST", nil),
            ("POLYBOT_SMTP_PORT", "25"), ("POLYBOT_ALERT_EMAIL_FROM", nil), ("POLYBOT_ALERT_EMAIL_TO", nil),
            ("POLY_PRIVATE_KEY", nil), ("POLY_API_KEY", nil), ("POLY_API_SECRET", nil), ("POLY_PASSPHRASE", nil),
            ("POLY_SIGNATURE_TYPE", "0"), ("POLY_FUNDER", nil), ("POLY_BUILDER_CODE", nil),
            ("POLY_OWNER_ADDRESS", nil), ("POLY_OWNER_API_KEY", nil), ("POLY_OWNER_API_SECRET", nil),
            ("POLY_OWNER_PASSPHRASE", nil),
            ("POLYBOT_GEOBLOCK_URL", "https://polymarket.com/api/geoblock"),
            ("POLYBOT_VENUE_POST_ONLY_SECONDS", "120"),
            ("POLYBOT_SIGNER_ORDER_RATE", "40"), ("POLYBOT_SIGNER_ORDER_BURST", "60"),
            ("POLYBOT_SIGNER_CANCEL_RATE", "40"), ("POLYBOT_SIGNER_CANCEL_BURST", "60"),
        ]
        /// Keys whose values are secrets (and their `_FILE` variants).
        static let secrets: Set<String> = [
            "POLY_PRIVATE_KEY", "POLY_API_SECRET", "POLY_PASSPHRASE", "POLY_OWNER_API_SECRET", "POLY_OWNER_PASSPHRASE",
            "POLYBOT_OPERATOR_PASSWORD",
            "POLYBOT_READONLY_TOKEN", "POLYBOT_JWT_SECRET", "POLYBOT_ALERT_WEBHOOK_SECRET",
            "POLYBOT_TELEGRAM_BOT_TOKEN",
        ]
        /// Keys that are read but are not settings of the daemon: `POLYBOT_CONFIG` names the file; the others are read by
        /// `make` and the test harness (they pass through to every `polybot` they start, so they must not be refused).
        static let meta: Set<String> = [
            "POLYBOT_CONFIG", "POLYBOT_SKIP_BROWSER", "POLYBOT_SHARED_DATA", "POLYBOT_SOAK",
            "POLYBOT_TEST_DATABASE_URL",
        ]
        static var known: Set<String> {
            var s = Set(defaults.map(\.0)).union(meta)
            for (k, _) in defaults where k.hasPrefix("POLY_") { s.insert(k + "_FILE") }
            for k in secrets { s.insert(k + "_FILE") }
            s.insert("DATABASE_URL_FILE")
            return s
        }
    }
}
