//! The parts of SQLite's C API that sqlx does not expose: preparing one
//! statement at a time and learning where it ends (SQLite's own splitting),
//! the authorizer (what a statement would do), the byte offset of an error,
//! and SQLite's keyword list. The crate's only `unsafe` code lives here, each
//! block next to the invariant that makes it sound.
//!
//! A [`Handle`] borrows a connection sqlx has locked for direct use (or a
//! [`PrivateDatabase`] this module opened); statements never outlive it.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

/// A connection's raw handle, borrowed for as long as `'h`.
pub struct Handle<'h> {
    raw: NonNull<ffi::sqlite3>,
    _borrow: PhantomData<&'h mut ffi::sqlite3>,
}

impl<'h> Handle<'h> {
    /// The handle of a connection sqlx has locked out of its worker thread.
    pub fn locked(locked: &'h mut LockedSqliteHandle<'_>) -> Handle<'h> {
        Handle {
            raw: locked.as_raw_handle(),
            _borrow: PhantomData,
        }
    }
}

/// A private in-memory database opened without sqlx, for callers with no
/// async runtime (the fuzz target, property tests).
pub struct PrivateDatabase {
    raw: NonNull<ffi::sqlite3>,
}

impl PrivateDatabase {
    pub fn open() -> Result<PrivateDatabase, String> {
        let mut raw = ptr::null_mut();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE | ffi::SQLITE_OPEN_MEMORY;
        // SAFETY: the name is a NUL-terminated literal and `raw` a valid out-pointer.
        let code = unsafe { ffi::sqlite3_open_v2(c":memory:".as_ptr(), &mut raw, flags, ptr::null()) };
        match NonNull::new(raw) {
            Some(raw) if code == ffi::SQLITE_OK => Ok(PrivateDatabase { raw }),
            Some(raw) => {
                let database = PrivateDatabase { raw };
                Err(database.handle().message())
            }
            None => Err("out of memory opening a private database".to_string()),
        }
    }

    pub fn handle(&self) -> Handle<'_> {
        Handle {
            raw: self.raw,
            _borrow: PhantomData,
        }
    }
}

impl Drop for PrivateDatabase {
    fn drop(&mut self) {
        // SAFETY: opened by `open` and closed once; its statements borrow
        // the database, so all are finalized by now.
        unsafe { ffi::sqlite3_close(self.raw.as_ptr()) };
    }
}

/// One authorizer callback: an action code (`SQLITE_INSERT`, …) and its
/// arguments, which name the table, index, pragma, file or function involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub code: c_int,
    pub first: Option<String>,
    pub second: Option<String>,
    pub database: Option<String>,
}

/// What SQLite answered when a statement could not be prepared or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: c_int,
    pub message: String,
    /// Byte offset of the error in the text handed to SQLite, when it knows.
    pub offset: Option<usize>,
}

/// The statement SQLite compiled from the start of a text, and where it ended.
pub struct Prepared<'h> {
    /// `None` when the text held only whitespace and comments.
    pub statement: Option<Statement<'h>>,
    /// Byte offset (in the whole script) just past the statement.
    pub tail: usize,
    /// What the authorizer was told while SQLite compiled it.
    pub actions: Vec<Action>,
}

/// A script as SQLite reads it: NUL-terminated, so SQLite parses it in place
/// (given a length instead, it would copy the rest of the script for every
/// statement, which is quadratic).
pub struct Script {
    text: CString,
}

impl Script {
    /// `None` when `sql` holds a NUL byte, which SQLite would take for its end.
    pub fn new(sql: &str) -> Option<Script> {
        CString::new(sql).ok().map(|text| Script { text })
    }

    /// The byte offset of the script's end.
    pub fn end(&self) -> usize {
        self.text.as_bytes().len()
    }
}

impl<'h> Handle<'h> {
    /// Compiles the statement starting at byte `from` of `script`, recording
    /// what the authorizer is told. Nothing runs.
    pub fn prepare(&self, script: &Script, from: usize) -> Result<Prepared<'h>, Failure> {
        let bytes = script.text.as_bytes_with_nul();
        assert!(from < bytes.len(), "prepare past the end of the script");
        let recorder = RefCell::new(Vec::new());
        let authorizer = Authorizer::install(self.raw, &recorder);
        let mut statement = ptr::null_mut();
        let mut tail: *const c_char = ptr::null();
        // SAFETY: `bytes[from..]` is NUL-terminated (the CString's own NUL),
        // so SQLite reads within the buffer; -1 says "up to the NUL". `tail`
        // receives a pointer into the same buffer.
        let code = unsafe {
            ffi::sqlite3_prepare_v3(
                self.raw.as_ptr(),
                bytes[from..].as_ptr().cast(),
                -1,
                0,
                &mut statement,
                &mut tail,
            )
        };
        drop(authorizer);
        if code != ffi::SQLITE_OK {
            return Err(self.failure(code));
        }
        // SAFETY: SQLite sets `tail` within the buffer it was given (at most
        // at its NUL), so the offset is in bounds and non-negative.
        let consumed = usize::try_from(unsafe { tail.offset_from(bytes[from..].as_ptr().cast()) })
            .expect("SQLite's tail precedes its input");
        Ok(Prepared {
            statement: NonNull::new(statement).map(|raw| Statement {
                raw,
                handle: self.raw,
                _borrow: PhantomData,
            }),
            tail: from + consumed,
            actions: recorder.into_inner(),
        })
    }

    /// The connection's last error message.
    pub fn message(&self) -> String {
        // SAFETY: errmsg returns a NUL-terminated string owned by the
        // connection, valid until the next call on it; copied at once.
        unsafe { text(ffi::sqlite3_errmsg(self.raw.as_ptr())) }.unwrap_or_default()
    }

    fn failure(&self, code: c_int) -> Failure {
        // SAFETY: a plain read of the connection's error state.
        let offset = unsafe { ffi::sqlite3_error_offset(self.raw.as_ptr()) };
        Failure {
            code,
            message: self.message(),
            offset: usize::try_from(offset).ok(),
        }
    }
}

/// A compiled statement, finalized on drop.
pub struct Statement<'h> {
    raw: NonNull<ffi::sqlite3_stmt>,
    handle: NonNull<ffi::sqlite3>,
    _borrow: PhantomData<&'h mut ffi::sqlite3>,
}

/// One result row: each column's name and its value as text (`None`: NULL).
pub type Row = Vec<(String, Option<String>)>;

impl Statement<'_> {
    /// `EXPLAIN` or `EXPLAIN QUERY PLAN`.
    pub fn is_explain(&self) -> bool {
        // SAFETY: `raw` is a live statement of this connection.
        unsafe { ffi::sqlite3_stmt_isexplain(self.raw.as_ptr()) != 0 }
    }

    /// Steps the statement to its end, returning the rows it produced.
    pub fn run(self) -> Result<Vec<Row>, Failure> {
        let mut rows = Vec::new();
        loop {
            // SAFETY: `raw` is a live statement of this connection.
            let code = unsafe { ffi::sqlite3_step(self.raw.as_ptr()) };
            match code {
                ffi::SQLITE_ROW => rows.push(self.row()),
                ffi::SQLITE_DONE => return Ok(rows),
                _ => {
                    let handle = Handle {
                        raw: self.handle,
                        _borrow: PhantomData,
                    };
                    return Err(Failure {
                        code,
                        message: handle.message(),
                        offset: None,
                    });
                }
            }
        }
    }

    fn row(&self) -> Row {
        // SAFETY: called right after SQLITE_ROW; column indexes are within
        // the count, and the returned strings are copied before the next step.
        unsafe {
            let columns = ffi::sqlite3_column_count(self.raw.as_ptr());
            (0..columns)
                .map(|i| {
                    let name = text(ffi::sqlite3_column_name(self.raw.as_ptr(), i)).unwrap_or_default();
                    let value = text(ffi::sqlite3_column_text(self.raw.as_ptr(), i).cast());
                    (name, value)
                })
                .collect()
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: finalized exactly once, here.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

/// Whether SQLite reserves `word` as a keyword (any case).
pub fn is_keyword(word: &str) -> bool {
    let Ok(length) = c_int::try_from(word.len()) else {
        return false;
    };
    // SAFETY: SQLite reads exactly `length` bytes of `word`.
    unsafe { ffi::sqlite3_keyword_check(word.as_ptr().cast(), length) != 0 }
}

/// The authorizer for the duration of one `prepare`: it records every
/// callback and allows it, so SQLite compiles the whole statement and its
/// tail is right; what may run is decided from the record afterwards.
struct Authorizer {
    raw: NonNull<ffi::sqlite3>,
}

impl Authorizer {
    fn install(raw: NonNull<ffi::sqlite3>, recorder: &RefCell<Vec<Action>>) -> Authorizer {
        // SAFETY: `recorder` outlives the authorizer, which is removed on drop
        // (before `recorder` goes out of scope in `prepare`); the callback only
        // runs inside `sqlite3_prepare_v3` on this thread.
        unsafe {
            ffi::sqlite3_set_authorizer(
                raw.as_ptr(),
                Some(record_action),
                ptr::from_ref(recorder).cast_mut().cast(),
            )
        };
        Authorizer { raw }
    }
}

impl Drop for Authorizer {
    fn drop(&mut self) {
        // SAFETY: removes the callback installed by `install`.
        unsafe { ffi::sqlite3_set_authorizer(self.raw.as_ptr(), None, ptr::null_mut()) };
    }
}

unsafe extern "C" fn record_action(
    recorder: *mut c_void,
    code: c_int,
    first: *const c_char,
    second: *const c_char,
    database: *const c_char,
    _trigger_or_view: *const c_char,
) -> c_int {
    // SAFETY: `recorder` is the `RefCell` `Authorizer::install` registered,
    // alive for the whole prepare; the strings are NUL-terminated or NULL.
    unsafe {
        let recorder = &*recorder.cast::<RefCell<Vec<Action>>>();
        if let Ok(mut actions) = recorder.try_borrow_mut() {
            actions.push(Action {
                code,
                first: text(first),
                second: text(second),
                database: text(database),
            });
        }
    }
    ffi::SQLITE_OK
}

/// A copy of a C string SQLite handed out (`None` for NULL).
///
/// # Safety
/// `pointer` is NULL or points to a NUL-terminated string.
unsafe fn text(pointer: *const c_char) -> Option<String> {
    // SAFETY: guaranteed by the caller.
    (!pointer.is_null()).then(|| unsafe { CStr::from_ptr(pointer) }.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_finds_each_statement_and_its_tail() {
        let database = PrivateDatabase::open().expect("open");
        let handle = database.handle();
        let sql = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- just a comment\n";
        let script = Script::new(sql).expect("no NUL");
        let first = handle.prepare(&script, 0).expect("prepares");
        assert_eq!(&sql[..first.tail], "CREATE TABLE a (x TEXT DEFAULT ';');");
        assert!(first.actions.iter().any(|a| a.code == ffi::SQLITE_CREATE_TABLE));
        first.statement.expect("a statement").run().expect("runs");
        let rest = handle.prepare(&script, first.tail).expect("prepares");
        assert!(rest.statement.is_none());
        assert_eq!(rest.tail, sql.len());
    }

    #[test]
    fn a_syntax_error_has_its_offset() {
        let database = PrivateDatabase::open().expect("open");
        let script = Script::new("SELECT 1;\nCREATE TABLE b (id,, x);").expect("no NUL");
        let first = database.handle().prepare(&script, 0).expect("prepares");
        let error = database.handle().prepare(&script, first.tail).err().expect("fails");
        assert!(error.message.contains("syntax error"), "{error:?}");
        // `,,` begins at byte 19 of the second statement's text ("\nCREATE …").
        assert_eq!(error.offset, Some(20));
    }

    #[test]
    fn keywords_are_sqlites_own() {
        assert!(is_keyword("select") && is_keyword("KEY") && is_keyword("Generated"));
        assert!(!is_keyword("varchar") && !is_keyword("note") && !is_keyword("integer"));
    }
}
