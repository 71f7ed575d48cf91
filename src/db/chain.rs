//! Several write statements that must all run, sent to PostgreSQL as one statement (a chain of
//! data-modifying `WITH` items) so that they cost one round trip instead of one each. SQLite runs
//! in-process, where round trips cost nothing, so there they simply run in order.
//!
//! Foreign keys between the chained rows are fine: PostgreSQL checks them at the end of the whole
//! statement, when every item has run.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::{QueryResult, RunQueryDsl, SqliteConnection};

use super::DbConnection;

type SqliteStatement<'a> = Box<dyn FnOnce(&mut SqliteConnection) -> QueryResult<usize> + 'a>;

/// Statements collected for one connection's backend; see the module docs.
pub enum StatementChain<'a> {
    /// Becomes one `WITH` statement.
    Postgres(Vec<Box<dyn QueryFragment<Pg> + 'a>>),
    /// Runs one by one.
    Sqlite(Vec<SqliteStatement<'a>>),
}

impl<'a> StatementChain<'a> {
    /// An empty chain for `conn`'s backend.
    pub fn for_connection(conn: &DbConnection) -> Self {
        match conn {
            DbConnection::Postgresql(_) => StatementChain::Postgres(Vec::new()),
            DbConnection::Sqlite(_) => StatementChain::Sqlite(Vec::new()),
        }
    }

    /// Add a statement. It must not return rows: inside a chain its output is discarded.
    pub fn push<S>(&mut self, statement: S)
    where
        S: QueryFragment<Pg> + ExecuteDsl<SqliteConnection> + 'a,
    {
        match self {
            StatementChain::Postgres(v) => v.push(Box::new(statement)),
            // Diesel runs SQLite's multi-row inserts its own way, so they are kept as calls.
            StatementChain::Sqlite(v) => v.push(Box::new(move |c| ExecuteDsl::execute(statement, c))),
        }
    }

    /// Run every statement on `conn` (which must be the connection the chain was made for).
    pub fn execute(self, conn: &mut DbConnection) -> QueryResult<()> {
        match (self, conn) {
            (StatementChain::Postgres(parts), DbConnection::Postgresql(c)) => {
                if !parts.is_empty() {
                    WithChain(parts).execute(c)?;
                }
                Ok(())
            }
            (StatementChain::Sqlite(parts), DbConnection::Sqlite(c)) => {
                for part in parts {
                    part(c)?;
                }
                Ok(())
            }
            _ => Err(diesel::result::Error::QueryBuilderError("statement chain built for another backend".into())),
        }
    }
}

/// `WITH w0 AS (first), w1 AS (second) last`: the binds of every part are numbered in order by
/// the one `AstPass` that walks them all.
struct WithChain<'a>(Vec<Box<dyn QueryFragment<Pg> + 'a>>);

impl QueryFragment<Pg> for WithChain<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // The text varies with the number of rows; caching each shape would only fill the cache.
        out.unsafe_to_cache_prepared();
        let Some((last, first)) = self.0.split_last() else { return Ok(()) };
        for (i, part) in first.iter().enumerate() {
            out.push_sql(if i == 0 { "WITH " } else { ", " });
            out.push_sql(&format!("w{i} AS ("));
            part.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        if !first.is_empty() {
            out.push_sql(" ");
        }
        last.walk_ast(out.reborrow())
    }
}

impl QueryId for WithChain<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<diesel::PgConnection> for WithChain<'_> {}
