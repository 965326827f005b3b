//! SQLite persistence of the inventory: one file in the state directory, WAL journal with
//! `synchronous=FULL`, a versioned schema, batched write transactions.
//!
//! Only the announced facts are loaded back; verdicts are re-derived with the current rules
//! at start-up (the stored `family`, `brand`, ... columns are for people using sqlite3).

mod load;
mod schema;
mod write;

pub use load::StoredEvent;
pub use schema::SCHEMA_VERSION;
pub use write::{Batch, Event, EventDetail};

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// The database file name inside the state directory.
pub const DB_FILE: &str = "camcensus.db";

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot create the state directory {path}: {source}")]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this camcensusd ({supported}); upgrade camcensusd")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

pub struct Db {
    conn: Connection,
    path: PathBuf,
}

impl Db {
    /// Open (creating if needed) the database in `state_dir` and migrate it.
    pub fn open(state_dir: &Path) -> Result<Db, PersistError> {
        std::fs::create_dir_all(state_dir).map_err(|source| PersistError::StateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(DB_FILE);
        let conn = Connection::open(&path).map_err(|source| PersistError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut db = Db { conn, path };
        db.setup()?;
        Ok(db)
    }

    /// Open an existing database read-only, for queries beside the writer (WAL readers
    /// never block it). No migration is attempted.
    pub fn open_reader(path: &Path) -> Result<Db, PersistError> {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|source| PersistError::Sqlite {
                path: path.to_path_buf(),
                source,
            })?;
        let db = Db {
            conn,
            path: path.to_path_buf(),
        };
        db.conn
            .execute_batch("PRAGMA busy_timeout = 5000;")
            .map_err(|e| db.err(e))?;
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> PersistError {
        PersistError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn setup(&mut self) -> Result<(), PersistError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = 5000;",
            )
            .map_err(|e| self.err(e))?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(PersistError::TooNew {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in schema::MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = self
                .conn
                .transaction()
                .map_err(|source| PersistError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
            let next = i64::try_from(i).unwrap_or(i64::MAX) + 1;
            tx.execute_batch(sql)
                .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {next}")))
                .and_then(|()| tx.commit())
                .map_err(|source| PersistError::Sqlite {
                    path: self.path.clone(),
                    source,
                })?;
        }
        Ok(())
    }

    /// Delete events older than `before` (ms since epoch). Returns how many went.
    pub fn prune_events(&self, before: u64) -> Result<usize, PersistError> {
        self.conn
            .execute(
                "DELETE FROM events WHERE at < ?1",
                [i64::try_from(before).unwrap_or(i64::MAX)],
            )
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests;
