//! The SQLite back-end: one file in the RA's home, WAL mode, one
//! connection (SQLite serialises writers anyway; every use is short), the
//! schema version in `PRAGMA user_version`.

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::migrations;
use super::value::{Row, Value};
use super::{DbError, Error};

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn read(row: &rusqlite::Row<'_>, index: usize) -> Result<Value, Error> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => {
            Value::Text(
                String::from_utf8(t.to_vec()).map_err(|_| Error::Conversion {
                    index,
                    detail: "text that is not UTF-8".into(),
                })?,
            )
        }
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(_) => {
            return Err(Error::Conversion {
                index,
                detail: "a floating-point number (the schema has none)".into(),
            });
        }
    })
}

/// Open (creating if needed) and migrate the database at `path`.
pub(super) fn open(path: &Path) -> Result<rusqlite::Connection, DbError> {
    let conn = rusqlite::Connection::open(path).map_err(|source| DbError::Open {
        what: path.display().to_string(),
        detail: source.to_string(),
    })?;
    let setup = |conn: &rusqlite::Connection| -> rusqlite::Result<()> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The layer prepares each statement through the cache.
        conn.set_prepared_statement_cache_capacity(256);
        Ok(())
    };
    setup(&conn).map_err(Error::from)?;
    migrate(&conn)?;
    Ok(conn)
}

fn migrate(conn: &rusqlite::Connection) -> Result<(), DbError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(Error::from)?;
    let known = migrations::VERSION;
    if version > known {
        return Err(DbError::TooNew {
            found: version,
            known,
        });
    }
    for (i, sql) in migrations::SQLITE
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let run = || -> rusqlite::Result<()> {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()
        };
        run().map_err(Error::from)?;
    }
    Ok(())
}

pub(super) fn execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<usize, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))?)
}

pub(super) fn query(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>, Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns)
            .map(|i| read(row, i))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Row::new(values));
    }
    Ok(out)
}

pub(super) fn execute_batch(conn: &rusqlite::Connection, sql: &str) -> Result<(), Error> {
    Ok(conn.execute_batch(sql)?)
}

/// The tables and their columns with their declared types, in order: for
/// the test that both back-ends' schemas agree.
#[cfg(test)]
pub(super) fn columns(conn: &rusqlite::Connection) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .unwrap();
        let cols: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for (name, ty) in cols {
            out.push((table.clone(), name, ty));
        }
    }
    out
}
