//! Damage to git's object store, named by the files it holds: a corrupt
//! or missing object under a commit's tree is reported with the path of
//! the file (or the directory, for a tree object) whose committed copy it
//! is, so a person knows what to restore. Read-only.

use crate::error::Error;

/// One object of a commit's tree that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file's path, or a directory's with a trailing `/`; `""` for the
    /// commit (or its root tree) itself.
    pub path: String,
    /// The object is not in the store at all (rather than unreadable).
    pub missing: bool,
    /// git's own words.
    pub reason: String,
}

impl Damage {
    /// What happened to the object: "is missing from" or "is damaged in"
    /// (git's object store).
    pub fn what(&self) -> &'static str {
        if self.missing {
            "is missing from"
        } else {
            "is damaged in"
        }
    }

    /// The file or directory it holds, or "the last commit".
    pub fn subject(&self) -> &str {
        if self.path.is_empty() {
            "the last commit"
        } else {
            &self.path
        }
    }
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} git's object store ({})",
            self.subject(),
            self.what(),
            self.reason
        )
    }
}

/// [`Error::DamagedStore`] naming every object under `HEAD` that cannot be
/// read, when there is one.
pub fn as_error(repo: &git2::Repository) -> Option<Error> {
    let damaged: Vec<String> = scan_head(repo).iter().map(ToString::to_string).collect();
    (!damaged.is_empty()).then_some(Error::DamagedStore { damaged })
}

/// `e`, or, when it is git failing to read an object
/// ([`Error::GitObject`]) and objects under `HEAD` are damaged,
/// [`Error::DamagedStore`] naming the files they hold.
pub fn explain(repo: &git2::Repository, e: Error) -> Error {
    if !matches!(e, Error::GitObject(_)) {
        return e;
    }
    as_error(repo).unwrap_or(e)
}

fn damage(path: String, e: &git2::Error) -> Damage {
    Damage {
        path,
        missing: e.code() == git2::ErrorCode::NotFound,
        reason: e.message().trim().to_string(),
    }
}

/// Every object of `commit`'s tree that cannot be read, by path.
pub fn scan(repo: &git2::Repository, commit: git2::Oid) -> Vec<Damage> {
    let tree = match repo.find_commit(commit).and_then(|c| c.tree()) {
        Ok(tree) => tree,
        Err(e) => return vec![damage(String::new(), &e)],
    };
    let mut found = Vec::new();
    let mut dirs = vec![(String::new(), tree)];
    while let Some((dir, tree)) = dirs.pop() {
        for entry in tree.iter() {
            let Ok(name) = entry.name() else { continue };
            let path = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            match entry.kind() {
                Some(git2::ObjectType::Tree) => match repo.find_tree(entry.id()) {
                    Ok(sub) => dirs.push((path, sub)),
                    Err(e) => found.push(damage(format!("{path}/"), &e)),
                },
                Some(git2::ObjectType::Blob) => {
                    if let Err(e) = repo.find_blob(entry.id()) {
                        found.push(damage(path, &e));
                    }
                }
                _ => {}
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The damage under `HEAD`, if any (nothing when there is no commit yet).
pub fn scan_head(repo: &git2::Repository) -> Vec<Damage> {
    match repo.head().ok().and_then(|h| h.target()) {
        Some(head) => scan(repo, head),
        None => Vec::new(),
    }
}
