//! The journal of a multi-case re-encryption: `.git/dossier-rekey`.
//!
//! While `ops::rekey` prepares a change that re-encrypts many cases, each
//! prepared case gets a line here (on disk before the next chunk starts), so
//! a killed run can be resumed on the same commit without preparing those
//! cases again. A journal whose base is no longer HEAD — the change landed,
//! or another one did — is discarded when the vault is next opened
//! ([`tidy`]). The commit itself has its own journal in [`crate::repo::store`].
//!
//! Format (text, one item a line): a version line, `base <commit>`,
//! `operation <subject>`, `param <text>`, `total <n>`, then per prepared case
//! `case <id> <digest> <path>=<blob>… !<path>…` (`!` marks a file left as it
//! was because it could not be decrypted). A line cut short by a kill has no
//! newline and is ignored, with everything after it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::case::CaseId;
use crate::error::Result;
use crate::support::fsio::{self, Appender, Mode};

const JOURNAL: &str = "dossier-rekey";
// Version 2 added `!path` entries for files left undecrypted; a version 1
// journal is discarded (its cases are prepared again).
const JOURNAL_VERSION: &str = "dossier-rekey 2";

/// A case prepared for the commit: the new blobs of the files that were
/// re-encrypted, and the paths of those left as they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreparedCase {
    /// (path, new blob id) of each re-encrypted file.
    pub written: Vec<(String, git2::Oid)>,
    /// Paths of the files that could not be decrypted.
    pub unreadable: Vec<String>,
}

/// An interrupted re-encryption left on the current commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The commit subject of the change it was preparing (`revoke-key SHA256:…`).
    pub operation: String,
    /// Operation-specific state (rotation: the new recipient).
    pub param: String,
    /// Cases prepared.
    pub done: usize,
    /// Cases it had to prepare.
    pub total: usize,
}

/// What a journal is for: the commit it starts from and the change.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// The commit the change is prepared on.
    pub base: git2::Oid,
    /// The change's commit subject.
    pub operation: &'a str,
    /// Operation-specific state.
    pub param: &'a str,
    /// How many cases the change prepares.
    pub total: usize,
}

/// Prepared cases by id: (digest of what was prepared from, the result).
pub type Prepared = BTreeMap<CaseId, (String, PreparedCase)>;

struct Journal {
    base: git2::Oid,
    operation: String,
    param: String,
    total: usize,
    cases: Prepared,
}

fn journal_path(repo: &git2::Repository) -> PathBuf {
    repo.path().join(JOURNAL)
}

fn head(repo: &git2::Repository) -> Option<git2::Oid> {
    repo.head().ok().and_then(|h| h.target())
}

fn read_journal(path: &Path) -> Option<Journal> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.split_inclusive('\n');
    let mut header = |key: &str| -> Option<String> {
        let line = lines.next()?.strip_suffix('\n')?;
        if key.is_empty() {
            return (line == JOURNAL_VERSION).then(String::new);
        }
        line.strip_prefix(key)?
            .strip_prefix(' ')
            .map(str::to_string)
    };
    header("")?;
    let base = git2::Oid::from_str(&header("base")?).ok()?;
    let operation = header("operation")?;
    let param = header("param")?;
    let total = header("total")?.parse().ok()?;
    let mut cases = BTreeMap::new();
    for line in lines {
        // A line cut short by a kill has no newline: ignore it.
        let Some(line) = line.strip_suffix('\n') else {
            break;
        };
        let mut parts = line.split(' ');
        let (Some("case"), Some(id), Some(digest)) = (parts.next(), parts.next(), parts.next())
        else {
            break;
        };
        let Ok(id) = id.parse::<CaseId>() else { break };
        let mut case = PreparedCase::default();
        let mut whole = true;
        for p in parts {
            if let Some(path) = p.strip_prefix('!') {
                case.unreadable.push(path.to_string());
                continue;
            }
            match p
                .split_once('=')
                .and_then(|(path, oid)| Some((path, git2::Oid::from_str(oid).ok()?)))
            {
                Some((path, oid)) => case.written.push((path.to_string(), oid)),
                None => {
                    whole = false;
                    break;
                }
            }
        }
        if !whole {
            break;
        }
        cases.insert(id, (digest.to_string(), case));
    }
    Some(Journal {
        base,
        operation,
        param,
        total,
        cases,
    })
}

fn journal_line(id: &CaseId, digest: &str, case: &PreparedCase) -> String {
    let mut line = format!("case {id} {digest}");
    for (p, o) in &case.written {
        line.push_str(&format!(" {p}={o}"));
    }
    for p in &case.unreadable {
        line.push_str(&format!(" !{p}"));
    }
    line.push('\n');
    line
}

/// Discards a journal that no longer applies (its base is not HEAD);
/// returns the one that does, if any. Called when a vault is opened.
/// `held` is this process's own lock on the vault, if it has one.
pub fn tidy(
    repo: &git2::Repository,
    held: Option<&crate::repo::lock::WriteLock>,
) -> Result<Option<Pending>> {
    let path = journal_path(repo);
    if !path.exists() {
        return Ok(None);
    }
    match read_journal(&path) {
        Some(j) if Some(j.base) == head(repo) => Ok(Some(Pending {
            operation: j.operation,
            param: j.param,
            done: j.cases.len(),
            total: j.total,
        })),
        _ => {
            // Stale or unreadable: the change either landed or was superseded.
            // Another process may be preparing right now; only its lock says so.
            match crate::repo::lock::WriteLock::for_recovery(repo, held)? {
                Some(_lock) => fsio::remove_if_exists(&path).map(|_| None),
                None => Ok(None),
            }
        }
    }
}

/// The cases an earlier, interrupted run of the same change prepared on
/// the same commit (empty when there is none).
pub fn resumable(
    repo: &git2::Repository,
    base: git2::Oid,
    operation: &str,
    param: &str,
) -> Prepared {
    read_journal(&journal_path(repo))
        .filter(|j| j.base == base && j.operation == operation && j.param == param)
        .map(|j| j.cases)
        .unwrap_or_default()
}

/// A journal being written.
#[derive(Debug)]
pub struct Writer {
    file: Appender,
}

impl Writer {
    /// Starts a fresh journal for `header`, holding the cases `reused` from
    /// an earlier run.
    pub fn start(
        repo: &git2::Repository,
        header: &Header,
        reused: &[(&CaseId, &str, &PreparedCase)],
    ) -> Result<Writer> {
        let mut text = format!(
            "{JOURNAL_VERSION}\nbase {}\noperation {}\nparam {}\ntotal {}\n",
            header.base, header.operation, header.param, header.total
        );
        for (id, digest, case) in reused {
            text.push_str(&journal_line(id, digest, case));
        }
        let file = Appender::create(&journal_path(repo), text.as_bytes(), Mode::Private)?;
        Ok(Writer { file })
    }

    /// Records prepared cases: (id, digest, result); on disk when this returns.
    pub fn append<'a>(
        &mut self,
        cases: impl IntoIterator<Item = (&'a CaseId, &'a str, &'a PreparedCase)>,
    ) -> Result<()> {
        let lines: String = cases
            .into_iter()
            .map(|(id, digest, case)| journal_line(id, digest, case))
            .collect();
        self.file.append(lines.as_bytes())
    }
}

/// Removes the journal once its change is committed.
pub fn remove(repo: &git2::Repository) -> Result<()> {
    fsio::remove_if_exists(&journal_path(repo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_cut_short_keeps_only_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let oid = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "{JOURNAL_VERSION}\nbase {oid}\noperation revoke-key X\nparam \ntotal 3\n\
             case 7K2M9QX4AB d1 cases/7K2M9QX4AB/case.yaml.age={oid}\n\
             case 8K2M9QX4AB d2 cases/8K2M9QX4AB/case.yaml.age={oid}"
        );
        std::fs::write(&path, text).unwrap();
        let j = read_journal(&path).unwrap();
        assert_eq!(j.total, 3);
        assert_eq!(j.param, "");
        assert_eq!(j.cases.len(), 1);
        assert!(j
            .cases
            .contains_key(&"7K2M9QX4AB".parse::<CaseId>().unwrap()));
    }

    #[test]
    fn a_journal_keeps_the_files_it_left_undecrypted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let oid = "0123456789abcdef0123456789abcdef01234567";
        let id: CaseId = "7K2M9QX4AB".parse().unwrap();
        let case = PreparedCase {
            written: vec![(
                format!("cases/{id}/case.yaml.age"),
                git2::Oid::from_str(oid).unwrap(),
            )],
            unreadable: vec![format!("cases/{id}/notes/x.md.age")],
        };
        let text = format!(
            "{JOURNAL_VERSION}\nbase {oid}\noperation rekey X\nparam \ntotal 1\n{}",
            journal_line(&id, "d1", &case)
        );
        std::fs::write(&path, text).unwrap();
        let j = read_journal(&path).unwrap();
        let (_, read) = &j.cases[&id];
        assert_eq!(read.written, case.written);
        assert_eq!(read.unreadable, case.unreadable);
    }
}
