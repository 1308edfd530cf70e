//! Storage: the SQLite backend lives in `db/sqlite/`; this module re-exports it.
mod sqlite;

pub use sqlite::*;
