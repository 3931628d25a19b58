//! SQLite's parser keeps a stack of grammar states, 100 entries deep. Up to
//! 3.45 that was a hard limit: a statement needing more fails with "parser
//! stack overflow", and a database holding such a statement in its schema
//! cannot be opened at all ("malformed database schema"). Since 3.46 (the
//! version sqlx bundles) the stack grows on the heap instead, so a schema
//! this provider writes could be unreadable by the system's SQLite (Debian
//! 12 ships 3.40.1).
//!
//! The bundled parser still starts with those 100 entries and grows through
//! one allocation site that SQLite's test hook
//! (`SQLITE_TESTCTRL_FAULT_INSTALL`, fault 700) can make fail. With growth
//! failing on the calling thread, the bundled parser refuses exactly what
//! 3.40 refuses: compared with Debian 12's sqlite3 3.40.1, the deepest nesting
//! accepted agreed for every construct tried (parentheses in CHECK and
//! DEFAULT, function calls, CASE, CAST, IN lists, subqueries in views,
//! index expressions and predicates, trigger bodies, ALTER TABLE ADD COLUMN).

use std::cell::Cell;
use std::ffi::c_int;
use std::sync::Once;

use libsqlite3_sys as ffi;

/// The fault number of the parser's stack growth (`parserStackRealloc`).
const PARSER_STACK_GROWTH: c_int = 700;

thread_local! {
    /// Whether this thread parses with the fixed stack right now.
    static FIXED_STACK: Cell<bool> = const { Cell::new(false) };
    /// Whether the parser needed more than the fixed stack since `FIXED_STACK` was set.
    static OUTGROWN: Cell<bool> = const { Cell::new(false) };
}

/// Fails the parser's stack growth on threads inside [`with_fixed_stack`];
/// every other fault SQLite asks about, and every other thread, proceeds.
extern "C" fn fault_simulator(fault: c_int) -> c_int {
    if fault != PARSER_STACK_GROWTH || !FIXED_STACK.with(Cell::get) {
        return 0;
    }
    OUTGROWN.with(|outgrown| outgrown.set(true));
    1
}

fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let simulator: extern "C" fn(c_int) -> c_int = fault_simulator;
        // SAFETY: installs a process-wide callback that SQLite calls with a
        // fault number; it touches only this thread's own flags.
        unsafe { ffi::sqlite3_test_control(ffi::SQLITE_TESTCTRL_FAULT_INSTALL, simulator) };
    });
}

/// Runs `parse` (SQLite calls on this thread) with the parser stack fixed at
/// the 100 entries SQLite 3.40 has. Returns whether a statement needed more;
/// SQLite then reports the statement as failed with "out of memory".
pub fn with_fixed_stack<T>(parse: impl FnOnce() -> T) -> (T, bool) {
    install();
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            FIXED_STACK.with(|fixed| fixed.set(false));
        }
    }
    OUTGROWN.with(|outgrown| outgrown.set(false));
    FIXED_STACK.with(|fixed| fixed.set(true));
    let restore = Restore;
    let result = parse();
    drop(restore);
    (result, OUTGROWN.with(Cell::get))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sqlite::c_api::{PrivateDatabase, Script};

    fn nested_check(depth: usize) -> String {
        format!(
            "CREATE TABLE t (a INT CHECK ({}a{}))",
            "(".repeat(depth),
            ")".repeat(depth)
        )
    }

    fn prepares_with_fixed_stack(sql: &str) -> (bool, bool) {
        let database = PrivateDatabase::open().expect("open");
        let script = Script::new(sql).expect("no NUL");
        let (prepared, outgrown) = with_fixed_stack(|| database.handle().prepare(&script, 0).is_ok());
        (prepared, outgrown)
    }

    #[test]
    fn the_deepest_check_sqlite_3_40_reads_is_the_deepest_accepted() {
        // Debian 12's sqlite3 3.40.1 reads a CHECK in 92 parentheses (91 in
        // this spelling, which adds the CHECK's own) and not in 93.
        assert_eq!(prepares_with_fixed_stack(&nested_check(91)), (true, false));
        assert_eq!(prepares_with_fixed_stack(&nested_check(92)), (false, true));
    }

    fn prepares_deep_statement() -> bool {
        let database = PrivateDatabase::open().expect("open");
        let script = Script::new(&nested_check(500)).expect("no NUL");
        let prepared = database.handle().prepare(&script, 0).is_ok();
        prepared
    }

    #[test]
    fn other_threads_and_later_calls_keep_a_growing_stack() {
        let (elsewhere, outgrown) =
            with_fixed_stack(|| std::thread::spawn(prepares_deep_statement).join().expect("thread"));
        assert!(elsewhere, "another thread parses with a growing stack meanwhile");
        assert!(!outgrown);
        assert!(prepares_deep_statement(), "this thread does again afterwards");
    }
}
