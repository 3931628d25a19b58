//! A statement the models declare more than once (two identical indexes, the same DDL attached
//! twice). The export keeps it once and reports it: `metadata.create_all()` would run it each
//! time, and a real database refuses the second CREATE of the same object.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How many lines of the statement a message quotes.
const QUOTED_LINES: usize = 8;

/// Statements are identical when they read the same, byte for byte, as terminated in the
/// export's `sql`; statements that differ in anything, even spacing, are not merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateStatement {
    /// The statement as it appears (once) in the export.
    pub statement: String,
    /// Each declaration, such as `Index('ix_a') on table things at models.py:12`, sorted.
    pub declarations: Vec<String>,
}

impl fmt::Display for DuplicateStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times = self.declarations.len();
        writeln!(f, "the models declare this statement {times} times:")?;
        let lines: Vec<&str> = self.statement.lines().collect();
        for line in lines.iter().take(QUOTED_LINES) {
            writeln!(f, "    {line}")?;
        }
        if lines.len() > QUOTED_LINES {
            writeln!(f, "    …")?;
        }
        writeln!(f, "Declared by:")?;
        for declaration in &self.declarations {
            writeln!(f, "    - {declaration}")?;
        }
        write!(
            f,
            "`metadata.create_all()` would run it {times} times, and a database refuses a second CREATE \
             of the same object. The export keeps it once; remove the extra declaration."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_quotes_the_statement_and_every_declaration() {
        let duplicate = DuplicateStatement {
            statement: "CREATE INDEX ix_things_name ON things (name);".into(),
            declarations: vec![
                "Index('ix_things_name') on table things at models.py:12".into(),
                "Index('ix_things_name') on table things at models.py:13".into(),
            ],
        };
        assert_eq!(
            duplicate.to_string(),
            "the models declare this statement 2 times:\n    CREATE INDEX ix_things_name ON things (name);\n\
             Declared by:\n    - Index('ix_things_name') on table things at models.py:12\n    \
             - Index('ix_things_name') on table things at models.py:13\n`metadata.create_all()` would run \
             it 2 times, and a database refuses a second CREATE of the same object. The export keeps it \
             once; remove the extra declaration."
        );
    }
}
