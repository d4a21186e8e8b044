//! Sharing a vault from the command line: `remote`, `sync`, `clone` and
//! `bundle`. Progress goes to stderr when it is a terminal; conflicts are
//! listed and exit 1 with nothing lost.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use dossier::case::merge::Side;
use dossier::support::secret::SecretString;
use dossier::sync::remotes;
use dossier::sync::transport::{self, UnknownHost};
use dossier::sync::{self, Choices, Conflict, Outcome, Stage, SyncOptions};
use dossier::{Error, Result};

use super::context::Context;
use super::{BundleCommand, Prefer, RemoteCommand};

impl From<Prefer> for Side {
    fn from(p: Prefer) -> Side {
        match p {
            Prefer::Ours => Side::Ours,
            Prefer::Theirs => Side::Theirs,
        }
    }
}

pub(super) fn remote(ctx: &Context, command: RemoteCommand) -> Result<()> {
    let vault = ctx.vault()?;
    match command {
        RemoteCommand::Add { name, url } => {
            let remote = remotes::add(&vault, &name, &url)?;
            println!(
                "Added remote {} ({}). `dossier sync {}` fetches, verifies, merges and pushes.",
                remote.name, remote.url, remote.name
            );
        }
        RemoteCommand::List { json } => {
            let list = remotes::list(&vault)?;
            if json.json {
                let value = serde_json::to_value(&list)
                    .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
                return super::output::print_json(&value);
            }
            for r in list {
                println!("{}\t{}", r.name, r.url);
            }
        }
    }
    Ok(())
}

/// Asks on the terminal whether to trust a host seen for the first time;
/// without a terminal, the answer is no (and the error says how to add it).
fn ask_unknown_host(host: &UnknownHost) -> bool {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    eprintln!(
        "The host {} is not in your known_hosts file.\nIts {} key fingerprint is {}.\nCompare it with the server's own (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server) before you accept.",
        host.host, host.key_type, host.fingerprint
    );
    super::ask::yes_no("Trust this host and remember its key?").unwrap_or(false)
}

fn ask_key_passphrase(path: &Path) -> Option<SecretString> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    rpassword::prompt_password(format!("Passphrase for SSH key {}: ", path.display()))
        .ok()
        .map(SecretString::from)
}

fn show_progress(stage: Stage) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    eprint!("\r\x1b[2K{stage}...");
    let _ = std::io::stderr().flush();
}

fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}

/// Sync options for the command line: prompts on the terminal, progress on stderr.
fn options<'a>(
    resolver: &'a Choices,
    progress: &'a mut dyn FnMut(Stage),
) -> Result<SyncOptions<'a>> {
    Ok(SyncOptions {
        ssh_key: transport::ssh_key_from_env(),
        known_hosts: transport::default_known_hosts()?,
        accept_unknown_host: &ask_unknown_host,
        key_passphrase: &ask_key_passphrase,
        resolver,
        progress,
    })
}

fn choices(prefer: Option<Prefer>) -> Choices {
    Choices {
        all: prefer.map(Side::from),
        ..Choices::default()
    }
}

pub(super) fn sync_command(
    ctx: &Context,
    name: Option<&str>,
    prefer: Option<Prefer>,
) -> Result<()> {
    let mut vault = ctx.vault()?;
    let session = ctx.session()?;
    let resolver = choices(prefer);
    let mut progress = show_progress;
    let result = sync::sync(
        &mut vault,
        &session,
        name,
        options(&resolver, &mut progress)?,
    );
    end_progress();
    let report = result?;
    println!("{report}");
    conflicts_are_the_error(
        &report.outcome,
        &format!("dossier sync {}", report.remote.name),
    )
}

/// After the library's report: lists the conflicts (their values are case
/// content, the person's to see) and makes them the error.
fn conflicts_are_the_error(outcome: &Outcome, again: &str) -> Result<()> {
    if let Outcome::Conflicts(conflicts) = outcome {
        for c in conflicts {
            println!("{}", conflict_line(c));
        }
        return Err(Error::UnresolvedConflicts {
            retry: again.to_string(),
        });
    }
    Ok(())
}

fn conflict_line(c: &Conflict) -> String {
    let show = |v: &Option<String>| match v {
        Some(v) => v.clone(),
        None => "(absent)".to_string(),
    };
    let at = match &c.case {
        Some(case) => format!("case {case}, {}", c.field),
        None => c.field.clone(),
    };
    format!(
        "  {at}: ours {} / theirs {}",
        show(&c.ours),
        show(&c.theirs)
    )
}

pub(super) fn clone_command(ctx: &Context, source: &str, dir: PathBuf) -> Result<()> {
    // Your dossier key can log in to the server too, when you have one.
    let session = ctx.session().ok();
    let resolver = Choices::default();
    let mut progress = show_progress;
    let result = sync::clone(
        source,
        &dir,
        session.as_ref(),
        options(&resolver, &mut progress)?,
    );
    end_progress();
    let vault = result?;
    println!(
        "Cloned vault \"{}\" into {}; every commit verified.",
        vault.config().name,
        vault.root().display()
    );
    let roots: Vec<String> = vault.config().roots.iter().map(|r| r.grouped()).collect();
    println!(
        "Its root key{} now pinned: {}. Compare with your administrator in person.",
        if roots.len() == 1 { " is" } else { "s are" },
        roots.join(", ")
    );
    Ok(())
}

pub(super) fn bundle(ctx: &Context, command: BundleCommand) -> Result<()> {
    match command {
        BundleCommand::Create { file } => {
            let vault = ctx.vault()?;
            let header = sync::bundle_create(&vault, &file)?;
            let tips: Vec<String> = header
                .refs
                .iter()
                .map(|(name, id)| format!("{name} at {}", &id.to_string()[..10]))
                .collect();
            println!(
                "Wrote {} ({}). `git bundle verify` checks it; `dossier bundle import` on the other machine verifies every commit before merging.",
                file.display(),
                tips.join(", ")
            );
            Ok(())
        }
        BundleCommand::Import { file, prefer } => {
            let mut vault = ctx.vault()?;
            let session = ctx.session()?;
            let import = sync::bundle_import(&mut vault, &session, &file, &choices(prefer))?;
            println!("{import}");
            conflicts_are_the_error(
                &import.outcome,
                &format!("dossier bundle import {}", file.display()),
            )
        }
    }
}

/// `dossier hook pre-receive`, run by git on the server: the updates on
/// standard input, the repository (and its quarantined objects) from git's
/// environment. Refusing exits 1 with the sentence a client's `sync` would
/// give, which git shows the pusher after `remote:`.
pub fn pre_receive() -> Result<()> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .map_err(Error::io("read", "the pushed updates on standard input"))?;
    let checked = sync::receive::check_hook_input(&input)?;
    eprintln!("dossier: verified {checked} pushed commit(s)");
    Ok(())
}
