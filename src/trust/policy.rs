//! Trust decisions (DESIGN §4): whether an access list may be honoured and
//! to whom a case may be encrypted.
//!
//! An access list is honoured only when its signature verifies and its
//! signer was entitled to make it: a valid administrator, or an owner of the
//! case *as the list stood before that change* (the version before the
//! commit that introduced the current content). A list never committed, or
//! signed by anyone else, is refused; so is encrypting to any entry that is
//! not a valid key, naming the entry.

use age::x25519;

use crate::case::{AccessEntry, AccessList, CaseId};
use crate::crypto::{Key, Recipients};
use crate::error::{Error, Result};
use crate::keys::fingerprint::Fingerprint;
use crate::keys::signed::Signed;
use crate::repo::history;
use crate::vault::groups::Groups;
use crate::vault::keyring::{Keyring, Validity};
use crate::vault::layout::access_path;
use crate::vault::Vault;

/// Keeps an access list signed by a certified key of `keyring` (an expired
/// one included: whether its owner may still sign is decided after);
/// refuses any other signer. The first check on every access list, local or
/// incoming.
pub fn signed_by_a_vault_key<T>(
    signed: Signed<T>,
    keyring: &Keyring,
    what: &str,
) -> Result<Signed<T>> {
    signed.signed_by(
        |_, signer| {
            matches!(
                keyring.validity(signer),
                Some(Validity::Certified) | Some(Validity::Expired)
            )
        },
        what,
        "which is not a certified key of this vault",
    )
}

/// An access list whose signature and signer were checked.
#[derive(Debug, Clone)]
pub struct VerifiedAccess {
    /// The list.
    pub list: AccessList,
    /// Who signed it.
    pub signer: Fingerprint,
}

/// Reads a case's access list and checks it may be honoured. A refusal
/// also names any entry on the list that is not a valid key, so a rogue
/// addition is named, not only the bad signature around it.
pub fn verified_access(vault: &Vault, id: &CaseId) -> Result<VerifiedAccess> {
    check_access(vault, id).map_err(|e| match e {
        Error::BadSignature { what, reason } => {
            let suspects = vault
                .read_committed(&access_path(id))
                .ok()
                .flatten()
                .and_then(|b| AccessList::parse(&b, id).ok())
                .map(|list| invalid_entries(vault, &list))
                .unwrap_or_default();
            let reason = if suspects.is_empty() {
                reason
            } else {
                format!(
                    "{reason}; the list names {}, not a valid key of this vault",
                    suspects.join(", ")
                )
            };
            Error::BadSignature { what, reason }
        }
        other => other,
    })
}

/// Entries of `list` that are not currently valid keys (or unknown groups).
fn invalid_entries(vault: &Vault, list: &AccessList) -> Vec<String> {
    list.entries()
        .into_iter()
        .filter(|entry| match entry {
            AccessEntry::Key(fp) => vault.keyring().validity(fp) != Some(Validity::Certified),
            AccessEntry::Group(g) => vault.groups().members(g).is_err(),
        })
        .map(|e| e.to_string())
        .collect()
}

fn check_access(vault: &Vault, id: &CaseId) -> Result<VerifiedAccess> {
    let rel = access_path(id);
    let what = format!("the access list of case {id}");
    // The committed, verified version: an edit of the working tree's copy
    // (a replayed older list, say) is never honoured.
    let signed = Signed::read(
        |p| vault.read_committed(p),
        &rel,
        &what,
        |bytes| AccessList::parse(bytes, id),
    )?
    .ok_or_else(|| Error::UnknownCase(id.to_string()))?;
    let keyring = vault.keyring();
    let Signed {
        doc: list,
        signer,
        bytes,
    } = signed_by_a_vault_key(signed, keyring, &what)?;
    if keyring.is_valid_admin(&signer) {
        return Ok(VerifiedAccess { list, signer });
    }
    let blob = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?;
    let before = match history::version_before(vault.repo(), &rel, blob)? {
        None => {
            return Err(Error::BadSignature {
                what,
                reason: "it differs from the committed version (edited outside dossier)".into(),
            })
        }
        Some(b) => b,
    };
    if owner_entitled(id, before.as_deref(), &list, &signer) {
        Ok(VerifiedAccess { list, signer })
    } else {
        Err(Error::BadSignature {
            what,
            reason: format!(
                "it was changed by {}, who was neither an owner of the case nor an administrator",
                keyring.label(&signer)
            ),
        })
    }
}

/// The owners' half of who may sign an access list (DESIGN §4): `signer`
/// owned the case as its list stood `before` the change (an owner cannot
/// make themselves owner), or, for a new case (`before` is `None`), names
/// themselves owner of the list it creates. A `before` that does not parse
/// entitles nobody. Administrators are entitled besides; callers check that
/// against the keyring they judge by.
pub fn owner_entitled(
    case: &CaseId,
    before: Option<&[u8]>,
    after: &AccessList,
    signer: &Fingerprint,
) -> bool {
    match before {
        None => after.owners.contains(signer),
        Some(old) => AccessList::parse(old, case).is_ok_and(|old| old.owners.contains(signer)),
    }
}

/// The recipients of a case as policy approves them: each reader's
/// fingerprint and current age key. The only [`Recipients`] made anywhere.
pub type Readers = Recipients<Fingerprint>;

/// Expands groups and checks every entry: the recipients of a case, in
/// access-list order, or an error naming the first entry that is not valid
/// and who added it to the list.
pub fn recipients(vault: &Vault, list: &AccessList) -> Result<Readers> {
    check_entries(vault.keyring(), vault.groups(), list).map_err(|bad| {
        let added = added_by(vault, list, &bad.entry);
        bad.into_error(list, added)
    })
}

/// [`recipients`] against a given keyring and groups: the state a change is
/// about to create (a revocation, a new group) rather than the current one.
pub fn resolve(keyring: &Keyring, groups: &Groups, list: &AccessList) -> Result<Readers> {
    check_entries(keyring, groups, list).map_err(|bad| bad.into_error(list, None))
}

/// Every active member of staff in `keyring` (a certified key, neither
/// expired nor revoked), with their current age key: the recipients of the
/// firm's conflict secret.
pub fn active_staff(keyring: &Keyring) -> Readers {
    let staff = keyring
        .entries()
        .filter(|e| keyring.validity(&e.fingerprint) == Some(Validity::Certified))
        .filter_map(|e| e.recipient().ok().map(|r| (e.fingerprint, Key::X25519(r))))
        .collect();
    Recipients::approved(staff)
}

/// The one recipient of a disclosure's export, from what the user typed:
/// an `age1…` key or an `ssh-ed25519 …` public key (nothing else, and only
/// one). Its label is the key as written.
pub fn external_recipient(text: &str) -> Result<Recipients<String>> {
    let text = text.trim();
    let refuse = |reason: &str| Error::InvalidValue {
        field: "--to".into(),
        reason: reason.into(),
    };
    let key = if text.starts_with("age1") {
        text.parse::<x25519::Recipient>()
            .map(Key::X25519)
            .map_err(|_| refuse("it is not a valid age public key (age1…)"))?
    } else if text.starts_with("ssh-ed25519 ") {
        text.parse::<age::ssh::Recipient>()
            .map(Key::SshEd25519)
            .map_err(|_| refuse("it is not a valid ssh-ed25519 public key"))?
    } else {
        return Err(refuse(
            "give the external recipient's age public key (age1…) or ssh-ed25519 public key, and only one",
        ));
    };
    Ok(Recipients::approved(vec![(text.to_string(), key)]))
}

/// The first entry of a list that cannot be encrypted to.
struct InvalidEntry {
    /// The entry on the list (the group, for a member of one).
    entry: AccessEntry,
    /// The member of `entry` at fault, when `entry` is a group.
    member: Option<Fingerprint>,
    reason: String,
}

impl InvalidEntry {
    fn into_error(self, list: &AccessList, added: Option<String>) -> Error {
        Error::InvalidRecipient {
            case: list.case.to_string(),
            entry: match self.member {
                Some(fp) => format!("{fp} (member of {})", self.entry),
                None => self.entry.to_string(),
            },
            reason: match added {
                Some(who) => format!("{} (it was added {who})", self.reason),
                None => self.reason,
            },
        }
    }
}

/// Checks every entry, stopping at the first that cannot be encrypted to.
fn check_entries(
    keyring: &Keyring,
    groups: &Groups,
    list: &AccessList,
) -> std::result::Result<Readers, InvalidEntry> {
    let mut out: Vec<(Fingerprint, x25519::Recipient)> = Vec::new();
    for entry in list.entries() {
        let (members, is_group): (Vec<Fingerprint>, bool) = match &entry {
            AccessEntry::Key(fp) => (vec![*fp], false),
            AccessEntry::Group(g) => match groups.members(g) {
                Ok(m) => (m.to_vec(), true),
                Err(e) => {
                    return Err(InvalidEntry {
                        entry,
                        member: None,
                        reason: e.to_string(),
                    })
                }
            },
        };
        for fp in members {
            if out.iter().any(|(f, _)| *f == fp) {
                continue;
            }
            let invalid = |reason: String| InvalidEntry {
                entry: entry.clone(),
                member: is_group.then_some(fp),
                reason,
            };
            let reason = match keyring.validity(&fp) {
                Some(Validity::Certified) => None,
                Some(Validity::Uncertified) => Some(
                    "the key is not certified by an administrator (`dossier key certify`)",
                ),
                Some(Validity::Expired) => Some(
                    "the key has expired; its owner must extend it (`dossier key expire`), or remove them from the case",
                ),
                Some(Validity::Revoked) => Some("the key is revoked"),
                Some(Validity::Invalid) => Some(
                    "the key's binding (its current encryption key) is not validly signed",
                ),
                None => Some("the key is not in the vault's keyring"),
            };
            if let Some(reason) = reason {
                return Err(invalid(reason.into()));
            }
            // Certified implies a card in the keyring whose recipient parsed.
            if let Some(entry) = keyring.get(&fp) {
                out.push((fp, entry.recipient().map_err(|e| invalid(e.to_string()))?));
            }
        }
    }
    Ok(Recipients::approved(
        out.into_iter()
            .map(|(fp, r)| (fp, Key::X25519(r)))
            .collect(),
    ))
}

/// Who put `wanted` on the access list: "by NAME in commit ABC1234", or
/// "by an unsigned commit in commit …", from the list's history.
fn added_by(vault: &Vault, list: &AccessList, wanted: &AccessEntry) -> Option<String> {
    let (commit, signer) = history::introduced(vault.repo(), &access_path(&list.case), |bytes| {
        AccessList::parse(bytes, &list.case).is_ok_and(|l| l.entries().contains(wanted))
    })
    .ok()??;
    let who = match signer {
        Some(fp) => format!("by {}", vault.keyring().label(&fp)),
        None => "by an unsigned commit".to_string(),
    };
    Some(format!("{who} in commit {}", &commit.to_string()[..10]))
}

/// Who could read a case by its list, without validity checks: used to say
/// "you are not a recipient" before trying to decrypt.
pub fn listed_readers(
    groups: &crate::vault::groups::Groups,
    list: &AccessList,
) -> Vec<Fingerprint> {
    let mut out = Vec::new();
    for entry in list.entries() {
        match entry {
            AccessEntry::Key(fp) => out.push(fp),
            AccessEntry::Group(g) => {
                out.extend(groups.members(&g).map(|m| m.to_vec()).unwrap_or_default())
            }
        }
    }
    out
}

/// Every case whose current access list names `fp`, directly or through a
/// group: what an expired or revoked key affects.
pub fn cases_listing(vault: &Vault, fp: &Fingerprint) -> Result<Vec<CaseId>> {
    Ok(vault
        .case_ids()?
        .into_iter()
        .filter(|id| {
            vault
                .access_list(id)
                .is_ok_and(|l| listed_readers(vault.groups(), &l).contains(fp))
        })
        .collect())
}

/// Refuses unless `actor` may change `list` (an owner or a valid administrator).
pub fn check_may_change_access(
    vault: &Vault,
    actor: &Fingerprint,
    list: &AccessList,
) -> Result<()> {
    check_may_manage(
        vault,
        actor,
        list,
        &format!("change who can read case {}", list.case),
    )
}

/// Refuses unless `actor` owns the case of `list` or is a valid
/// administrator: who may change its access or repair it. `action` names
/// the refused action in the error.
pub fn check_may_manage(
    vault: &Vault,
    actor: &Fingerprint,
    list: &AccessList,
    action: &str,
) -> Result<()> {
    if list.owners.contains(actor) || vault.keyring().is_valid_admin(actor) {
        Ok(())
    } else {
        Err(Error::NotEntitled {
            action: action.to_string(),
            required: "its owners or an administrator".into(),
            actor: actor.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    //! Policy on its own: keyrings and groups loaded from in-memory vault
    //! states, no repository and no vault.

    use super::*;
    use crate::samples::testkit::{MemFiles, TestKey};
    use crate::support::yaml;
    use crate::vault::groups::GroupsDoc;
    use crate::vault::layout::GROUPS_PATH;
    use chrono::{TimeZone, Utc};

    /// Ada (root), Ben (certified), Cy (uncertified), Dee (certified, then
    /// revoked), and `@team` = Ben and Cy, signed by Ada.
    struct Firm {
        ada: TestKey,
        ben: TestKey,
        cy: TestKey,
        dee: TestKey,
        keyring: Keyring,
        groups: Groups,
    }

    fn firm() -> Firm {
        let when = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        let key = |name| TestKey::new(name, when).unwrap();
        let (ada, ben, cy, dee) = (key("Ada"), key("Ben"), key("Cy"), key("Dee"));
        let mut files = MemFiles::default();
        ada.add_to(&mut files, Some(&ada)).unwrap();
        ben.add_to(&mut files, Some(&ada)).unwrap();
        cy.add_to(&mut files, None).unwrap();
        dee.add_to(&mut files, Some(&ada)).unwrap();
        dee.revoke_in(&mut files, &ada, when).unwrap();
        let doc = GroupsDoc {
            dossier_groups: 2,
            replaces: None,
            groups: [("team".to_string(), vec![ben.fp, cy.fp])].into(),
        };
        let text = yaml::render(&doc).unwrap();
        files.put(
            format!("{GROUPS_PATH}.sig"),
            ada.sign(text.as_bytes()).unwrap(),
        );
        files.put(GROUPS_PATH, text);
        let keyring = Keyring::load_from(&files, &[ada.fp], &[]).unwrap();
        let groups = Groups::load_from(&files, &keyring).unwrap();
        assert_eq!(groups.problem(), None);
        Firm {
            ada,
            ben,
            cy,
            dee,
            keyring,
            groups,
        }
    }

    fn case() -> CaseId {
        "7K2M9QX4AB".parse().unwrap()
    }

    fn list(f: &Firm, readers: &[AccessEntry]) -> AccessList {
        let mut list = AccessList::new(case(), f.ada.fp);
        for r in readers {
            list.grant(r.clone());
        }
        list
    }

    fn refusal(f: &Firm, readers: &[AccessEntry]) -> String {
        resolve(&f.keyring, &f.groups, &list(f, readers))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn certified_readers_are_the_recipients_in_list_order_without_repeats() {
        let f = firm();
        let readers = resolve(
            &f.keyring,
            &f.groups,
            &list(
                &f,
                &[AccessEntry::Key(f.ben.fp), AccessEntry::Key(f.ada.fp)],
            ),
        )
        .unwrap();
        let labels: Vec<Fingerprint> = readers.labels().copied().collect();
        assert_eq!(labels, vec![f.ada.fp, f.ben.fp]);
        let keys: Vec<String> = readers
            .entries()
            .iter()
            .map(|(_, r)| r.to_string())
            .collect();
        assert_eq!(
            keys,
            vec![
                f.ada.age.to_public().to_string(),
                f.ben.age.to_public().to_string()
            ]
        );
    }

    #[test]
    fn an_entry_that_cannot_be_encrypted_to_is_refused_by_name() {
        let f = firm();
        let uncertified = refusal(&f, &[AccessEntry::Key(f.cy.fp)]);
        assert!(uncertified.contains(&f.cy.fp.to_string()), "{uncertified}");
        assert!(uncertified.contains("not certified"), "{uncertified}");

        let revoked = refusal(&f, &[AccessEntry::Key(f.dee.fp)]);
        assert!(revoked.contains("the key is revoked"), "{revoked}");

        let stranger = TestKey::new("Eve", Utc::now()).unwrap();
        let unknown = refusal(&f, &[AccessEntry::Key(stranger.fp)]);
        assert!(unknown.contains("not in the vault's keyring"), "{unknown}");

        // A group is as good as its worst member, and the member is named.
        let team = refusal(&f, &[AccessEntry::Group("team".into())]);
        assert!(
            team.contains(&format!("{} (member of @team)", f.cy.fp)),
            "{team}"
        );
        let missing = refusal(&f, &[AccessEntry::Group("nobody".into())]);
        assert!(missing.contains("@nobody"), "{missing}");
    }

    #[test]
    fn listed_readers_expand_groups_without_judging_keys() {
        let f = firm();
        let readers = listed_readers(
            &f.groups,
            &list(
                &f,
                &[
                    AccessEntry::Group("team".into()),
                    AccessEntry::Key(f.dee.fp),
                ],
            ),
        );
        for fp in [f.ada.fp, f.ben.fp, f.cy.fp, f.dee.fp] {
            assert!(readers.contains(&fp), "{fp} missing from {readers:?}");
        }
    }

    #[test]
    fn only_an_owner_of_the_list_before_may_sign_its_next_version() {
        let f = firm();
        let mut after = list(&f, &[AccessEntry::Key(f.ben.fp)]);
        // A new case: whoever it names owner may sign it.
        assert!(owner_entitled(&case(), None, &after, &f.ada.fp));
        assert!(!owner_entitled(&case(), None, &after, &f.ben.fp));
        // Ben cannot make himself owner: the list before decides.
        let before = list(&f, &[AccessEntry::Key(f.ben.fp)]).to_yaml().unwrap();
        after.owners.push(f.ben.fp);
        assert!(!owner_entitled(
            &case(),
            Some(before.as_bytes()),
            &after,
            &f.ben.fp
        ));
        assert!(owner_entitled(
            &case(),
            Some(before.as_bytes()),
            &after,
            &f.ada.fp
        ));
        // A damaged list before entitles nobody.
        assert!(!owner_entitled(&case(), Some(b"- [[["), &after, &f.ada.fp));
    }
}
