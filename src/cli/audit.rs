//! The audit commands: `log --who-could-read ID [--at COMMIT]` and
//! `settings [NAME=VALUE ...]`. Both print stable, documented `--json`
//! (docs/file-format.md).

use dossier::audit::exposure::{self, ListSignature};
use dossier::case::CaseId;
use dossier::vault::settings;
use dossier::vault::Vault;
use dossier::{Error, Result};
use serde_json::json;

use super::context::Context;
use super::output::print_json;

/// Who could decrypt case `case`'s version at commit `at` (default HEAD):
/// one line per fingerprint on stdout, what was asked and whether that
/// version of the access list was validly signed on stderr.
pub fn who_could_read(ctx: &Context, case: &str, at: Option<&str>, json: bool) -> Result<()> {
    let vault = ctx.audit_vault()?;
    let id = case_id(&vault, case)?;
    let repo = vault.repo();
    let commit = exposure::resolve_commit(repo, at.unwrap_or("HEAD"))?;
    let found = exposure::readers_at(repo, &id, commit)?;
    let signature = found.list_signature(vault.keyring());
    let ring = vault.keyring();
    let name =
        |fp: &dossier::keys::fingerprint::Fingerprint| ring.get(fp).map(|e| e.card.name.clone());
    if json {
        let readers: Vec<_> = found
            .readers
            .iter()
            .map(|(fp, via)| {
                json!({
                    "fingerprint": fp.to_string(),
                    "name": name(fp),
                    "via": via,
                })
            })
            .collect();
        return print_json(&json!({
            "case": found.case.to_string(),
            "commit": found.commit.to_string(),
            "time": found.time,
            "readers": readers,
            "unknown_groups": found.unknown_groups,
            "list_signer": found.list_signer.map(|s| s.to_string()),
            "list_signature": signature,
        }));
    }
    let signer = found
        .list_signer
        .map(|s| name(&s).unwrap_or_else(|| s.to_string()))
        .unwrap_or_default();
    let list = match signature {
        ListSignature::Valid => format!("validly signed by {signer}"),
        ListSignature::SignerNotEntitled => format!(
            "signed by {signer}, who was neither an owner of the case before that change nor an administrator; the list says who the files were encrypted to, but treat it as evidence of tampering"
        ),
        ListSignature::Invalid => "not validly signed (no signature, or one that does not verify); the list says who the files were encrypted to, but treat it as evidence of tampering".to_string(),
    };
    eprintln!(
        "Case {} at commit {} ({}): {} fingerprint(s) could decrypt it; that version of its access list was {list}.",
        found.case,
        &found.commit.to_string()[..12],
        found.time.format("%Y-%m-%d %H:%M"),
        found.readers.len(),
    );
    for g in &found.unknown_groups {
        eprintln!("dossier: warning: @{g} is on the list but was not a group at that commit; it named nobody");
    }
    for (fp, via) in &found.readers {
        let via = match via {
            Some(g) => format!("  (via @{g})"),
            None => String::new(),
        };
        println!(
            "{fp}  {}{via}",
            name(fp).unwrap_or_else(|| "(not in the keyring)".into())
        );
    }
    Ok(())
}

/// A case id as typed: a unique prefix of a case present now, else a full
/// id (the case may exist only in history).
fn case_id(vault: &Vault, typed: &str) -> Result<CaseId> {
    match vault.resolve_case(typed) {
        Err(Error::UnknownCase(_)) => typed
            .trim()
            .to_uppercase()
            .parse()
            .map_err(|_| Error::UnknownCase(typed.to_string())),
        other => other,
    }
}

/// Prints the settings, after changing them when assignments are given.
pub fn settings(ctx: &Context, assignments: &[String], json: bool) -> Result<()> {
    let mut vault = if assignments.is_empty() {
        ctx.vault()?
    } else {
        ctx.vault_for_change()?
    };
    if !assignments.is_empty() {
        let changes = assignments
            .iter()
            .map(|a| settings::parse_assignment(a))
            .collect::<Result<Vec<_>>>()?;
        let session = ctx.session()?;
        let oid = settings::set(&vault, &session, &changes)?;
        eprintln!("Settings changed in commit {}", &oid.to_string()[..12]);
        vault.reload()?;
    }
    let entries = settings::entries(&vault.config().settings);
    let retention = &vault.config().settings.retention;
    if json {
        let mut map: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .map(|(k, v)| (k.name().to_string(), json!(v)))
            .collect();
        map.insert("retention".into(), json!(retention));
        return print_json(&serde_json::Value::Object(map));
    }
    for (k, v) in entries {
        println!("{k}: {v}");
    }
    for (area, years) in retention {
        println!("retention.{area}: {years} year(s) after closing");
    }
    Ok(())
}
