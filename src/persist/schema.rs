//! The database schema and its migrations. Documented for administrators in docs/database.md.

/// Schema version this build writes. Each entry of `MIGRATIONS` moves the database from
/// version `i` to `i + 1`.
pub const SCHEMA_VERSION: i64 = 1;

pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    r#"
CREATE TABLE devices (
    id                  INTEGER PRIMARY KEY,
    epr_key             TEXT NOT NULL UNIQUE,
    epr                 TEXT NOT NULL,
    status              TEXT NOT NULL,
    first_seen          INTEGER NOT NULL,
    last_seen           INTEGER NOT NULL,
    seen_count          INTEGER NOT NULL,
    class               TEXT NOT NULL,
    family              TEXT,
    brand               TEXT,
    manufacturer        TEXT,
    model               TEXT,
    confidence          TEXT NOT NULL,
    watchlist           INTEGER NOT NULL,
    name                TEXT,
    hardware            TEXT,
    locations           TEXT NOT NULL,
    macs                TEXT NOT NULL,
    types               TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    xaddrs              TEXT NOT NULL,
    metadata_version    TEXT,
    app_instance        INTEGER,
    app_message         INTEGER,
    restarts            INTEGER NOT NULL,
    hello_count         INTEGER NOT NULL,
    bye_count           INTEGER NOT NULL,
    probe_match_count   INTEGER NOT NULL,
    resolve_match_count INTEGER NOT NULL,
    conflicts           TEXT NOT NULL
);
CREATE TABLE device_addresses (
    device_id   INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (device_id, address)
);
CREATE TABLE device_interfaces (
    device_id   INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    interface   TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (device_id, interface)
);
CREATE TABLE probers (
    address     TEXT NOT NULL,
    interface   TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    probes      INTEGER NOT NULL,
    resolves    INTEGER NOT NULL,
    PRIMARY KEY (address, interface)
);
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    device_id   INTEGER,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX events_at ON events(at);
CREATE INDEX events_device ON events(device_id);
"#,
];
