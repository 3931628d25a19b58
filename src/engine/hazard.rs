//! Stable names for hazards: a code per kind and a category per code.
//!
//! Users write these names in `policy` blocks and CI gates on them in
//! `terraform show -json`, so they never change once released; new kinds get
//! new codes.

use super::plan::HazardKind;

/// What kind of risk a hazard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardCategory {
    /// Rows or values are deleted.
    DataLoss,
    /// The statement may fail on the data already in the database.
    MayFail,
    /// The statement holds a lock that blocks other work for a long time.
    BlockingLock,
    /// Applications written for the old schema may stop working.
    BackwardIncompatible,
}

impl HazardCategory {
    pub const ALL: [HazardCategory; 4] = [
        HazardCategory::DataLoss,
        HazardCategory::MayFail,
        HazardCategory::BlockingLock,
        HazardCategory::BackwardIncompatible,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HazardCategory::DataLoss => "data_loss",
            HazardCategory::MayFail => "may_fail",
            HazardCategory::BlockingLock => "blocking_lock",
            HazardCategory::BackwardIncompatible => "backward_incompatible",
        }
    }
}

impl HazardKind {
    pub const ALL: [HazardKind; 15] = [
        HazardKind::DropsTable,
        HazardKind::DropsColumn,
        HazardKind::DropsSchema,
        HazardKind::DropsEnumValue,
        HazardKind::NarrowsType,
        HazardKind::RebuildsTable,
        HazardKind::RewritesTable,
        HazardKind::BuildsIndexBlockingWrites,
        HazardKind::ScansTableUnderLock,
        HazardKind::MayFailOnExistingRows,
        HazardKind::CastMayFail,
        HazardKind::DropsObject,
        HazardKind::RenamesTable,
        HazardKind::RenamesColumn,
        HazardKind::LocksTable,
    ];

    /// The stable code, e.g. `drops_table`.
    pub fn code(self) -> &'static str {
        match self {
            HazardKind::DropsTable => "drops_table",
            HazardKind::DropsColumn => "drops_column",
            HazardKind::DropsSchema => "drops_schema",
            HazardKind::DropsEnumValue => "drops_enum_value",
            HazardKind::NarrowsType => "narrows_type",
            HazardKind::RebuildsTable => "rebuilds_table",
            HazardKind::RewritesTable => "rewrites_table",
            HazardKind::BuildsIndexBlockingWrites => "builds_index_blocking_writes",
            HazardKind::ScansTableUnderLock => "scans_table_under_lock",
            HazardKind::MayFailOnExistingRows => "may_fail_on_existing_rows",
            HazardKind::CastMayFail => "cast_may_fail",
            HazardKind::DropsObject => "drops_object",
            HazardKind::RenamesTable => "renames_table",
            HazardKind::RenamesColumn => "renames_column",
            HazardKind::LocksTable => "locks_table",
        }
    }

    pub fn category(self) -> HazardCategory {
        match self {
            HazardKind::DropsTable
            | HazardKind::DropsColumn
            | HazardKind::DropsSchema
            | HazardKind::DropsEnumValue
            | HazardKind::NarrowsType => HazardCategory::DataLoss,
            HazardKind::RebuildsTable
            | HazardKind::RewritesTable
            | HazardKind::BuildsIndexBlockingWrites
            | HazardKind::ScansTableUnderLock
            | HazardKind::LocksTable => HazardCategory::BlockingLock,
            HazardKind::MayFailOnExistingRows | HazardKind::CastMayFail => HazardCategory::MayFail,
            HazardKind::DropsObject | HazardKind::RenamesTable | HazardKind::RenamesColumn => {
                HazardCategory::BackwardIncompatible
            }
        }
    }

    /// One line for people: what the hazard means.
    pub fn summary(self) -> &'static str {
        match self {
            HazardKind::DropsTable => "drops a table and all its rows",
            HazardKind::DropsColumn => "drops a column and all its values",
            HazardKind::DropsSchema => "drops a schema and everything left in it",
            HazardKind::DropsEnumValue => "removes an enum value that rows may still hold",
            HazardKind::NarrowsType => "changes a column to a type that holds less; values may be cut or rejected",
            HazardKind::RebuildsTable => "copies the table into a new one, locking it for the copy",
            HazardKind::RewritesTable => "rewrites every row of the table under an exclusive lock",
            HazardKind::BuildsIndexBlockingWrites => "builds an index while writes to the table wait",
            HazardKind::ScansTableUnderLock => "checks every existing row while writes to the table wait",
            HazardKind::MayFailOnExistingRows => "adds a rule that rows already in the table may break",
            HazardKind::CastMayFail => "converts values with a cast that fails on some of them",
            HazardKind::DropsObject => "drops an object that applications or other objects may still use",
            HazardKind::RenamesTable => "renames a table; code using the old name breaks",
            HazardKind::RenamesColumn => "renames a column; code using the old name breaks",
            HazardKind::LocksTable => "takes a lock that stops every read and write of a large or busy table",
        }
    }

    /// True for kinds whose statement fails when its probe finds rows (a
    /// NULL under a new NOT NULL, a duplicate under a new unique key, a row
    /// holding a removed enum value), as opposed to kinds where the rows
    /// found are what the statement deletes or changes.
    pub fn fails_on_found_rows(self) -> bool {
        matches!(
            self,
            HazardKind::MayFailOnExistingRows | HazardKind::CastMayFail | HazardKind::DropsEnumValue
        )
    }

    /// True for kinds a plan reports only when what the live database is
    /// doing right then calls for it. They are left out of the `hazards`
    /// attribute: Terraform plans again at apply time and insists on the
    /// same value, while the activity may have changed in between.
    pub fn decided_by_live_activity(self) -> bool {
        matches!(self, HazardKind::LocksTable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_serde_agrees_with_them() {
        let mut codes: Vec<&str> = HazardKind::ALL.iter().map(|k| k.code()).collect();
        codes.extend(HazardCategory::ALL.iter().map(|c| c.code()));
        let count = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), count, "every code and category name is distinct");
        for kind in HazardKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.code()));
        }
    }
}
