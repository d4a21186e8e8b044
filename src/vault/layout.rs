//! The vault layout (DESIGN §2): every path a vault may hold, what kind of
//! file it is, and whether a tree entry may stand there.
//!
//! A vault holds only regular files (git mode `100644`) at these paths,
//! with UTF-8 names:
//! - `.dossier/vault.yaml` (+ `.sig`), `.dossier/groups.yaml` (+ `.sig`),
//!   `.dossier/allowed_signers`;
//! - `.dossier/keyring/<fp-id>.yaml` (card), `.yaml.sig` (certification),
//!   `.revoked.yaml` (+ `.sig`), `.binding.yaml` (+ `.sig`);
//! - `.dossier/conflicts.age`, the firm's conflict secret;
//! - `cases/.keep`;
//! - `cases/<case-id>/case.yaml.age`, `access.yaml` (+ `.sig`),
//!   `blind.idx`, `notes/<name>.md.age`, `docs/<name>.age`, where a name is
//!   made of ASCII letters, digits, `-` and `_`.
//!
//! Anything else — a symbolic link, a gitlink (submodule), an executable,
//! a name that is not UTF-8, a path outside this list — is refused by
//! [`check_entry`] before history that contains it is trusted, merged or
//! checked out. Incoming verification ([`crate::trust::incoming`]) applies it to
//! every entry a commit adds or changes, and to the whole first tree.

use std::fmt;

use crate::case::CaseId;
use crate::keys::fingerprint::Fingerprint;

/// `vault.yaml`, relative to the vault root.
pub const CONFIG_PATH: &str = ".dossier/vault.yaml";
/// The generated allowed-signers file.
pub const ALLOWED_SIGNERS_PATH: &str = ".dossier/allowed_signers";
/// `groups.yaml`.
pub const GROUPS_PATH: &str = ".dossier/groups.yaml";
/// The keyring directory.
pub const KEYRING_DIR: &str = ".dossier/keyring";
/// The directory of the cases.
pub const CASES_DIR: &str = "cases";
/// The name of a case's access list in its directory.
pub const ACCESS_FILE: &str = "access.yaml";
/// The firm's conflict secret, encrypted to every active staff key.
pub const CONFLICT_SECRET_PATH: &str = ".dossier/conflicts.age";
/// The name of a case's conflict-check tokens in its directory.
pub const BLIND_INDEX_FILE: &str = "blind.idx";
/// The directory of the destruction log: one record per destroyed case.
pub const DESTROYED_DIR: &str = ".dossier/destroyed";

/// The git file mode of the only kind of entry a vault holds: a regular,
/// non-executable file.
pub const REGULAR_FILE: i32 = 0o100644;

/// A path of the vault layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultPath {
    /// `.dossier/vault.yaml` or (`sig`) its signature.
    Config {
        /// The `.sig` beside it.
        sig: bool,
    },
    /// `.dossier/groups.yaml` or (`sig`) its signature.
    Groups {
        /// The `.sig` beside it.
        sig: bool,
    },
    /// `.dossier/allowed_signers`, generated from the keyring.
    AllowedSigners,
    /// `.dossier/conflicts.age`, the firm's conflict secret.
    ConflictSecret,
    /// `.dossier/destroyed/<case-id>.yaml`: that a case was destroyed.
    Destruction {
        /// The destroyed case.
        case: CaseId,
    },
    /// A file of `.dossier/keyring/` about one key.
    Keyring {
        /// What the file is.
        kind: KeyringFile,
        /// The `.sig` of a revocation or binding (a card's `.sig` is its
        /// certification, a kind of its own).
        sig: bool,
        /// The key it is about.
        key: Fingerprint,
    },
    /// `cases/.keep`, which keeps the empty `cases/` directory in git.
    CasesKeep,
    /// A file of one case.
    Case {
        /// The case.
        case: CaseId,
        /// Which of its files.
        file: CaseFile,
    },
}

/// A file of a case directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseFile {
    /// `case.yaml.age`: the encrypted record.
    Record,
    /// `access.yaml` or (`sig`) its signature.
    Access {
        /// The `.sig` beside it.
        sig: bool,
    },
    /// `blind.idx`: the conflict-check tokens.
    BlindIndex,
    /// `notes/<name>.md.age`.
    Note(String),
    /// `docs/<name>.age`.
    Document(String),
}

impl CaseFile {
    /// Whether the file is the access list or its signature (changed by
    /// owners and administrators; every other file of a case by its readers).
    pub fn is_access(&self) -> bool {
        matches!(self, CaseFile::Access { .. })
    }
}

impl VaultPath {
    /// The layout's reading of `path` (relative to the vault root, `/`
    /// separated); `None` when the layout has no such path.
    pub fn parse(path: &str) -> Option<VaultPath> {
        if let Some(sig) = pair(path, CONFIG_PATH) {
            return Some(VaultPath::Config { sig });
        }
        if let Some(sig) = pair(path, GROUPS_PATH) {
            return Some(VaultPath::Groups { sig });
        }
        if path == ALLOWED_SIGNERS_PATH {
            return Some(VaultPath::AllowedSigners);
        }
        if path == CONFLICT_SECRET_PATH {
            return Some(VaultPath::ConflictSecret);
        }
        if let Some(name) = path
            .strip_prefix(DESTROYED_DIR)
            .and_then(|r| r.strip_prefix('/'))
        {
            let case: CaseId = name.strip_suffix(".yaml")?.parse().ok()?;
            // Exactly the name dossier writes for that case.
            return (name == format!("{case}.yaml")).then_some(VaultPath::Destruction { case });
        }
        if path == "cases/.keep" {
            return Some(VaultPath::CasesKeep);
        }
        if let Some(name) = path
            .strip_prefix(KEYRING_DIR)
            .and_then(|r| r.strip_prefix('/'))
        {
            let (kind, sig, id) = KeyringFile::classify(name)?;
            let key = Fingerprint::from_file_id(id)?;
            // The name must be exactly the one dossier writes for that key.
            return (id == key.file_id()).then_some(VaultPath::Keyring { kind, sig, key });
        }
        let (dir, file) = path.strip_prefix("cases/")?.split_once('/')?;
        let case: CaseId = dir.parse().ok()?;
        let file = match file {
            "case.yaml.age" => CaseFile::Record,
            "access.yaml" => CaseFile::Access { sig: false },
            "access.yaml.sig" => CaseFile::Access { sig: true },
            BLIND_INDEX_FILE => CaseFile::BlindIndex,
            other => {
                if let Some(name) = other.strip_prefix("notes/") {
                    CaseFile::Note(safe_name(name, ".md.age")?.to_string())
                } else {
                    let name = other.strip_prefix("docs/")?;
                    CaseFile::Document(safe_name(name, ".age")?.to_string())
                }
            }
        };
        Some(VaultPath::Case { case, file })
    }

    /// A file of case `case`.
    pub fn case(case: &CaseId, file: CaseFile) -> VaultPath {
        VaultPath::Case {
            case: case.clone(),
            file,
        }
    }

    /// A file of the keyring about `key` (`sig`: the `.sig` of a
    /// revocation or binding).
    pub fn keyring(kind: KeyringFile, sig: bool, key: Fingerprint) -> VaultPath {
        VaultPath::Keyring { kind, sig, key }
    }

    /// Whether the file is a signed document that names the version it
    /// replaces ([`crate::vault::succession`]), rather than a signature.
    pub fn is_chained_document(&self) -> bool {
        match self {
            VaultPath::Config { sig } | VaultPath::Groups { sig } => !sig,
            VaultPath::Case {
                file: CaseFile::Access { sig },
                ..
            } => !sig,
            VaultPath::Keyring {
                kind: KeyringFile::Binding,
                sig,
                ..
            } => !sig,
            _ => false,
        }
    }

    /// The case the path belongs to, if any.
    pub fn case_id(&self) -> Option<&CaseId> {
        match self {
            VaultPath::Case { case, .. } | VaultPath::Destruction { case } => Some(case),
            _ => None,
        }
    }
}

/// The path, relative to the vault root, `/`-separated: the one spelling of
/// every path of the layout.
impl fmt::Display for VaultPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sig = |s: bool| if s { ".sig" } else { "" };
        match self {
            VaultPath::Config { sig: s } => write!(f, "{CONFIG_PATH}{}", sig(*s)),
            VaultPath::Groups { sig: s } => write!(f, "{GROUPS_PATH}{}", sig(*s)),
            VaultPath::AllowedSigners => f.write_str(ALLOWED_SIGNERS_PATH),
            VaultPath::ConflictSecret => f.write_str(CONFLICT_SECRET_PATH),
            VaultPath::Destruction { case } => write!(f, "{DESTROYED_DIR}/{case}.yaml"),
            VaultPath::CasesKeep => write!(f, "{CASES_DIR}/.keep"),
            VaultPath::Keyring { kind, sig: s, key } => {
                let id = key.file_id();
                match kind {
                    KeyringFile::Card => write!(f, "{KEYRING_DIR}/{id}.yaml"),
                    KeyringFile::Certification => write!(f, "{KEYRING_DIR}/{id}.yaml.sig"),
                    KeyringFile::Revocation => {
                        write!(f, "{KEYRING_DIR}/{id}.revoked.yaml{}", sig(*s))
                    }
                    KeyringFile::Binding => write!(f, "{KEYRING_DIR}/{id}.binding.yaml{}", sig(*s)),
                }
            }
            VaultPath::Case { case, file } => {
                write!(f, "{}/", case_dir(case))?;
                match file {
                    CaseFile::Record => f.write_str("case.yaml.age"),
                    CaseFile::Access { sig: s } => write!(f, "{ACCESS_FILE}{}", sig(*s)),
                    CaseFile::BlindIndex => f.write_str(BLIND_INDEX_FILE),
                    CaseFile::Note(name) => write!(f, "notes/{name}"),
                    CaseFile::Document(name) => write!(f, "docs/{name}"),
                }
            }
        }
    }
}

/// `cases/<id>`: a case's directory.
pub fn case_dir(case: &CaseId) -> String {
    format!("{CASES_DIR}/{case}")
}

/// `cases/<id>/notes`: the directory of a case's notes.
pub fn notes_dir(case: &CaseId) -> String {
    format!("{CASES_DIR}/{case}/notes")
}

/// `.dossier/destroyed/<id>.yaml`: the record that case `id` was destroyed.
pub fn destruction_path(id: &CaseId) -> String {
    VaultPath::Destruction { case: id.clone() }.to_string()
}

/// `cases/<id>/blind.idx`: a case's conflict-check tokens.
pub fn blind_index_path(id: &CaseId) -> String {
    VaultPath::case(id, CaseFile::BlindIndex).to_string()
}

/// `cases/<id>/access.yaml`: a case's access list.
pub fn access_path(id: &CaseId) -> String {
    VaultPath::case(id, CaseFile::Access { sig: false }).to_string()
}

/// `Some(false)` for `path == doc`, `Some(true)` for its `.sig`.
fn pair(path: &str, doc: &str) -> Option<bool> {
    match path.strip_prefix(doc) {
        Some("") => Some(false),
        Some(".sig") => Some(true),
        _ => None,
    }
}

/// `name` when it is `<stem><suffix>` with a stem of ASCII letters, digits,
/// `-` and `_` (the names dossier writes for notes and documents).
fn safe_name<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let stem = name.strip_suffix(suffix)?;
    let ok = !stem.is_empty()
        && stem.len() <= 64
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(name)
}

/// Checks one tree entry a commit brings: `path` (raw bytes, as git stores
/// them) and its git file mode. Returns the layout's reading of the path,
/// or why the entry may not be in a vault, as a sentence completing
/// "commit X …".
pub fn check_entry(path: &[u8], mode: i32) -> Result<VaultPath, String> {
    let Ok(text) = std::str::from_utf8(path) else {
        return Err(format!(
            "adds a file whose name is not UTF-8 text ({}), which no dossier vault holds",
            String::from_utf8_lossy(path)
        ));
    };
    let kind = match mode {
        REGULAR_FILE => None,
        0o120000 => Some("a symbolic link"),
        0o160000 => Some("a gitlink (a submodule)"),
        0o100755 => Some("an executable file"),
        0o040000 => Some("a directory"),
        _ => Some("an entry of an unknown kind"),
    };
    if let Some(kind) = kind {
        return Err(format!(
            "puts {kind} at {text}; a dossier vault holds only regular files"
        ));
    }
    VaultPath::parse(text)
        .ok_or_else(|| format!("writes {text}, which is not part of a dossier vault"))
}

/// Checks every entry of `tree` (recursively) with [`check_entry`]; the
/// first refusal.
pub fn check_tree(tree: &git2::Tree) -> Result<(), String> {
    let mut problem = None;
    let walked = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Tree) {
            return git2::TreeWalkResult::Ok;
        }
        let mut path = dir.as_bytes().to_vec();
        path.extend_from_slice(entry.name_bytes());
        match check_entry(&path, entry.filemode()) {
            Ok(_) => git2::TreeWalkResult::Ok,
            Err(why) => {
                problem = Some(why);
                git2::TreeWalkResult::Abort
            }
        }
    });
    if let Some(why) = problem {
        return Err(why);
    }
    walked.map_err(|e| e.to_string())
}

/// What a file in the keyring directory is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringFile {
    /// `<fp-id>.yaml`: a key card.
    Card,
    /// `<fp-id>.yaml.sig`: an administrator's certification of the card.
    Certification,
    /// `<fp-id>.revoked.yaml` or its `.sig`: a revocation.
    Revocation,
    /// `<fp-id>.binding.yaml` or its `.sig`: the owner's current encryption key and expiry.
    Binding,
}

impl KeyringFile {
    /// Classifies a file name of the keyring directory: its kind, whether it
    /// is a `.sig` of a revocation or binding, and the file id it names
    /// (not yet checked to be a fingerprint). `None`: not a keyring file.
    pub fn classify(name: &str) -> Option<(KeyringFile, bool, &str)> {
        let (stem, sig) = match name.strip_suffix(".sig") {
            Some(stem) => (stem, true),
            None => (name, false),
        };
        if let Some(id) = stem.strip_suffix(".revoked.yaml") {
            Some((KeyringFile::Revocation, sig, id))
        } else if let Some(id) = stem.strip_suffix(".binding.yaml") {
            Some((KeyringFile::Binding, sig, id))
        } else if let Some(id) = stem.strip_suffix(".yaml") {
            let kind = if sig {
                KeyringFile::Certification
            } else {
                KeyringFile::Card
            };
            Some((kind, false, id))
        } else {
            None
        }
    }
}

/// Relative path of a card.
pub fn card_path(fp: &Fingerprint) -> String {
    VaultPath::keyring(KeyringFile::Card, false, *fp).to_string()
}
/// Relative path of a card's certification.
pub fn certification_path(fp: &Fingerprint) -> String {
    VaultPath::keyring(KeyringFile::Certification, false, *fp).to_string()
}
/// Relative path of a revocation.
pub fn revocation_path(fp: &Fingerprint) -> String {
    VaultPath::keyring(KeyringFile::Revocation, false, *fp).to_string()
}

/// Relative path of a key's binding.
pub fn binding_path(fp: &Fingerprint) -> String {
    VaultPath::keyring(KeyringFile::Binding, false, *fp).to_string()
}

/// Who may change a file of the layout: the rule history verification
/// (`trust::incoming`) applies to every commit that touches the file. The
/// one table of these rules is [`AUTHORITIES`], which the file-format
/// document prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    /// A root of the vault as the `vault.yaml` being replaced names them.
    Roots,
    /// An administrator destroying the case, once.
    Destroyers,
    /// A valid administrator.
    Administrators,
    /// Generated: it must match the keyring of the same commit.
    FollowsKeyring,
    /// Anyone may add a key card (it grants nothing until certified); only
    /// an administrator removes one.
    CardHolders,
    /// An administrator certifies; an administrator, the key itself, or a
    /// new card of that key removes a certification.
    Certifiers,
    /// The key itself or an administrator; never removed.
    KeyOrAdministrators,
    /// The key itself, and only forward.
    KeyItself,
    /// An owner of the case as its list stood before, or an administrator.
    OwnersOrAdministrators,
    /// Whoever could read the case as its list stood before.
    Readers,
    /// Nobody is asked (an empty marker file).
    Anyone,
}

impl Authority {
    /// The rule in one phrase, as the file-format document prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Authority::Roots => "a root of the vault, as the `vault.yaml` it replaces names them; the new file is signed by a root too",
            Authority::Administrators => "a valid administrator",
            Authority::FollowsKeyring => "whoever changes the keyring; it must match the keyring exactly",
            Authority::CardHolders => "anyone may add one (it grants nothing until certified); only an administrator removes one",
            Authority::Certifiers => "an administrator certifies; an administrator, the key itself, or a new card of that key removes a certification",
            Authority::KeyOrAdministrators => "the key itself or an administrator; never removed",
            Authority::KeyItself => "the key itself, only forward (a later binding, never an earlier key)",
            Authority::OwnersOrAdministrators => "an owner of the case as its list stood before, or an administrator (a new case: an owner it names)",
            Authority::Readers => "whoever could read the case as its list stood before (a new case: a reader it names)",
            Authority::Anyone => "anyone (it is empty)",
            Authority::Destroyers => "a valid administrator, once, in the commit that removes every file of that case; never changed or removed",
        }
    }
}

/// Every kind of path of the layout with who may change it: the one table
/// of these rules. Signatures (`.sig`) follow their document.
pub const AUTHORITIES: &[(&str, Authority)] = &[
    (".dossier/vault.yaml", Authority::Roots),
    (".dossier/groups.yaml", Authority::Administrators),
    (".dossier/allowed_signers", Authority::FollowsKeyring),
    (".dossier/conflicts.age", Authority::Administrators),
    (".dossier/destroyed/<CASE-ID>.yaml", Authority::Destroyers),
    (".dossier/keyring/<fp-id>.yaml", Authority::CardHolders),
    (".dossier/keyring/<fp-id>.yaml.sig", Authority::Certifiers),
    (
        ".dossier/keyring/<fp-id>.revoked.yaml",
        Authority::KeyOrAdministrators,
    ),
    (
        ".dossier/keyring/<fp-id>.binding.yaml",
        Authority::KeyItself,
    ),
    ("cases/.keep", Authority::Anyone),
    (
        "cases/<CASE-ID>/access.yaml",
        Authority::OwnersOrAdministrators,
    ),
    ("cases/<CASE-ID>/case.yaml.age", Authority::Readers),
    ("cases/<CASE-ID>/blind.idx", Authority::Readers),
    ("cases/<CASE-ID>/notes/<name>.md.age", Authority::Readers),
    ("cases/<CASE-ID>/docs/<name>.age", Authority::Readers),
];

impl VaultPath {
    /// Who may change this file (see [`AUTHORITIES`]).
    pub fn authority(&self) -> Authority {
        match self {
            VaultPath::Config { .. } => Authority::Roots,
            VaultPath::Groups { .. } => Authority::Administrators,
            VaultPath::AllowedSigners => Authority::FollowsKeyring,
            VaultPath::ConflictSecret => Authority::Administrators,
            VaultPath::Destruction { .. } => Authority::Destroyers,
            VaultPath::Keyring { kind, .. } => match kind {
                KeyringFile::Card => Authority::CardHolders,
                KeyringFile::Certification => Authority::Certifiers,
                KeyringFile::Revocation => Authority::KeyOrAdministrators,
                KeyringFile::Binding => Authority::KeyItself,
            },
            VaultPath::CasesKeep => Authority::Anyone,
            VaultPath::Case { file, .. } => match file {
                CaseFile::Access { .. } => Authority::OwnersOrAdministrators,
                CaseFile::Record
                | CaseFile::BlindIndex
                | CaseFile::Note(_)
                | CaseFile::Document(_) => Authority::Readers,
            },
        }
    }
}

/// The table of [`AUTHORITIES`] as the file-format document prints it.
pub fn authority_table() -> String {
    let mut out = String::from("| Path | Who may change it |\n|---|---|\n");
    for (path, authority) in AUTHORITIES {
        out.push_str(&format!("| `{path}` | {} |\n", authority.describe()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = "0123456789";

    #[test]
    fn every_path_dossier_writes_is_in_the_layout() {
        for path in [
            ".dossier/vault.yaml",
            ".dossier/vault.yaml.sig",
            ".dossier/groups.yaml",
            ".dossier/groups.yaml.sig",
            ".dossier/allowed_signers",
            "cases/.keep",
            "cases/0123456789/case.yaml.age",
            "cases/0123456789/access.yaml",
            "cases/0123456789/access.yaml.sig",
            "cases/0123456789/notes/20261201T090000Z-ab12cd34.md.age",
            "cases/0123456789/docs/ab12cd34.age",
        ] {
            assert!(VaultPath::parse(path).is_some(), "{path}");
            assert!(check_entry(path.as_bytes(), REGULAR_FILE).is_ok(), "{path}");
        }
    }

    #[test]
    fn every_path_reads_back_as_itself() {
        for path in [
            ".dossier/vault.yaml.sig",
            ".dossier/groups.yaml",
            ".dossier/allowed_signers",
            "cases/.keep",
            "cases/0123456789/access.yaml.sig",
            "cases/0123456789/notes/20261201T090000Z-ab12cd34.md.age",
            "cases/0123456789/docs/ab12cd34.age",
        ] {
            let parsed = VaultPath::parse(path).unwrap();
            assert_eq!(parsed.to_string(), path);
        }
        let key = Fingerprint::from_file_id("2lsa2xc7xlgCExu_9ErdH9t-p3KzwRyJD04YzcwlGL0").unwrap();
        for (kind, sig) in [
            (KeyringFile::Card, false),
            (KeyringFile::Certification, false),
            (KeyringFile::Revocation, false),
            (KeyringFile::Revocation, true),
            (KeyringFile::Binding, true),
        ] {
            let path = VaultPath::keyring(kind, sig, key).to_string();
            assert_eq!(
                VaultPath::parse(&path),
                Some(VaultPath::keyring(kind, sig, key))
            );
        }
    }

    #[test]
    fn paths_outside_the_layout_are_refused() {
        for path in [
            "README.md",
            ".gitattributes",
            ".dossier/other.yaml",
            ".dossier/keyring/notafingerprint.yaml",
            "cases/lowercase1/case.yaml.age",
            "cases/0123456789/extra.txt",
            "cases/0123456789/notes/../../x.md.age",
            "cases/0123456789/notes/a b.md.age",
            "cases/0123456789/notes/sub/x.md.age",
            "cases/0123456789/docs/.age",
            "cases/0123456789",
        ] {
            assert!(VaultPath::parse(path).is_none(), "{path}");
            let why = check_entry(path.as_bytes(), REGULAR_FILE).unwrap_err();
            assert!(why.contains("not part of a dossier vault"), "{why}");
        }
    }

    #[test]
    fn only_regular_files_with_utf8_names_are_accepted() {
        let record = format!("cases/{CASE}/case.yaml.age");
        for (mode, kind) in [
            (0o120000, "symbolic link"),
            (0o160000, "gitlink"),
            (0o100755, "executable"),
        ] {
            let why = check_entry(record.as_bytes(), mode).unwrap_err();
            assert!(why.contains(kind), "{why}");
        }
        let why = check_entry(b"cases/0123456789/notes/\xff.md.age", REGULAR_FILE).unwrap_err();
        assert!(why.contains("not UTF-8"), "{why}");
    }

    #[test]
    fn every_row_of_the_authority_table_is_the_rule_of_its_paths() {
        let fp = "X5SZBLq4EK1KpPidSFcCs6nqnaJwLvysrN__e9yYhbw";
        assert!(crate::keys::fingerprint::Fingerprint::from_file_id(fp).is_some());
        for (pattern, authority) in AUTHORITIES {
            let path = pattern
                .replace("<fp-id>", fp)
                .replace("<CASE-ID>", "7K2M9QX4AB")
                .replace("<name>", "20260101T000000Z-abc");
            let parsed =
                VaultPath::parse(&path).unwrap_or_else(|| panic!("{path} is no layout path"));
            assert_eq!(parsed.authority(), *authority, "{path}");
            // A signature follows its document; a card's is its certification.
            if let Some(sig) = VaultPath::parse(&format!("{path}.sig")) {
                if *authority != Authority::CardHolders {
                    assert_eq!(sig.authority(), *authority, "{path}.sig");
                }
            }
        }
    }

    #[test]
    fn the_file_format_document_prints_the_authority_table_exactly() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/file-format.md"),
        )
        .unwrap();
        assert!(
            doc.contains(&authority_table()),
            "docs/file-format.md must contain, as it is:\n{}",
            authority_table()
        );
    }
}
