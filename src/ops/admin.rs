//! Vault administration: creating a vault, importing and certifying key
//! cards, and groups. Each is one signed commit; the generated
//! `allowed_signers` file is rewritten in the same commit whenever the set
//! of certified keys changes, so stock git always agrees with the keyring.

use std::path::Path;

use crate::case::{AccessEntry, CaseId};
use crate::error::{Error, Result, Unchanged};
use crate::keys::card::KeyCard;
use crate::keys::fingerprint::Fingerprint;
use crate::keys::identity::Session;
use crate::keys::signature::{self, DOCUMENT_NAMESPACE};
use crate::ops::rekey::{self, Outcome, Plan, Progress};
use crate::repo::store::{Change, CommitMessage};
use crate::support::fsio;
use crate::support::yaml;
use crate::vault::groups::Groups;
use crate::vault::groups::{GroupsDoc, GROUPS_PATH};
use crate::vault::keyring::Validity;
use crate::vault::keyring::{Keyring, Role};
use crate::vault::layout::{self, VaultPath};
use crate::vault::{Vault, VaultConfig, ALLOWED_SIGNERS_PATH, CONFIG_PATH};

/// Creates a vault in `dir` (new or empty) with the session's key as root,
/// and installs the git merge driver and textconv for it
/// ([`crate::vault::git_config::install`], skipped without error when the
/// running program's path cannot be determined).
pub fn init(dir: &Path, name: &str, session: &Session) -> Result<Vault> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(Error::InvalidValue {
            field: "name".into(),
            reason: "give the vault a one-line name".into(),
        });
    }
    if dir.exists() {
        let mut listing = std::fs::read_dir(dir).map_err(Error::io("read", dir))?;
        if listing.next().is_some() {
            return Err(Error::VaultExists(dir.to_path_buf()));
        }
    }
    let me = session.fingerprint();
    let card = session.identity().card().clone();
    let card_text = card.to_yaml()?;
    let key = session.signer()?;
    let config = VaultConfig::new(name, me);
    let config_text = yaml::render(&config)?;

    let mut ring = Keyring::default();
    ring.insert_certified(card.clone(), me, Role::Root)?;

    let changes = vec![
        Change::write(CONFIG_PATH, config_text.clone()),
        Change::write(
            format!("{CONFIG_PATH}.sig"),
            signature::sign(key, DOCUMENT_NAMESPACE, config_text.as_bytes())?,
        ),
        Change::write(layout::card_path(&me), card_text.clone()),
        Change::write(
            layout::certification_path(&me),
            signature::sign(key, DOCUMENT_NAMESPACE, card_text.as_bytes())?,
        ),
        Change::write(ALLOWED_SIGNERS_PATH, ring.allowed_signers()),
        Change::write(VaultPath::CasesKeep.to_string(), ""),
        // The conflict index starts with the vault (DESIGN §8).
        crate::ops::blind_index::seal(&crate::case::blind::FirmSecret::generate(), &ring)?,
    ];

    fsio::create_dir(dir)?;
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &opts)?;
    let root = repo
        .workdir()
        .ok_or_else(|| Error::Git("the new repository has no working tree".into()))?
        .to_path_buf();
    let lock = crate::repo::lock::WriteLock::take(&repo)?;
    crate::repo::store::Writer::new(&lock, &repo, &root)?.commit(
        session,
        &CommitMessage::for_vault("init", me),
        &changes,
    )?;
    // Stock `git merge` / `git log -p` on the new vault use this binary, and
    // stock commits are signed with the creator's key.
    crate::vault::git_config::install_for(&repo, Some(session))?;
    Vault::open(&root)
}

/// `groups.yaml` and its signature by `key` as changes: `doc` in the
/// current format, naming the committed version it replaces
/// ([`crate::vault::succession`]).
pub(crate) fn signed_groups(
    vault: &Vault,
    key: &dyn crate::keys::signature::Signer,
    doc: &mut GroupsDoc,
) -> Result<Vec<Change>> {
    crate::vault::succession::chain(
        vault,
        GROUPS_PATH,
        &mut doc.dossier_groups,
        &mut doc.replaces,
    )?;
    let text = yaml::render(&*doc)?;
    let sig = signature::sign(key, DOCUMENT_NAMESPACE, text.as_bytes())?;
    Ok(vec![
        Change::write(GROUPS_PATH, text),
        Change::write(format!("{GROUPS_PATH}.sig"), sig),
    ])
}

/// Other keys in the keyring whose card has the same name (ignoring case)
/// or the same email as the card of `fp`: a second card for a person (a
/// new laptop), or someone posing as them. Each with what it shares.
pub fn namesakes(vault: &Vault, fp: &Fingerprint) -> Vec<(Fingerprint, &'static str)> {
    let ring = vault.keyring();
    let Some(card) = ring.get(fp).map(|e| &e.card) else {
        return Vec::new();
    };
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    ring.entries()
        .filter(|e| e.fingerprint != *fp)
        .filter_map(|e| {
            let name = same(&e.card.name, &card.name);
            let email = same(&e.card.email, &card.email);
            match (name, email) {
                (true, true) => Some((e.fingerprint, "name and email")),
                (true, false) => Some((e.fingerprint, "name")),
                (false, true) => Some((e.fingerprint, "email")),
                _ => None,
            }
        })
        .collect()
}

/// Adds a public card to the keyring, uncertified.
pub fn import_card(vault: &Vault, session: &Session, bytes: &[u8]) -> Result<Fingerprint> {
    let card = KeyCard::parse(bytes, "the imported key card")?;
    let fp = card.fingerprint()?;
    let lock = vault.lock()?;
    if let Some(existing) = vault.keyring().get(&fp) {
        if existing.card == card {
            return Err(Unchanged::InKeyring {
                key: fp.to_string(),
            }
            .into());
        }
        if existing.card.created > card.created {
            return Err(Error::OlderCard {
                key: fp.to_string(),
            });
        }
    }
    let mut changes = vec![
        Change::write(layout::card_path(&fp), card.to_yaml()?),
        // A replaced card needs certifying again.
        Change::delete(layout::certification_path(&fp)),
    ];
    if vault
        .keyring()
        .get(&fp)
        .is_some_and(|e| e.certified_by.is_some())
    {
        let mut ring = vault.keyring().clone();
        ring.uncertify(&fp);
        changes.push(Change::write(ALLOWED_SIGNERS_PATH, ring.allowed_signers()));
    }
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_key("import-key", fp, session.fingerprint()),
        &changes,
    )?;
    Ok(fp)
}

/// An administrator certifies a card in the keyring.
pub fn certify(vault: &Vault, session: &Session, fp: &Fingerprint) -> Result<()> {
    let me = session.fingerprint();
    require_admin(vault, &me, "certify keys")?;
    let lock = vault.lock()?;
    let entry = vault
        .keyring()
        .get(fp)
        .ok_or_else(|| Error::UnknownKey(fp.to_string()))?;
    if entry.certified_by.is_some() {
        return Err(Unchanged::Certified {
            key: fp.to_string(),
        }
        .into());
    }
    if entry.revocation.is_some() {
        return Err(Error::CertifyRevoked {
            key: fp.to_string(),
        });
    }
    let card_bytes = vault.read(&layout::card_path(fp))?;
    let sig = signature::sign(session.signer()?, DOCUMENT_NAMESPACE, &card_bytes)?;
    let mut ring = vault.keyring().clone();
    ring.insert_certified(entry.card.clone(), me, entry.role)?;
    let mut changes = vec![
        Change::write(layout::certification_path(fp), sig),
        Change::write(ALLOWED_SIGNERS_PATH, ring.allowed_signers()),
    ];
    // The new member of staff gets the conflict secret in the same commit.
    changes.extend(crate::ops::conflicts::reseal_change(vault, session, &ring)?);
    vault.commit(
        &lock,
        session,
        &CommitMessage::for_key("certify", *fp, me),
        &changes,
    )?;
    Ok(())
}

/// What setting a group's members did.
#[derive(Debug, Clone)]
pub struct GroupChange {
    /// The group's name (without the `@`).
    pub group: String,
    /// How many members it has now (0: it was removed).
    pub members: usize,
    /// The re-encryption of the cases granted to it.
    pub outcome: Outcome,
}

/// The headline, as `dossier group set` prints it; what was left undone is
/// [`Outcome::details`].
impl std::fmt::Display for GroupChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Group @{} now has {} member(s); {} case(s) granted to it re-encrypted",
            self.group,
            self.members,
            self.outcome.reencrypted.len()
        )
    }
}

/// What re-encrypting cases to their current recipients did.
#[derive(Debug, Clone)]
pub struct Rekeyed {
    /// The re-encryption.
    pub outcome: Outcome,
}

/// The headline, as `dossier rekey` prints it; what was left undone is
/// [`Outcome::details`].
impl std::fmt::Display for Rekeyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} case(s) re-encrypted to exactly their recipients",
            self.outcome.reencrypted.len()
        )
    }
}

/// An administrator sets a group's members (empty removes the group), and
/// re-encrypts every case granted to the group that they can read, in the
/// same journaled commit (see [`crate::ops::rekey`]). Cases they cannot read are
/// reported in the outcome for an owner to `dossier rekey`.
pub fn set_group(
    vault: &Vault,
    session: &Session,
    name: &str,
    members: &[Fingerprint],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GroupChange> {
    let me = session.fingerprint();
    require_admin(vault, &me, "change groups")?;
    if !crate::case::access::is_group_name(name) {
        return Err(Error::InvalidValue {
            field: "group name".into(),
            reason: "use letters, digits, '-' and '_' only".into(),
        });
    }
    let lock = vault.lock()?;
    for m in members {
        match vault.keyring().validity(m) {
            None => return Err(Error::UnknownKey(m.to_string())),
            Some(Validity::Certified) => {}
            Some(v) => {
                return Err(Error::UncertifiedMember {
                    key: m.to_string(),
                    validity: v.to_string(),
                })
            }
        }
    }
    let mut doc: GroupsDoc = vault.groups().doc().clone();
    if members.is_empty() {
        doc.groups.remove(name);
    } else {
        doc.groups.insert(name.to_string(), members.to_vec());
    }
    // Compared before the format is raised: an older groups file with the
    // same members is no change.
    if doc.groups == vault.groups().doc().groups {
        return Err(Unchanged::GroupMembers {
            group: name.to_string(),
        }
        .into());
    }
    let mut changes = signed_groups(vault, session.signer()?, &mut doc)?;
    let new_groups = Groups::from_doc(doc);
    let group = AccessEntry::Group(name.to_string());
    let mut plan = Plan::default();
    for id in vault.case_ids()? {
        if !vault
            .access_list(&id)
            .is_ok_and(|l| l.entries().contains(&group))
        {
            continue;
        }
        let list = match crate::trust::policy::verified_access(vault, &id) {
            Ok(v) => v.list,
            Err(e) => {
                plan.add(id, Err(e));
                continue;
            }
        };
        // A group that no longer exists cannot be encrypted to: removing
        // it takes its grant off every case in the same commit.
        let mut next = list.clone();
        if members.is_empty() && next.revoke(&group)? {
            changes.extend(crate::ops::cases::signed_access(vault, session, &next)?);
        }
        let target = rekey::target_with(vault, &list, &me, vault.keyring(), &new_groups, &next);
        plan.add(id, target);
    }
    let outcome = rekey::reencrypt_and_commit(
        vault,
        &lock,
        session,
        &CommitMessage::for_vault("group-set", me),
        name,
        Plan {
            extra: changes,
            ..plan
        },
        progress,
    )?;
    Ok(GroupChange {
        group: name.to_string(),
        members: members.len(),
        outcome,
    })
}

/// Re-encrypts cases to their current recipients (repair, or the follow-up
/// an owner runs for cases an administrator could not re-encrypt). With no
/// ids: every case the session can read whose files do not carry exactly
/// one stanza per recipient.
pub fn rekey_cases(
    vault: &Vault,
    session: &Session,
    ids: &[CaseId],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Rekeyed> {
    let me = session.fingerprint();
    let lock = vault.lock()?;
    // Cases with files no key of yours opens, found in the same pass.
    let mut damaged: Vec<CaseId> = Vec::new();
    let chosen: Vec<CaseId> = if ids.is_empty() {
        let mut chosen = Vec::new();
        for id in vault.case_ids()? {
            let Some((rekey, unreadable)) = crate::audit::verify::rekey_state(vault, session, &id)
            else {
                continue;
            };
            if !unreadable.is_empty() {
                damaged.push(id.clone());
            }
            if rekey {
                chosen.push(id);
            }
        }
        chosen
    } else {
        ids.to_vec()
    };
    if chosen.is_empty() {
        // Files no key of yours opens are not re-encryption's to fix: say
        // where they are rather than only that all is well.
        return Err(Unchanged::Rekey {
            damaged: damaged.iter().map(|c| c.to_string()).collect(),
        }
        .into());
    }
    let mut plan = Plan::default();
    for id in &chosen {
        plan.targets.push(rekey::target_for(
            vault,
            id,
            &me,
            vault.keyring(),
            vault.groups(),
        )?);
    }
    let message = match chosen.as_slice() {
        [one] => CommitMessage::for_case("rekey", one, me),
        _ => CommitMessage::for_vault("rekey", me),
    };
    let outcome = rekey::reencrypt_and_commit(vault, &lock, session, &message, "", plan, progress)?;
    Ok(Rekeyed { outcome })
}

fn require_admin(vault: &Vault, me: &Fingerprint, action: &str) -> Result<()> {
    if vault.keyring().is_valid_admin(me) {
        Ok(())
    } else {
        Err(Error::NotEntitled {
            action: action.into(),
            required: "vault administrators".into(),
            actor: me.to_string(),
        })
    }
}
