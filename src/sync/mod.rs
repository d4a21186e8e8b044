//! Sharing a vault (DESIGN §6): `sync` with a named remote, `clone`, and
//! bundles for air-gapped machines.
//!
//! Whatever arrives is fetched into a quarantine ref, verified commit by
//! commit ([`crate::trust::incoming`]), and only then recorded as the remote's
//! branch and merged: a fast-forward, or a signed merge commit worked out
//! by [`merge`]. A refusal or a conflict leaves the local branch, index and
//! working tree exactly as they were (fetched objects stay unreferenced in
//! the object store until git prunes them). Pushing is git's own atomic
//! ref update: an interrupted push changes nothing on the remote, and the
//! next sync pushes again.

pub mod bundle;
pub mod git_integration;
pub mod known_hosts;
pub mod merge;
pub mod receive;
pub mod remotes;
pub mod transport;

use std::path::{Path, PathBuf};

use crate::case::CaseId;
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::repo::lock::WriteLock;
use crate::repo::ref_journal::{self, RefUpdates};
use crate::repo::store::{self, CommitMessage};
use crate::support::secret::SecretString;
use crate::trust::incoming;
use crate::vault::Vault;
use remotes::Remote;
use transport::{RemoteUrl, TransportOptions, UnknownHost};

pub use merge::{Choices, Conflict};

/// Where incoming history waits while it is verified.
const QUARANTINE: &str = "refs/dossier/incoming";

/// How many times a push that lost a race is retried after merging again.
const PUSH_ATTEMPTS: usize = 3;

/// What a sync is doing, for progress lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Fetching from the remote.
    Fetching,
    /// Objects arriving.
    Receiving {
        /// Objects received so far.
        objects: usize,
        /// Objects in all.
        total: usize,
    },
    /// Checking every new commit.
    Verifying,
    /// Merging.
    Merging,
    /// Pushing.
    Pushing {
        /// Objects sent so far.
        current: usize,
        /// Objects in all.
        total: usize,
    },
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Fetching => f.write_str("fetching"),
            Stage::Receiving { objects, total } => write!(f, "receiving {objects}/{total} objects"),
            Stage::Verifying => f.write_str("verifying"),
            Stage::Merging => f.write_str("merging"),
            Stage::Pushing { current, total } if *total > 0 => {
                write!(f, "pushing {current}/{total} objects")
            }
            Stage::Pushing { .. } => f.write_str("pushing"),
        }
    }
}

/// How a sync reaches the network and asks the user.
pub struct SyncOptions<'a> {
    /// An explicit SSH key file.
    pub ssh_key: Option<PathBuf>,
    /// The known-hosts file to check and extend.
    pub known_hosts: PathBuf,
    /// Asked once for a host not in known_hosts.
    pub accept_unknown_host: &'a dyn Fn(&UnknownHost) -> bool,
    /// Asked for the passphrase of a protected SSH key file.
    pub key_passphrase: &'a dyn Fn(&Path) -> Option<SecretString>,
    /// Decided conflicts.
    pub resolver: &'a Choices,
    /// Progress.
    pub progress: &'a mut dyn FnMut(Stage),
}

/// Runs `f` with transport options made from `options`, forwarding
/// transfer progress as [`Stage`]s.
fn with_transport<T>(
    options: &mut SyncOptions<'_>,
    session: Option<&Session>,
    f: impl FnOnce(TransportOptions<'_>) -> Result<T>,
) -> Result<T> {
    // With the passphrase agent, dossier's key stays in the agent: SSH
    // remotes authenticate with ssh-agent or DOSSIER_SSH_KEY instead.
    let signing_key = match session {
        Some(s) if s.has_agent() => None,
        Some(s) => Some(s.signing_key()?),
        None => None,
    };
    let SyncOptions {
        ssh_key,
        known_hosts,
        accept_unknown_host,
        key_passphrase,
        progress,
        ..
    } = options;
    let mut forward = |p: transport::Progress| match p {
        transport::Progress::Receiving { objects, total, .. } => {
            progress(Stage::Receiving { objects, total })
        }
        transport::Progress::Packing { .. } => progress(Stage::Pushing {
            current: 0,
            total: 0,
        }),
        transport::Progress::Sending { current, total, .. } => {
            progress(Stage::Pushing { current, total })
        }
    };
    f(TransportOptions {
        ssh_key: ssh_key.clone(),
        signing_key,
        known_hosts: known_hosts.clone(),
        accept_unknown_host: *accept_unknown_host,
        key_passphrase: *key_passphrase,
        progress: &mut forward,
    })
}

/// How incoming history was taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing new arrived.
    UpToDate,
    /// The local branch moved forward to the incoming history.
    FastForward,
    /// A signed merge commit joined both histories.
    Merged {
        /// The merge commit.
        commit: git2::Oid,
        /// Cases changed on both sides and merged field by field.
        cases: Vec<CaseId>,
    },
    /// Both sides changed the same things: nothing was merged.
    Conflicts(Vec<Conflict>),
}

/// What a sync did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// The remote.
    pub remote: Remote,
    /// New commits received and verified.
    pub received: usize,
    /// How they were taken in.
    pub outcome: Outcome,
    /// Whether local commits were pushed.
    pub pushed: bool,
}

/// How the incoming history was taken in, as the CLI prints it. For
/// [`Outcome::Conflicts`] it is only the line that introduces them: the
/// conflicting values are the face's to show (they are case content).
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::UpToDate => f.write_str("Nothing new to merge."),
            Outcome::FastForward => f.write_str("Brought the vault up to date (fast-forward)."),
            Outcome::Merged { commit, cases } => {
                let id = commit.to_string();
                let short = id.get(..10).unwrap_or(&id);
                if cases.is_empty() {
                    write!(f, "Merged both histories in commit {short}.")
                } else {
                    let list: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
                    write!(
                        f,
                        "Merged both histories in commit {short}; merged field by field: {}.",
                        list.join(", ")
                    )
                }
            }
            Outcome::Conflicts(_) => f.write_str("Both sides changed the same things differently:"),
        }
    }
}

/// `s` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl SyncReport {
    /// The report in one line, for a status line (the TUI), e.g. "Synced
    /// with origin: 3 new commits, merged 1 case, pushed"; the `Display`
    /// is the whole report, as `dossier sync` prints it.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.push(match self.received {
            0 => "nothing new".into(),
            1 => "1 new commit".into(),
            n => format!("{n} new commits"),
        });
        match &self.outcome {
            Outcome::UpToDate => {}
            Outcome::FastForward => parts.push("fast-forward".into()),
            Outcome::Merged { cases, .. } => parts.push(match cases.len() {
                0 => "merged both histories".into(),
                1 => "merged 1 case".into(),
                n => format!("merged {n} cases"),
            }),
            Outcome::Conflicts(list) => parts.push(format!("{} conflict(s) to decide", list.len())),
        }
        parts.push(if self.pushed {
            "pushed".into()
        } else {
            "nothing to push".into()
        });
        format!("Synced with {}: {}", self.remote.name, parts.join(", "))
    }
}

/// The whole report, as `dossier sync` prints it (one line for what was
/// received, if anything; how it was taken in; what was pushed, unless
/// there are conflicts, which the face lists after it).
impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let remote = &self.remote.name;
        if self.received > 0 {
            writeln!(
                f,
                "Received and verified {} new commit{} from {remote}.",
                self.received,
                plural(self.received)
            )?;
        }
        write!(f, "{}", self.outcome)?;
        if matches!(self.outcome, Outcome::Conflicts(_)) {
            return Ok(());
        }
        if self.pushed {
            write!(f, "\nPushed to {remote}.")
        } else {
            write!(f, "\n{remote} already has everything.")
        }
    }
}

/// What importing a bundle did.
#[derive(Debug, Clone)]
pub struct BundleImport {
    /// The bundle file.
    pub file: PathBuf,
    /// New commits received and verified.
    pub received: usize,
    /// How they were taken in.
    pub outcome: Outcome,
}

/// The whole report, as `dossier bundle import` prints it (conflicts, as
/// for [`SyncReport`], are listed by the face after it).
impl std::fmt::Display for BundleImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.received > 0 {
            writeln!(
                f,
                "Verified {} new commit{} from {}.",
                self.received,
                plural(self.received),
                self.file.display()
            )?;
        }
        write!(f, "{}", self.outcome)
    }
}

/// Verifies `theirs` and takes it into the current branch, under `lock`.
/// A file it would replace that holds work no commit has is refused
/// ([`Error::UncommittedChanges`]); other hand edits are left alone.
pub fn integrate(
    vault: &Vault,
    lock: &WriteLock,
    session: &Session,
    theirs: git2::Oid,
    verified_ref: Option<&str>,
    resolver: &Choices,
    progress: &mut dyn FnMut(Stage),
) -> Result<(usize, Outcome)> {
    let repo = vault.repo();
    let head = repo.head()?.peel_to_commit()?.id();
    if head == theirs || repo.graph_descendant_of(head, theirs)? {
        return Ok((0, Outcome::UpToDate));
    }
    progress(Stage::Verifying);
    let received = incoming::verify(repo, Some(vault.keyring()), &[head], theirs)?;
    if let Some(name) = verified_ref {
        repo.reference(name, theirs, true, "dossier: verified incoming history")?;
    }
    if repo.graph_descendant_of(theirs, head)? {
        store::Writer::new(lock, repo, vault.root())?.fast_forward(head, theirs)?;
        crate::trust::verified::record(repo, head, theirs)?;
        return Ok((received, Outcome::FastForward));
    }
    progress(Stage::Merging);
    let base = repo
        .merge_base(head, theirs)
        .map_err(|_| Error::UnrelatedHistory)?;
    let plan = merge::plan(
        repo,
        session,
        &merge::Sides {
            base,
            ours: head,
            theirs,
        },
        resolver,
    )?;
    let (changes, cases) = match plan {
        merge::MergePlan::Ready { changes, cases } => (changes, cases),
        merge::MergePlan::Conflicts(conflicts) => {
            return Ok((received, Outcome::Conflicts(conflicts)))
        }
    };
    let me = session.fingerprint();
    let message = match cases.as_slice() {
        [one] => CommitMessage::for_case("merge", one, me),
        _ => CommitMessage::for_vault("merge", me),
    };
    // Our own merge is judged by the same rules as anyone's, before the
    // branch (and then the watermark) moves to it.
    let judge = |merge: git2::Oid| {
        incoming::verify(repo, Some(vault.keyring()), &[head, theirs], merge).map(|_| ())
    };
    let commit = store::Writer::new(lock, repo, vault.root())?
        .commit_merge(session, &message, &changes, theirs, &judge)?;
    // Recorded: the watermark is bookkeeping. If it cannot move, the next
    // open verifies the merge again; that is no failure of the sync.
    let _ = crate::trust::verified::record(repo, head, commit);
    Ok((received, Outcome::Merged { commit, cases }))
}

fn drop_quarantine(repo: &git2::Repository) {
    if let Ok(mut r) = repo.find_reference(QUARANTINE) {
        let _ = r.delete();
    }
}

/// Fetches `branch` of `url` into the quarantine ref; its tip, if the
/// remote has the branch.
fn fetch_into_quarantine(
    repo: &git2::Repository,
    url: &RemoteUrl,
    branch: &str,
    options: TransportOptions<'_>,
) -> Result<Option<git2::Oid>> {
    drop_quarantine(repo);
    let spec = format!("+{branch}:{QUARANTINE}");
    transport::fetch(repo, url, &[&spec], options)?;
    Ok(repo.refname_to_id(QUARANTINE).ok())
}

/// Fetches from `remote`, verifies and merges what arrived, and pushes
/// what the remote lacks.
pub fn sync(
    vault: &mut Vault,
    session: &Session,
    remote: Option<&str>,
    mut options: SyncOptions<'_>,
) -> Result<SyncReport> {
    let remote = remotes::choose(vault, remote)?;
    let url = RemoteUrl::parse(&remote.url)?;
    remotes::check_offline(vault, &url, &remote.url)?;
    session.unlock()?;
    let lock = vault.lock()?;
    let branch = store::head_branch(vault.repo())?;
    let short = branch.trim_start_matches("refs/heads/").to_string();
    let tracking = format!("refs/remotes/{}/{short}", remote.name);
    let _ref_updates = RefUpdates::begin(
        &lock,
        vault.repo(),
        &[QUARANTINE, &tracking, ref_journal::CONFIG],
    )?;
    let mut received = 0;
    let mut outcome = Outcome::UpToDate;
    let mut pushed = false;
    // Once a fast-forward or a merge is recorded, a later failure must say
    // so: the local branch has moved, only sending it failed.
    let unfinished = |outcome: &Outcome, vault: &Vault, e: Error| -> Error {
        let what = match outcome {
            Outcome::FastForward => "fast-forward",
            Outcome::Merged { .. } => "merge",
            Outcome::UpToDate | Outcome::Conflicts(_) => return e,
        };
        let commit = vault
            .repo()
            .refname_to_id("HEAD")
            .map(|c| c.to_string())
            .unwrap_or_default();
        Error::SyncUnfinished {
            what,
            remote: remote.name.clone(),
            commit,
            reason: e.to_string(),
        }
    };
    for attempt in 1..=PUSH_ATTEMPTS {
        (options.progress)(Stage::Fetching);
        let fetched = with_transport(&mut options, Some(session), |t| {
            fetch_into_quarantine(vault.repo(), &url, &branch, t)
        });
        let tip = match fetched {
            Ok(tip) => tip,
            Err(e) => {
                drop_quarantine(vault.repo());
                return Err(unfinished(&outcome, vault, e));
            }
        };
        if let Some(tip) = tip {
            let result = integrate(
                vault,
                &lock,
                session,
                tip,
                Some(&tracking),
                options.resolver,
                options.progress,
            );
            drop_quarantine(vault.repo());
            let (n, o) = result.map_err(|e| unfinished(&outcome, vault, e))?;
            received += n;
            if o != Outcome::UpToDate {
                outcome = o;
            }
            if matches!(outcome, Outcome::Conflicts(_)) {
                break;
            }
        }
        let head = vault.repo().head()?.peel_to_commit()?.id();
        let remote_has_it = tip.is_some_and(|t| {
            t == head || vault.repo().graph_descendant_of(t, head).unwrap_or(false)
        });
        if remote_has_it {
            break;
        }
        (options.progress)(Stage::Pushing {
            current: 0,
            total: 0,
        });
        let spec = format!("{branch}:{branch}");
        let result = with_transport(&mut options, Some(session), |t| {
            transport::push(vault.repo(), &url, &[&spec], t)
        });
        match result {
            Ok(()) => {
                // The remote has it: the tracking ref is only git's note of
                // that, which the next fetch makes again.
                let _ = vault
                    .repo()
                    .reference(&tracking, head, true, "dossier: pushed");
                pushed = true;
                break;
            }
            // Someone pushed first: fetch, verify and merge again.
            Err(Error::PushRejected { .. }) if attempt < PUSH_ATTEMPTS => continue,
            Err(e) => return Err(unfinished(&outcome, vault, e)),
        }
    }
    // Settings for stock git's convenience, rewritten by the next sync:
    // failing to write them (a full disk) takes nothing back.
    if let Err(e) = set_upstream(vault.repo(), &short, &remote.name, &branch)
        .and_then(|()| crate::vault::git_config::install_for(vault.repo(), Some(session)))
    {
        crate::repo::notices::push(crate::repo::notices::Notice::SyncSettings {
            cause: e.to_string(),
        });
    }
    drop(_ref_updates);
    drop(lock);
    vault.reload()?;
    Ok(SyncReport {
        remote,
        received,
        outcome,
        pushed,
    })
}

fn set_upstream(repo: &git2::Repository, short: &str, remote: &str, branch: &str) -> Result<()> {
    let mut config = repo.config()?;
    let key = format!("branch.{short}.remote");
    if config.get_string(&key).is_err() {
        config.set_str(&key, remote)?;
        config.set_str(&format!("branch.{short}.merge"), branch)?;
    }
    Ok(())
}

/// Makes a new vault in `dir` from a remote URL or a bundle file: every
/// commit is verified from the vault's first one, and the roots are pinned.
/// On any refusal the directory is removed again. With a `session`, its
/// signing key is offered to an SSH server after the usual keys.
pub fn clone(
    source: &str,
    dir: &Path,
    session: Option<&Session>,
    mut options: SyncOptions<'_>,
) -> Result<Vault> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(Error::io("read", dir))?
            .next()
            .is_some()
    {
        return Err(Error::VaultExists(dir.to_path_buf()));
    }
    let created = !dir.exists();
    let result = clone_into(source, dir, session, &mut options);
    if result.is_err() {
        crate::support::fsio::clear_failed_clone(dir, created);
    }
    result
}

fn clone_into(
    source: &str,
    dir: &Path,
    session: Option<&Session>,
    options: &mut SyncOptions<'_>,
) -> Result<Vault> {
    crate::support::fsio::create_dir(dir)?;
    let mut init = git2::RepositoryInitOptions::new();
    init.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &init)?;
    let branch = "refs/heads/main";
    // A file is a bundle (a damaged one is refused as such); anything else a URL.
    let from_bundle = Path::new(source).is_file();
    let tip = if from_bundle {
        let header = bundle::unpack(&repo, Path::new(source))?;
        bundle_tip(&header, branch)?
    } else {
        let url = RemoteUrl::parse(source)?;
        (options.progress)(Stage::Fetching);
        let tip = with_transport(options, session, |t| {
            fetch_into_quarantine(&repo, &url, branch, t)
        })?;
        drop_quarantine(&repo);
        repo.remote("origin", source)?;
        tip.ok_or_else(|| Error::NothingToClone {
            url: source.to_string(),
            branch: branch.to_string(),
        })?
    };
    (options.progress)(Stage::Verifying);
    incoming::verify(&repo, None, &[], tip)?;
    repo.reference(branch, tip, false, "dossier: clone")?;
    repo.reference(
        crate::trust::verified::WATERMARK,
        tip,
        true,
        "dossier: clone verified",
    )?;
    if !from_bundle {
        repo.reference("refs/remotes/origin/main", tip, true, "dossier: clone")?;
        set_upstream(&repo, "main", "origin", branch)?;
    }
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    crate::vault::git_config::install_for(&repo, session)?;
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Git("the new repository has no working tree".into()))?
        .to_path_buf();
    Vault::open(&root)
}

fn bundle_tip(header: &bundle::BundleHeader, branch: &str) -> Result<git2::Oid> {
    let heads: Vec<&(String, git2::Oid)> = header
        .refs
        .iter()
        .filter(|(name, _)| name.starts_with("refs/heads/"))
        .collect();
    heads
        .iter()
        .find(|(name, _)| name == branch)
        .or_else(|| heads.first())
        .map(|(_, id)| *id)
        .ok_or(Error::BundleWithoutBranch)
}

/// Writes the vault's branch to a bundle file for carrying by hand.
pub fn bundle_create(vault: &Vault, file: &Path) -> Result<bundle::BundleHeader> {
    let branch = store::head_branch(vault.repo())?;
    bundle::create(vault.repo(), file, &[&branch])
}

/// Verifies and merges a bundle's history, as a sync would (no network).
pub fn bundle_import(
    vault: &mut Vault,
    session: &Session,
    file: &Path,
    resolver: &Choices,
) -> Result<BundleImport> {
    session.unlock()?;
    let lock = vault.lock()?;
    let branch = store::head_branch(vault.repo())?;
    let header = bundle::unpack(vault.repo(), file)?;
    let tip = bundle_tip(&header, &branch)?;
    let (received, outcome) = integrate(vault, &lock, session, tip, None, resolver, &mut |_| {})?;
    drop(lock);
    vault.reload()?;
    Ok(BundleImport {
        file: file.to_path_buf(),
        received,
        outcome,
    })
}

#[cfg(test)]
mod report_tests {
    use super::*;

    fn report(received: usize, outcome: Outcome, pushed: bool) -> SyncReport {
        crate::samples::testkit::sync_report(received, outcome, pushed)
    }

    #[test]
    fn a_sync_report_says_what_arrived_how_it_was_taken_in_and_what_was_pushed() {
        let commit = git2::Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(
            report(0, Outcome::UpToDate, false).to_string(),
            "Nothing new to merge.\norigin already has everything."
        );
        assert_eq!(
            report(1, Outcome::FastForward, false).to_string(),
            "Received and verified 1 new commit from origin.\nBrought the vault up to date (fast-forward).\norigin already has everything."
        );
        let merged = Outcome::Merged {
            commit,
            cases: vec!["27T8E7KFWC".parse().unwrap()],
        };
        assert_eq!(
            report(3, merged, true).to_string(),
            "Received and verified 3 new commits from origin.\nMerged both histories in commit 0123456789; merged field by field: 27T8E7KFWC.\nPushed to origin."
        );
        assert_eq!(
            report(2, Outcome::Conflicts(Vec::new()), false).to_string(),
            "Received and verified 2 new commits from origin.\nBoth sides changed the same things differently:"
        );
        let import = BundleImport {
            file: PathBuf::from("/media/usb/vault.bundle"),
            received: 1,
            outcome: Outcome::Merged {
                commit,
                cases: Vec::new(),
            },
        };
        assert_eq!(
            import.to_string(),
            "Verified 1 new commit from /media/usb/vault.bundle.\nMerged both histories in commit 0123456789."
        );
    }
}
