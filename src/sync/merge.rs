//! Merging two verified histories of one vault (DESIGN §6): git merges the
//! trees; every case changed on both sides is merged by dossier, because
//! ciphertext cannot be merged as text.
//!
//! For such a case: the access lists are merged as sets (an addition or a
//! removal on either side stands), the records field by field
//! ([`crate::case::merge`]), notes and documents by file (names are
//! unique, so they never collide). Every file whose recipients on its side
//! differ from the merged recipients is re-encrypted to them, and a merged
//! access list that equals neither side's is signed by the merger, who
//! must be entitled to sign it. Anything that cannot be merged this way is
//! a [`Conflict`] shown to the user; nothing is resolved silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::case::blind::BlindIndex;
use crate::case::merge::{merge_access, Side};
use crate::case::{AccessList, CaseId};
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::repo::snapshot::{CommitTree, Files};
use crate::repo::store::{self, Change};
use crate::support::secret::Zeroizing;
use crate::trust::incoming::TrustState;
use crate::trust::policy::{self, Readers};
use crate::vault::ALLOWED_SIGNERS_PATH;

/// Something both sides changed differently, which the user must decide.
///
/// The values are decrypted content, for the person who asked for the
/// merge only: `Debug` shows where the conflict is, never the values.
#[derive(Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The case, when the conflict is inside one.
    pub case: Option<CaseId>,
    /// A record field (`client.contact.phone`, `deadlines[k3f9].date`) or,
    /// outside records, the file's path.
    pub field: String,
    /// Our value (one line), `None` when absent or deleted.
    pub ours: Option<String>,
    /// Their value (one line), `None` when absent or deleted.
    pub theirs: Option<String>,
}

impl std::fmt::Debug for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Conflict({}, [redacted])", self.key())
    }
}

impl Conflict {
    /// The name a resolution is given under: `CASE:field`, or the path.
    pub fn key(&self) -> String {
        match &self.case {
            Some(c) => format!("{c}:{}", self.field),
            None => self.field.clone(),
        }
    }
}

/// How the user settled conflicts they were shown: one side for all
/// (`sync --prefer`), or each by its [`Conflict::key`] (the TUI). The
/// default decides nothing, so every conflict is reported.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// The side for conflicts not chosen individually.
    pub all: Option<Side>,
    /// Individual choices by [`Conflict::key`].
    pub each: BTreeMap<String, Side>,
}
impl Choices {
    /// The side to take for the conflict named `key`, if decided.
    pub fn side(&self, key: &str) -> Option<Side> {
        self.each.get(key).copied().or(self.all)
    }
}

/// A merge worked out.
pub enum MergePlan {
    /// Ready to commit.
    Ready {
        /// Changes turning our tree into the merged tree.
        changes: Vec<Change>,
        /// Cases changed on both sides and merged by dossier.
        cases: Vec<CaseId>,
    },
    /// Undecided conflicts: nothing may be committed.
    Conflicts(Vec<Conflict>),
}

/// The three commits of a merge.
pub struct Sides {
    /// The merge base.
    pub base: git2::Oid,
    /// Our branch.
    pub ours: git2::Oid,
    /// The verified incoming tip.
    pub theirs: git2::Oid,
}

/// Works out the merge of `sides` for `session`, taking decided conflicts
/// from `resolver`.
pub fn plan(
    repo: &git2::Repository,
    session: &Session,
    sides: &Sides,
    resolver: &Choices,
) -> Result<MergePlan> {
    let base_tree = repo.find_commit(sides.base)?.tree()?;
    let ours_tree = repo.find_commit(sides.ours)?.tree()?;
    let theirs_tree = repo.find_commit(sides.theirs)?.tree()?;
    let mut index = repo.merge_trees(&base_tree, &ours_tree, &theirs_tree, None)?;

    let base = CommitTree::new(repo, sides.base)?;
    let ours = CommitTree::new(repo, sides.ours)?;
    let theirs = CommitTree::new(repo, sides.theirs)?;
    let both_changed = cases_changed_on_both_sides(&base, &ours, &theirs)?;

    // Conflicts git found outside those cases: whole signed files (groups,
    // keyring, settings). They are taken from one side or reported.
    let mut conflicts = Vec::new();
    let mut conflicted: Vec<(String, Option<git2::IndexEntry>, Option<git2::IndexEntry>)> =
        Vec::new();
    for c in index.conflicts()? {
        let c = c?;
        let entry = c.our.as_ref().or(c.their.as_ref()).or(c.ancestor.as_ref());
        let Some(path) = entry.and_then(|e| String::from_utf8(e.path.clone()).ok()) else {
            continue;
        };
        conflicted.push((path, c.our, c.their));
    }
    for (path, our, their) in conflicted {
        index.conflict_remove(Path::new(&path))?;
        if in_cases(&path, &both_changed) {
            continue; // merged below
        }
        if path == ALLOWED_SIGNERS_PATH {
            continue; // regenerated below from the merged keyring
        }
        let conflict = Conflict {
            case: None,
            field: path.clone(),
            ours: our.as_ref().map(|_| "changed".to_string()),
            theirs: their.as_ref().map(|_| "changed".to_string()),
        };
        let chosen = match resolver.side(&conflict.key()) {
            Some(Side::Ours) => our,
            Some(Side::Theirs) => their,
            None => {
                conflicts.push(conflict);
                continue;
            }
        };
        if let Some(mut entry) = chosen {
            entry.flags &= !0x3000; // stage 0
            index.add(&entry)?;
        }
    }
    if !conflicts.is_empty() {
        return Ok(MergePlan::Conflicts(conflicts));
    }

    // The merged trust state, with allowed_signers regenerated from it.
    let dossier_tree = repo.find_tree(index.write_tree_to(repo)?)?;
    let merged_state = TrustState::load(&CommitTree::from_tree(repo, dossier_tree))?;
    put(
        repo,
        &mut index,
        ALLOWED_SIGNERS_PATH,
        merged_state.keyring.allowed_signers().as_bytes(),
    )?;

    let ours_state = TrustState::load(&ours)?;
    let theirs_state = TrustState::load(&theirs)?;
    let context = CaseMerge {
        session,
        base: &base,
        ours: &ours,
        theirs: &theirs,
        ours_state: &ours_state,
        theirs_state: &theirs_state,
        merged_state: &merged_state,
        resolver,
    };
    let mut cases = Vec::new();
    for case in &both_changed {
        let files = context.merge(case, &mut conflicts)?;
        // Replace everything git did in this case's directory.
        let prefix = format!("{}/", crate::vault::layout::case_dir(case));
        let stale: Vec<String> = index
            .iter()
            .filter_map(|e| String::from_utf8(e.path).ok())
            .filter(|p| p.starts_with(&prefix))
            .collect();
        for p in stale {
            index.remove_path(Path::new(&p))?;
        }
        for (rel, bytes) in files {
            put(repo, &mut index, &rel, &bytes)?;
        }
        cases.push(case.clone());
    }
    if !conflicts.is_empty() {
        return Ok(MergePlan::Conflicts(conflicts));
    }
    let merged = repo.find_tree(index.write_tree_to(repo)?)?;
    let changes = store::tree_changes(repo, &ours_tree, &merged)?;
    Ok(MergePlan::Ready { changes, cases })
}

fn in_cases(path: &str, cases: &[CaseId]) -> bool {
    cases
        .iter()
        .any(|c| path.starts_with(&format!("{}/", crate::vault::layout::case_dir(c))))
}

fn put(repo: &git2::Repository, index: &mut git2::Index, rel: &str, bytes: &[u8]) -> Result<()> {
    let id = repo.blob(bytes)?;
    index.add(&store::index_entry(rel, id, bytes.len()))?;
    Ok(())
}

/// Case directories whose contents differ on both sides, and from each other.
fn cases_changed_on_both_sides<'r>(
    base: &CommitTree<'r>,
    ours: &CommitTree<'r>,
    theirs: &CommitTree<'r>,
) -> Result<Vec<CaseId>> {
    let mut ids = BTreeSet::new();
    for tree in [ours, theirs] {
        for name in tree.list_dirs(crate::vault::layout::CASES_DIR)? {
            if let Ok(id) = name.parse::<CaseId>() {
                ids.insert(id);
            }
        }
    }
    let mut both = Vec::new();
    for id in ids {
        let dir = crate::vault::layout::case_dir(&id);
        let (b, o, t) = (
            base.subtree_id(&dir)?,
            ours.subtree_id(&dir)?,
            theirs.subtree_id(&dir)?,
        );
        if o != b && t != b && o != t {
            both.push(id);
        }
    }
    Ok(both)
}

struct CaseMerge<'a, 'r> {
    session: &'a Session,
    base: &'a CommitTree<'r>,
    ours: &'a CommitTree<'r>,
    theirs: &'a CommitTree<'r>,
    ours_state: &'a TrustState,
    theirs_state: &'a TrustState,
    merged_state: &'a TrustState,
    resolver: &'a Choices,
}

/// One side's access list: the signed file as it is, and parsed.
struct SideList {
    bytes: Vec<u8>,
    sig: Option<Vec<u8>>,
    list: AccessList,
}

/// Recipients as comparable text.
fn recipient_set(list: &Readers) -> BTreeSet<String> {
    list.entries().iter().map(|(_, r)| r.to_string()).collect()
}

/// Merged files of one case, path → bytes.
type CaseFiles = Vec<(String, Vec<u8>)>;

impl CaseMerge<'_, '_> {
    /// The merged files of one case; conflicts are pushed onto `conflicts`.
    fn merge(&self, case: &CaseId, conflicts: &mut Vec<Conflict>) -> Result<CaseFiles> {
        let access = crate::vault::layout::access_path(case);
        let side = |tree: &CommitTree<'_>| -> Result<Option<SideList>> {
            let Some(bytes) = tree.read(&access)? else {
                return Ok(None);
            };
            let list = AccessList::parse(&bytes, case)?;
            let sig = tree.read(&format!("{access}.sig"))?;
            Ok(Some(SideList { bytes, sig, list }))
        };
        let base = side(self.base)?;
        let (Some(ours), Some(theirs)) = (side(self.ours)?, side(self.theirs)?) else {
            conflicts.push(Conflict {
                case: Some(case.clone()),
                field: "the case".into(),
                ours: Some("deleted or changed".into()),
                theirs: Some("deleted or changed".into()),
            });
            return Ok(Vec::new());
        };
        let merged = merge_access(base.as_ref().map(|b| &b.list), &ours.list, &theirs.list);
        let mut out = match self.access_files(case, &merged, &ours, &theirs)? {
            Ok(files) => files,
            Err(conflict) => {
                conflicts.push(conflict);
                return Ok(Vec::new());
            }
        };
        let recipients = match policy::resolve(
            &self.merged_state.keyring,
            &self.merged_state.groups,
            &merged,
        ) {
            Ok(r) => r,
            Err(e) => {
                conflicts.push(Conflict {
                    case: Some(case.clone()),
                    field: "access".into(),
                    ours: None,
                    theirs: Some(e.to_string()),
                });
                return Ok(Vec::new());
            }
        };
        // A side's files can be kept as they are only when that side
        // encrypted them to exactly the merged recipients.
        let wanted = recipient_set(&recipients);
        let current = |state: &TrustState, list: &AccessList| {
            policy::resolve(&state.keyring, &state.groups, list)
                .is_ok_and(|r| recipient_set(&r) == wanted)
        };
        let fresh = (
            current(self.ours_state, &ours.list),
            current(self.theirs_state, &theirs.list),
        );
        out.extend(self.encrypted_files(case, fresh, &recipients, conflicts)?);
        out.extend(self.blind_index(case)?);
        Ok(out)
    }

    /// The merged `blind.idx`: the side that changed it; when both did, the
    /// union of their tokens if they are under the same secret, else none
    /// (the case then shows as not indexed until someone re-indexes it).
    fn blind_index(&self, case: &CaseId) -> Result<CaseFiles> {
        let rel = crate::vault::layout::blind_index_path(case);
        let (b, o, t) = (
            self.base.blob_id(&rel)?,
            self.ours.blob_id(&rel)?,
            self.theirs.blob_id(&rel)?,
        );
        let side = if o == t || t == b {
            self.ours
        } else if o == b {
            self.theirs
        } else {
            let parse = |tree: &CommitTree<'_>| -> Result<Option<BlindIndex>> {
                Ok(tree
                    .read(&rel)?
                    .and_then(|bytes| BlindIndex::parse(&bytes).ok()))
            };
            return Ok(match (parse(self.ours)?, parse(self.theirs)?) {
                (Some(ours), Some(theirs)) => ours
                    .union(&theirs)
                    .map(|u| vec![(rel, u.render().into_bytes())])
                    .unwrap_or_default(),
                _ => Vec::new(),
            });
        };
        Ok(side
            .read(&rel)?
            .map(|bytes| vec![(rel, bytes)])
            .unwrap_or_default())
    }

    /// The merged access list's files: one side's signed file when it
    /// equals the merge, else the merge signed by the merger, who must be
    /// entitled to sign it.
    fn access_files(
        &self,
        case: &CaseId,
        merged: &AccessList,
        ours: &SideList,
        theirs: &SideList,
    ) -> Result<std::result::Result<CaseFiles, Conflict>> {
        let access = crate::vault::layout::access_path(case);
        let signed = |bytes: Vec<u8>, sig: Option<Vec<u8>>| {
            let mut files = vec![(access.clone(), bytes)];
            files.extend(sig.map(|sig| (format!("{access}.sig"), sig)));
            files
        };
        if let Some(side) = [ours, theirs]
            .into_iter()
            .find(|s| s.list.same_access(merged))
        {
            return Ok(Ok(signed(side.bytes.clone(), side.sig.clone())));
        }
        let me = self.session.fingerprint();
        if !ours.list.owners.contains(&me) && !self.ours_state.keyring.is_valid_admin(&me) {
            return Ok(Err(Conflict {
                case: Some(case.clone()),
                field: "access".into(),
                ours: Some("changed who can read the case".into()),
                theirs: Some("changed who can read the case".into()),
            }));
        }
        // The merge is committed on ours: it names ours as what it replaces.
        let mut merged = merged.clone();
        merged.dossier_access = merged
            .dossier_access
            .max(crate::vault::succession::FIRST_CHAINED_VERSION);
        merged.replaces = match self.ours.read(&access)? {
            Some(bytes) => Some(crate::vault::succession::blob_id(&bytes)?),
            None => None,
        };
        let text = merged.to_yaml()?;
        let sig = signature::sign(self.session.signer()?, DOCUMENT_NAMESPACE, text.as_bytes())?;
        Ok(Ok(signed(text.into_bytes(), Some(sig.into_bytes()))))
    }

    /// The record merged by field, notes and documents by file; each
    /// re-encrypted to `keys` unless its side is `fresh` (ours, theirs).
    fn encrypted_files(
        &self,
        case: &CaseId,
        fresh: (bool, bool),
        keys: &Readers,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<CaseFiles> {
        let dir = crate::vault::layout::case_dir(case);
        let record = crate::ops::cases::record_path(case);
        let mut names = BTreeSet::from([record.clone()]);
        for tree in [self.base, self.ours, self.theirs] {
            for sub in ["notes", "docs"] {
                for name in tree.list(&format!("{dir}/{sub}"))? {
                    names.insert(format!("{dir}/{sub}/{name}"));
                }
            }
        }
        let mut out = Vec::new();
        for rel in names {
            let (b, o, t) = (
                self.base.blob_id(&rel)?,
                self.ours.blob_id(&rel)?,
                self.theirs.blob_id(&rel)?,
            );
            let (tree, fresh) = if o == t || t == b {
                (self.ours, fresh.0)
            } else if o == b {
                (self.theirs, fresh.1)
            } else if rel == record {
                if let Some(plain) = self.merge_record(case, conflicts)? {
                    out.push((rel, crypto::encrypt(&plain, keys)?));
                }
                continue;
            } else {
                conflicts.push(Conflict {
                    case: Some(case.clone()),
                    field: rel.clone(),
                    ours: o.map(|_| "changed".into()),
                    theirs: t.map(|_| "changed".into()),
                });
                continue;
            };
            let Some(bytes) = tree.read(&rel)? else {
                continue; // deleted on the side that wins
            };
            if fresh {
                out.push((rel, bytes));
            } else {
                let Some(plain) = self.decrypt(case, &rel, &bytes, conflicts)? else {
                    return Ok(Vec::new());
                };
                out.push((rel, crypto::encrypt(&plain, keys)?));
            }
        }
        Ok(out)
    }

    fn decrypt(
        &self,
        case: &CaseId,
        rel: &str,
        bytes: &[u8],
        conflicts: &mut Vec<Conflict>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match crypto::decrypt(bytes, self.session.decryption_keys()?, Path::new(rel)) {
            Ok(p) => Ok(Some(p)),
            Err(Error::CannotDecrypt { .. }) => {
                conflicts.push(cannot_read(case));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Decrypts base, ours and theirs and merges by field.
    fn merge_record(
        &self,
        case: &CaseId,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let rel = crate::ops::cases::record_path(case);
        let base = self.base.read(&rel)?;
        let (Some(ours), Some(theirs)) = (self.ours.read(&rel)?, self.theirs.read(&rel)?) else {
            return Ok(None);
        };
        let prefix = format!("{case}:");
        let resolve = |field: &str| self.resolver.side(&format!("{prefix}{field}"));
        let merged = match crate::ops::cases::merge_record_files(
            self.session.decryption_keys()?,
            case,
            base.as_deref(),
            &ours,
            &theirs,
            &resolve,
        ) {
            Ok(m) => m,
            Err(Error::CannotDecrypt { .. }) => {
                conflicts.push(cannot_read(case));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if !merged.conflicts.is_empty() {
            conflicts.extend(merged.conflicts.into_iter().map(|c| Conflict {
                case: Some(case.clone()),
                field: c.field,
                ours: c.ours,
                theirs: c.theirs,
            }));
            return Ok(None);
        }
        let text = merged.merged.to_yaml()?;
        Ok(Some(Zeroizing::new(text.as_bytes().to_vec())))
    }
}

/// The conflict for a case changed on both sides that the merger cannot read.
fn cannot_read(case: &CaseId) -> Conflict {
    Conflict {
        case: Some(case.clone()),
        field: "the case".into(),
        ours: Some("changed".into()),
        theirs: Some("changed; you cannot read it, so one of its readers must sync".into()),
    }
}
