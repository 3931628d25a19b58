//! The captured result of one Terraform command, with the assertions tests
//! make on it. Every failed assertion prints the command and its full output.

use std::fmt;

/// Exit codes of `terraform plan -detailed-exitcode`.
pub const EXIT_NO_CHANGES: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;

#[derive(Debug, Clone)]
pub struct TfOutput {
    /// The command line, for messages.
    pub command: String,
    /// `None` when Terraform was killed by a signal.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl TfOutput {
    /// Asserts exit code 0 (for `plan -detailed-exitcode`: no changes).
    #[track_caller]
    pub fn success(self) -> Self {
        self.exit_code_is(EXIT_NO_CHANGES)
    }

    /// Asserts exit code 1: Terraform reported an error.
    #[track_caller]
    pub fn failure(self) -> Self {
        self.exit_code_is(EXIT_ERROR)
    }

    /// For `plan -detailed-exitcode`: asserts the plan has changes.
    #[track_caller]
    pub fn changes(self) -> Self {
        self.exit_code_is(EXIT_CHANGES)
    }

    /// For `plan -detailed-exitcode`: asserts the plan is empty.
    #[track_caller]
    pub fn no_changes(self) -> Self {
        let checked = self.exit_code_is(EXIT_NO_CHANGES);
        checked.contains("No changes.")
    }

    #[track_caller]
    pub fn exit_code_is(self, expected: i32) -> Self {
        assert_eq!(self.exit_code, Some(expected), "expected exit code {expected}\n{self}");
        self
    }

    /// Asserts the output says `fragment`, wherever Terraform wrapped its
    /// lines (it wraps diagnostics at 78 columns): runs of whitespace compare
    /// as one space.
    #[track_caller]
    pub fn says(self, fragment: &str) -> Self {
        let unwrapped = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            unwrapped(&self.combined()).contains(&unwrapped(fragment)),
            "expected the output to say {fragment:?}\n{self}"
        );
        self
    }

    /// Asserts stdout or stderr contains `needle`.
    #[track_caller]
    pub fn contains(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle) || self.stderr.contains(needle),
            "expected the output to contain {needle:?}\n{self}"
        );
        self
    }

    /// Asserts neither stdout nor stderr contains `needle`.
    #[track_caller]
    pub fn lacks(self, needle: &str) -> Self {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "expected the output not to contain {needle:?}\n{self}"
        );
        self
    }

    /// Asserts the output shows the SQL `fragment`. Terraform prints a
    /// one-line string of a list as an HCL literal (quotes escaped) and a
    /// multi-line one as a heredoc (quotes as they are), so both spellings count.
    #[track_caller]
    pub fn shows_sql(self, fragment: &str) -> Self {
        let escaped = fragment.replace('"', "\\\"");
        let combined = self.combined();
        assert!(
            combined.contains(fragment) || combined.contains(&escaped),
            "expected the output to show the SQL {fragment:?}\n{self}"
        );
        self
    }

    /// The inverse of [`TfOutput::shows_sql`].
    #[track_caller]
    pub fn hides_sql(self, fragment: &str) -> Self {
        let escaped = fragment.replace('"', "\\\"");
        let combined = self.combined();
        assert!(
            !combined.contains(fragment) && !combined.contains(&escaped),
            "expected the output not to show the SQL {fragment:?}\n{self}"
        );
        self
    }

    /// The first line of stdout containing `needle`, trimmed.
    pub fn line_with(&self, needle: &str) -> Option<&str> {
        self.stdout.lines().find(|line| line.contains(needle)).map(str::trim)
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl fmt::Display for TfOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exit = self
            .exit_code
            .map_or_else(|| "killed by a signal".to_owned(), |code| code.to_string());
        writeln!(f, "$ {}\nexit: {exit}", self.command)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}
