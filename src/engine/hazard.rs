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
}

impl HazardCategory {
    pub const ALL: [HazardCategory; 3] = [
        HazardCategory::DataLoss,
        HazardCategory::MayFail,
        HazardCategory::BlockingLock,
    ];

    pub fn code(self) -> &'static str {
        match self {
            HazardCategory::DataLoss => "data_loss",
            HazardCategory::MayFail => "may_fail",
            HazardCategory::BlockingLock => "blocking_lock",
        }
    }
}

impl HazardKind {
    pub const ALL: [HazardKind; 4] = [
        HazardKind::DropsTable,
        HazardKind::DropsColumn,
        HazardKind::RebuildsTable,
        HazardKind::MayFailOnExistingRows,
    ];

    /// The stable code, e.g. `drops_table`.
    pub fn code(self) -> &'static str {
        match self {
            HazardKind::DropsTable => "drops_table",
            HazardKind::DropsColumn => "drops_column",
            HazardKind::RebuildsTable => "rebuilds_table",
            HazardKind::MayFailOnExistingRows => "may_fail_on_existing_rows",
        }
    }

    pub fn category(self) -> HazardCategory {
        match self {
            HazardKind::DropsTable | HazardKind::DropsColumn => HazardCategory::DataLoss,
            HazardKind::RebuildsTable => HazardCategory::BlockingLock,
            HazardKind::MayFailOnExistingRows => HazardCategory::MayFail,
        }
    }

    /// One line for people: what the hazard means.
    pub fn summary(self) -> &'static str {
        match self {
            HazardKind::DropsTable => "drops a table and all its rows",
            HazardKind::DropsColumn => "drops a column and all its values",
            HazardKind::RebuildsTable => "copies the table into a new one, locking it for the copy",
            HazardKind::MayFailOnExistingRows => "adds a rule that rows already in the table may break",
        }
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
