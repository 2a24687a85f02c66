//! What an import tells its operator: a progress line on a terminal, every
//! row it skipped or changed and why, a summary always, and the first row
//! it could not take (which makes the exit status 1).

use std::io::{IsTerminal as _, Write as _};

#[derive(Debug, Default)]
pub struct Report {
    pub spaces_created: usize,
    pub spaces_present: usize,
    pub accounts_read: usize,
    pub accounts_copied: usize,
    pub accounts_present: usize,
    pub hashes: usize,
    pub from_clear_text: usize,
    pub keys_copied: usize,
    pub keys_present: usize,
    pub deleted_copied: u64,
    pub deleted_present: u64,
    /// Rows not taken: each a line; the first names the exit status.
    pub refused: Vec<String>,
    /// Rows taken with a change or left out on purpose, each with why.
    pub notes: Vec<String>,
    total: i64,
    progress: bool,
}

impl Report {
    pub fn new(total: i64) -> Self {
        Self {
            total,
            progress: std::io::stderr().is_terminal(),
            ..Self::default()
        }
    }

    pub fn refuse(&mut self, what: String) {
        eprintln!("refused: {what}");
        self.refused.push(what);
    }

    pub fn note(&mut self, what: String) {
        eprintln!("note: {what}");
        self.notes.push(what);
    }

    /// `\r`-rewritten on a terminal only (a log file gets the summary).
    pub fn progress(&self) {
        if self.progress {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\raccounts: {} of {} read, {} copied",
                self.accounts_read, self.total, self.accounts_copied
            );
            let _ = err.flush();
        }
    }

    /// The summary, on stdout.
    pub fn print(&self, dry_run: bool) {
        if self.progress {
            eprintln!();
        }
        let verb = if dry_run { "would copy" } else { "copied" };
        let refused = self.refused.len();
        println!(
            "spaces: {verb} {}, {} already here",
            self.spaces_created, self.spaces_present
        );
        println!(
            "accounts: {} read, {verb} {}, {} already here (left as they are), {refused} refused",
            self.accounts_read, self.accounts_copied, self.accounts_present
        );
        println!(
            "passwords: {} hashes {verb} as they are, {} clear-text passwords turned into MD5 \
             and SHA-256 HA1s (no clear text kept)",
            self.hashes, self.from_clear_text
        );
        println!(
            "api keys: {verb} {} (hashed), {} already here",
            self.keys_copied, self.keys_present
        );
        println!(
            "deleted usernames: {verb} {}, {} already here",
            self.deleted_copied, self.deleted_present
        );
        println!("notes: {}", self.notes.len());
        if dry_run {
            println!("dry run: nothing was written");
        }
    }
}
