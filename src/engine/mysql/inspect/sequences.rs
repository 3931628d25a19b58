//! MariaDB sequences. information_schema (before MariaDB 11.5) lists them
//! as tables of type `SEQUENCE` but not their options, which live in each
//! sequence's one row: one `UNION ALL` query reads every sequence's row, so
//! the query count does not grow with the number of sequences.

use sqlx::Row;

use super::{text_or_empty, Catalog};
use crate::engine::error::EngineError;
use crate::engine::model::{LastValue, Schema, Sequence};
use crate::engine::mysql::ident::{literal, quote};

/// MariaDB 10.x sequences count in `bigint` (`AS type` came in 11.5).
pub const SEQUENCE_TYPE: &str = "bigint";

pub async fn sequences(catalog: &mut Catalog<'_>, schema: &mut Schema, names: &[String]) -> Result<(), EngineError> {
    if names.is_empty() {
        return Ok(());
    }
    let selects: Vec<String> = names
        .iter()
        .map(|name| {
            format!(
                "SELECT {}, CAST(start_value AS SIGNED), CAST(increment AS SIGNED), \
                 CAST(minimum_value AS SIGNED), CAST(maximum_value AS SIGNED), CAST(cache_size AS SIGNED), \
                 CAST(cycle_option AS SIGNED) FROM {}",
                literal(name),
                quote(name)
            )
        })
        .collect();
    let rows = catalog.fetch(&selects.join(" UNION ALL ")).await?;
    for row in rows {
        let name = text_or_empty(&row, 0);
        let number = |index: usize| row.try_get::<i64, _>(index).unwrap_or_default();
        schema.sequences.insert(
            name.clone(),
            Sequence {
                namespace: String::new(),
                name,
                data_type: SEQUENCE_TYPE.to_string(),
                start: number(1),
                increment: number(2),
                min_value: number(3),
                max_value: number(4),
                cache: number(5),
                cycle: number(6) != 0,
                owned_by: None,
                last_value: LastValue(None),
            },
        );
    }
    Ok(())
}
