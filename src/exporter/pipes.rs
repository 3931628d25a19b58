//! Reading the interpreter's output without trusting it: memory stays bounded whatever the
//! models print, and nothing waits for end-of-file, which a process the models started (and
//! that inherited the pipe) could hold off for ever.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How much of standard error is kept in memory while the interpreter runs.
const STDERR_KEEP_BYTES: usize = 64 * 1024;
/// How much of it a failure message quotes, at most.
const TAIL_MAX_BYTES: usize = 4 * 1024;
const TAIL_MAX_LINES: usize = 30;

/// What came out of standard output.
#[derive(Debug)]
pub(crate) enum ResultRead {
    /// The result line, without its marker.
    Complete(Vec<u8>),
    /// End of file (or a read error) before the result line.
    Closed,
    /// More than the limit arrived without a complete result.
    TooLarge,
}

/// Reads standard output until the line that starts with `marker`. Lines before it (an
/// interpreter's startup hooks may print) are skipped but count against `limit`.
pub(crate) fn read_result<R>(mut pipe: R, marker: &'static str, limit: u64) -> JoinHandle<ResultRead>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut line = Vec::new();
        let mut total: u64 = 0;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let read = match pipe.read(&mut chunk).await {
                Ok(0) | Err(_) => return ResultRead::Closed,
                Ok(read) => read,
            };
            total += read as u64;
            if total > limit {
                return ResultRead::TooLarge;
            }
            let mut rest = &chunk[..read];
            while let Some(end) = rest.iter().position(|&byte| byte == b'\n') {
                line.extend_from_slice(&rest[..end]);
                if line.starts_with(marker.as_bytes()) {
                    return ResultRead::Complete(line.split_off(marker.len()));
                }
                line.clear();
                rest = &rest[end + 1..];
            }
            line.extend_from_slice(rest);
        }
    })
}

/// Standard error, read as it comes: its last bytes kept, its volume limited.
pub(crate) struct StderrReader {
    shared: Arc<Mutex<Kept>>,
    over_limit: Arc<Notify>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Kept {
    bytes: VecDeque<u8>,
    total: u64,
}

impl StderrReader {
    pub fn spawn<R>(mut pipe: R, limit: u64) -> Self
    where
        R: AsyncRead + Unpin + Send + 'static,
    {
        let shared = Arc::new(Mutex::new(Kept::default()));
        let over_limit = Arc::new(Notify::new());
        let task = {
            let shared = Arc::clone(&shared);
            let over_limit = Arc::clone(&over_limit);
            tokio::spawn(async move {
                let mut chunk = vec![0u8; 16 * 1024];
                while let Ok(read) = pipe.read(&mut chunk).await {
                    if read == 0 {
                        break;
                    }
                    let total = {
                        let mut kept = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        kept.bytes.extend(&chunk[..read]);
                        let excess = kept.bytes.len().saturating_sub(STDERR_KEEP_BYTES);
                        kept.bytes.drain(..excess);
                        kept.total += read as u64;
                        kept.total
                    };
                    if total > limit {
                        // Stop reading: the runner stops the interpreter.
                        over_limit.notify_one();
                        break;
                    }
                }
            })
        };
        StderrReader {
            shared,
            over_limit,
            task,
        }
    }

    /// Resolves once more than the limit was read.
    pub async fn over_limit(&self) {
        self.over_limit.notified().await
    }

    /// The tail, after waiting at most `grace` for the pipe to close.
    pub async fn finish(mut self, grace: Duration) -> StderrTail {
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            self.task.abort();
        }
        let kept = self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes: Vec<u8> = kept.bytes.iter().copied().collect();
        StderrTail::of(&bytes, kept.total)
    }
}

/// The last lines the interpreter wrote to standard error, as a failure message quotes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StderrTail {
    pub lines: Vec<String>,
    /// Whether earlier output was left out.
    pub truncated: bool,
}

impl StderrTail {
    /// The last lines of `kept` (the end of `total` bytes written), within the quoting limits.
    pub(crate) fn of(kept: &[u8], total: u64) -> Self {
        let text = String::from_utf8_lossy(kept);
        let all: Vec<&str> = text.trim_end().lines().collect();
        let mut lines = Vec::new();
        let mut size = 0;
        for line in all.iter().rev() {
            if lines.len() == TAIL_MAX_LINES || size + line.len() > TAIL_MAX_BYTES {
                break;
            }
            size += line.len() + 1;
            lines.push(line.trim_end().to_string());
        }
        lines.reverse();
        // The first kept line is cut when older bytes were dropped.
        let truncated = lines.len() < all.len() || total > kept.len() as u64;
        StderrTail { lines, truncated }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

impl fmt::Display for StderrTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines.is_empty() {
            return f.write_str("It wrote nothing to standard error.");
        }
        let which = if self.truncated { "The last lines" } else { "Everything" };
        write!(f, "{which} it wrote to standard error:")?;
        for line in &self.lines {
            // Indented lines are shown as they are by Terraform, not re-wrapped.
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_result_line_is_found_after_startup_noise_and_without_end_of_file() {
        let (mut writer, reader) = tokio::io::duplex(1024);
        let read = read_result(reader, "@@result:", 1 << 20);
        tokio::io::AsyncWriteExt::write_all(&mut writer, b"hello from sitecustomize\n@@result:{\"a\": 1}\nlater")
            .await
            .unwrap();
        // The writer stays open: the reader must not need end-of-file.
        match tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .unwrap()
            .unwrap()
        {
            ResultRead::Complete(bytes) => assert_eq!(bytes, b"{\"a\": 1}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_result_over_the_limit_is_refused_and_a_closed_pipe_is_reported() {
        let (mut writer, reader) = tokio::io::duplex(1024);
        let read = read_result(reader, "@@result:", 100);
        tokio::io::AsyncWriteExt::write_all(&mut writer, &[b'x'; 101])
            .await
            .unwrap();
        assert!(matches!(read.await.unwrap(), ResultRead::TooLarge));

        let (writer, reader) = tokio::io::duplex(1024);
        drop(writer);
        assert!(matches!(
            read_result(reader, "@@result:", 100).await.unwrap(),
            ResultRead::Closed
        ));
    }

    #[test]
    fn the_tail_keeps_the_last_lines_and_says_when_it_is_cut() {
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let tail = StderrTail::of(text.as_bytes(), text.len() as u64);
        assert_eq!(tail.lines.len(), TAIL_MAX_LINES);
        assert_eq!(tail.lines.last().unwrap(), "line 100");
        assert_eq!(tail.lines[0], "line 71");
        assert!(tail.truncated);
        assert!(tail
            .to_string()
            .starts_with("The last lines it wrote to standard error:\n    line 71\n"));

        let short = StderrTail::of(b"only\n", 5);
        assert!(!short.truncated);
        assert_eq!(short.to_string(), "Everything it wrote to standard error:\n    only");
        assert_eq!(
            StderrTail::of(b"", 0).to_string(),
            "It wrote nothing to standard error."
        );
        // Bytes dropped before the kept ones also make the tail partial.
        assert!(StderrTail::of(b"end\n", 10_000).truncated);
    }

    #[tokio::test]
    async fn stderr_over_its_limit_is_signalled_and_memory_stays_bounded() {
        let (mut writer, reader) = tokio::io::duplex(64 * 1024);
        let stderr = StderrReader::spawn(reader, 256 * 1024);
        let line = [b'y'; 1023];
        let flood = async {
            loop {
                if tokio::io::AsyncWriteExt::write_all(&mut writer, &line).await.is_err() {
                    break;
                }
                if tokio::io::AsyncWriteExt::write_all(&mut writer, b"\n").await.is_err() {
                    break;
                }
            }
        };
        // Biased: once the reader gave up, the flood fails too; the signal must win.
        tokio::select! {
            biased;
            () = stderr.over_limit() => {}
            () = flood => panic!("the reader stopped without signalling the limit"),
        }
        let tail = stderr.finish(Duration::from_secs(1)).await;
        assert!(tail.truncated);
        assert!(tail.text().len() <= TAIL_MAX_BYTES);
    }
}
