//! Standard output for scripts: `inspect | head` closes the pipe early, which
//! is the reader's choice, not an error (`println!` would panic).

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output. A closed pipe ends the output quietly;
/// any other failure is reported once on stderr.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::BrokenPipe => {}
        Err(err) => eprintln!("warning: cannot write to standard output: {err}"),
    }
}
