//! One function per command: resolve the vault and identity, call the
//! library, print the result.

use std::io::Read;
use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone, Utc};
use dossier::audit::log;
use dossier::audit::verify;
use dossier::case::items::ItemChange;
use dossier::case::{AccessEntry, CaseId};
use dossier::keys::identity::{self, GenerateOptions, Identity};
use dossier::ops::agenda;
use dossier::ops::disclose;
use dossier::ops::done::Done;
use dossier::ops::{
    access_review, admin, cases, conflicts, rekey, retention, revocation, rotation, search,
};
use dossier::support::secret::ExposeSecret;
use dossier::vault::Vault;
use dossier::{Error, Result};

use super::context::Context;
use super::output;
use super::passphrase::CliPassphrase;
use super::{
    CaseCommand, Cli, Command, GroupCommand, HookCommand, KeyCommand, NoteCommand, OwnerCommand,
};
use crate::launch::{scrypt_log_n, Launch};

pub fn dispatch(cli: Cli) -> Result<()> {
    let ctx = Context {
        vault: cli.vault.clone(),
        home: cli.home.clone(),
        passphrase_file: cli.passphrase_file.clone(),
    };
    let vault = ctx.vault.clone();
    // git failing to read an object is named by the file it holds (the
    // vault is found again only then).
    run_command(ctx, cli).map_err(|e| {
        let found = Context {
            vault,
            home: None,
            passphrase_file: None,
        }
        .vault_root();
        match found {
            Ok(root) => Vault::explain_at(&root, e),
            Err(_) => e,
        }
    })
}

fn run_command(ctx: Context, cli: Cli) -> Result<()> {
    let Some(command) = cli.command else {
        return tui(&ctx, cli.theme);
    };
    match command {
        Command::Init { dir, name } => init(&ctx, dir, &name),
        Command::Key(k) => key(&ctx, k),
        Command::Case(c) => case(&ctx, c),
        Command::Note(NoteCommand::Add { id, text }) => note_add(&ctx, &id, text),
        Command::Grant { id, who } => access(&ctx, &id, &who, None),
        Command::Owner(OwnerCommand::Add { id, fp }) => {
            let vault = ctx.vault_for_change()?;
            let id = vault.resolve_case(&id)?;
            let fp = vault.keyring().resolve(&fp)?;
            let session = ctx.session()?;
            let change = cases::add_owner(&vault, &session, &id, fp)?;
            eprintln!("{change}");
            eprint!("{}", change.details());
            Ok(())
        }
        Command::Owner(OwnerCommand::Remove { id, fp, yes }) => {
            let vault = ctx.vault_for_change()?;
            let id = vault.resolve_case(&id)?;
            let fp = vault.keyring().resolve(&fp)?;
            confirm(
                &format!(
                    "Make {} a reader of case {id} instead of an owner? They will no longer be able to change who reads it.",
                    vault.keyring().label(&fp)
                ),
                yes,
                "removes an owner",
            )?;
            let session = ctx.session()?;
            let change = cases::remove_owner(&vault, &session, &id, fp)?;
            eprintln!("{change}");
            Ok(())
        }
        Command::RevokeAccess { id, who, yes } => access(&ctx, &id, &who, Some(yes)),
        Command::Group(GroupCommand::Set { name, members }) => group_set(&ctx, &name, &members),
        Command::Group(GroupCommand::List { json }) => {
            let vault = ctx.vault()?;
            output::groups(&vault, json.json)
        }
        Command::Grep { pattern, json } => grep(&ctx, &pattern, json.json),
        Command::Disclose {
            id,
            to,
            basis,
            fields,
            docs,
            notes,
            reference,
            jurisdiction,
            instrument,
            justification,
            out,
            request,
            approve,
        } => {
            let vault = ctx.vault_for_change()?;
            let session = ctx.session()?;
            let case = vault.resolve_case(&id)?;
            if let Some(pending) = approve {
                let out = out.unwrap_or_default();
                println!(
                    "{}",
                    disclose::approve(&vault, &session, &case, &pending, out)?
                );
                return Ok(());
            }
            let asked = disclose::Request {
                case,
                to: to.unwrap_or_default(),
                basis: disclose::LegalBasis::parse(basis.as_deref().unwrap_or_default())?,
                fields,
                documents: docs,
                notes,
                reference,
                jurisdiction,
                instrument,
                justification,
                out: out.unwrap_or_default(),
            };
            if request {
                println!("{}", disclose::request_approval(&vault, &session, &asked)?);
            } else {
                println!("{}", disclose::disclose(&vault, &session, &asked)?);
            }
            Ok(())
        }
        Command::Conflicts {
            names,
            record,
            reindex,
            reseal,
            json,
        } => {
            let vault = if reindex || reseal || record.is_some() {
                ctx.vault_for_change()?
            } else {
                ctx.vault()?
            };
            let session = ctx.session()?;
            if reindex {
                println!("{}", conflicts::reindex(&vault, &session)?);
                return Ok(());
            }
            if reseal {
                let staff = conflicts::reseal(&vault, &session)?;
                println!("Sealed the conflict secret to the {staff} active member(s) of staff.");
                return Ok(());
            }
            let report = conflicts::check(&vault, &session, &names)?;
            output::conflicts(&vault, &report, json.json)?;
            if let Some(case) = record {
                let case = vault.resolve_case(&case)?;
                conflicts::record(&vault, &session, &case, &report)?;
                eprintln!("Recorded the check on case {case}.");
            }
            Ok(())
        }
        Command::AccessReview {
            person,
            older_than,
            json,
        } => {
            let vault = ctx.vault()?;
            let session = ctx.session()?;
            let person = match person {
                None => None,
                Some(p) => match vault.resolve_entry(&p)? {
                    dossier::case::AccessEntry::Key(fp) => Some(fp),
                    dossier::case::AccessEntry::Group(g) => {
                        return Err(Error::InvalidValue {
                            field: "--person".into(),
                            reason: format!("@{g} is a group; give one person's fingerprint"),
                        })
                    }
                },
            };
            let review = access_review::review(
                &vault,
                &session,
                person.as_ref(),
                older_than,
                chrono::Utc::now(),
            )?;
            output::access_review(&vault, &review, json.json)
        }
        Command::Retention { json } => {
            let vault = ctx.vault()?;
            let session = ctx.session()?;
            let report = retention::due(&vault, &session, chrono::Utc::now().date_naive())?;
            output::retention(&report, json.json)
        }
        Command::Destroy {
            id,
            ground,
            early,
            yes,
        } => destroy(&ctx, &id, &ground, early, yes),
        Command::Consents { expiring, json } => {
            let vault = ctx.vault()?;
            let session = ctx.session()?;
            let report = disclose::consents(&vault, &session, expiring)?;
            output::consents(&report, json.json)
        }
        Command::Disclosures {
            since,
            case,
            json,
            csv,
        } => {
            let vault = ctx.vault()?;
            let session = ctx.session()?;
            let since = since.as_deref().map(parse_date).transpose()?;
            let case = case.map(|c| vault.resolve_case(&c)).transpose()?;
            let register = disclose::register(&vault, &session, since, case.as_ref())?;
            output::register(&register, json.json, csv)
        }
        Command::Agenda {
            days,
            overdue,
            json,
            ics,
        } => {
            let vault = ctx.vault()?;
            let session = ctx.session()?;
            let today = Utc::now().date_naive();
            let mut report = agenda::agenda(&vault, &session, today, days)?;
            if overdue {
                report = report.overdue_only();
            }
            match ics {
                Some(path) => {
                    let n = agenda::ics::write_ics(&vault, &report, &path, Utc::now())?;
                    output::agenda_written(&report, n, &path);
                    Ok(())
                }
                None => output::agenda(&vault, &report, json.json),
            }
        }
        Command::Log {
            who_could_read: Some(case),
            at,
            json,
            ..
        } => super::audit::who_could_read(&ctx, &case, at.as_deref(), json.json),
        Command::Log { id, json, .. } => log(&ctx, id.as_deref(), json.json),
        Command::Settings { assignments, json } => {
            super::audit::settings(&ctx, &assignments, json.json)
        }
        Command::Verify { json } => verify(&ctx, json.json),
        Command::Rekey { ids } => rekey(&ctx, &ids),
        Command::Remote(r) => super::share::remote(&ctx, r),
        Command::Sync { name, prefer } => super::share::sync_command(&ctx, name.as_deref(), prefer),
        Command::Clone { source, dir } => super::share::clone_command(&ctx, &source, dir),
        Command::Bundle(b) => super::share::bundle(&ctx, b),
        Command::Demo { dir, no_tui, cases } => demo(dir, no_tui, cases, cli.theme),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut super::command(),
                "dossier",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man { dir } => man_pages(&dir),
        Command::Agent { idle } => {
            super::agent::run(&ctx.home()?, std::time::Duration::from_secs(idle.max(1)))
        }
        Command::Hook(HookCommand::PreReceive) => super::share::pre_receive(),
        Command::Lock => {
            if super::agent::lock(&ctx.home()?)? {
                println!("The agent forgot your keys and stopped.");
            } else {
                println!("No agent was running for this identity.");
            }
            Ok(())
        }
        Command::MergeDriver {
            base,
            ours,
            theirs,
            path,
        } => super::git_driver::merge_driver(ctx.session()?, base, ours, theirs, path),
        Command::Textconv { file } => super::git_driver::textconv(ctx.session(), &file),
    }
}

fn init(ctx: &Context, dir: Option<PathBuf>, name: &str) -> Result<()> {
    let session = ctx.session()?;
    let dir = match dir.or_else(|| ctx.vault.clone()) {
        Some(d) => d,
        None => std::env::current_dir().map_err(Error::io("find", "the current directory"))?,
    };
    let vault = admin::init(&dir, name, &session)?;
    println!(
        "Created vault \"{}\" in {}",
        vault.config().name,
        vault.root().display()
    );
    println!("Root administrator: {}", session.fingerprint().grouped());
    Ok(())
}

fn key(ctx: &Context, command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Generate {
            name,
            email,
            no_passphrase,
            expires,
        } => {
            let home = ctx.home()?;
            let passphrase = if no_passphrase {
                None
            } else {
                let p = CliPassphrase::new(ctx.passphrase_file.clone()).new_passphrase()?;
                if p.expose_secret().is_empty() {
                    return Err(Error::EmptyPassphrase);
                }
                Some(p)
            };
            let expires = expires.map(|d| parse_date_end(&d)).transpose()?;
            let card = identity::generate(
                &home,
                GenerateOptions {
                    name,
                    email,
                    passphrase,
                    expires,
                    scrypt_log_n: scrypt_log_n(),
                },
            )?;
            let fp = card.fingerprint()?;
            println!("Created identity in {}", home.dir().display());
            println!("  {} <{}>", card.name, card.email);
            println!("  fingerprint: {}", fp.grouped());
            println!("Read the fingerprint to your administrator so they can certify your key.");
            Ok(())
        }
        KeyCommand::Fingerprint => {
            println!("{}", Identity::load(&ctx.home()?)?.fingerprint());
            Ok(())
        }
        KeyCommand::List { json } => {
            let me = Identity::load(&ctx.home()?).ok();
            match ctx.vault() {
                Ok(vault) => output::key_list(&vault, me.as_ref(), json.json),
                Err(Error::NotAVault(_)) if ctx.vault.is_none() => {
                    let me = me.ok_or_else(|| {
                        Error::NoIdentity(
                            ctx.home()
                                .map(|h| h.dir().to_path_buf())
                                .unwrap_or_default(),
                        )
                    })?;
                    output::own_key(&me, json.json)
                }
                Err(e) => Err(e),
            }
        }
        KeyCommand::Export { fp } => {
            match fp {
                None => print!("{}", Identity::load(&ctx.home()?)?.card().to_yaml()?),
                Some(q) => {
                    let vault = ctx.vault()?;
                    let fp = vault.keyring().resolve(&q)?;
                    let entry = vault
                        .keyring()
                        .get(&fp)
                        .ok_or_else(|| Error::UnknownKey(q.clone()))?;
                    print!("{}", entry.card.to_yaml()?);
                }
            }
            Ok(())
        }
        KeyCommand::Import { file } => {
            let bytes = if file.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut b)
                    .map_err(Error::io("read", "standard input"))?;
                b
            } else {
                std::fs::read(&file).map_err(Error::io("read", &file))?
            };
            let vault = ctx.vault_for_change()?;
            let session = ctx.session()?;
            let fp = admin::import_card(&vault, &session, &bytes)?;
            println!("{}", Done::Imported(fp));
            drop(vault);
            let vault = ctx.vault()?;
            for (other, what) in admin::namesakes(&vault, &fp) {
                eprintln!(
                    "warning: the {what} on this card already belong(s) to another key, {}: a second key of the same person, or someone posing as them; check the fingerprint with the person before certifying",
                    vault.keyring().label(&other)
                );
            }
            Ok(())
        }
        KeyCommand::Certify { fp, yes } => {
            let vault = ctx.vault_for_change()?;
            let fp = vault.keyring().resolve(&fp)?;
            confirm(
                &format!(
                    "Certify {}? Check the fingerprint with them first (read it aloud): once certified, cases can be encrypted to this key and it can sign for the vault.",
                    vault.keyring().label(&fp)
                ),
                yes,
                "certifies a key",
            )?;
            let session = ctx.session()?;
            admin::certify(&vault, &session, &fp)?;
            println!("{}", Done::Certified(vault.keyring().label(&fp)));
            Ok(())
        }
        KeyCommand::Revoke { fp, reason, yes } => {
            let vault = ctx.vault_for_change()?;
            let fp = vault.keyring().resolve(&fp)?;
            let readable = dossier::trust::policy::cases_listing(&vault, &fp)?.len();
            confirm(
                &format!(
                    "Revoke {}? This is permanent: they leave every access list and group, and the {readable} case(s) they can read are re-encrypted without them (copies they already have stay readable to them).",
                    vault.keyring().label(&fp)
                ),
                yes,
                "revokes a key",
            )?;
            let session = ctx.session()?;
            let report = revocation::revoke(&vault, &session, &fp, &reason, &progress_line)?;
            end_progress();
            println!("{report}");
            Ok(())
        }
        KeyCommand::Rotate => {
            let vault = ctx.vault_for_change()?;
            let session = ctx.session()?;
            let rotation = rotation::rotate(&vault, &session, scrypt_log_n(), &progress_line)?;
            end_progress();
            println!("{rotation}");
            // The agent holds the keys as they were: it forgets them, and
            // the next command hands it the new ones.
            if session.has_agent() && super::agent::lock(&ctx.home()?)? {
                eprintln!("The passphrase agent forgot the old keys; the next command asks for the passphrase once.");
            }
            Ok(())
        }
        KeyCommand::Expire { date } => {
            let vault = ctx.vault_for_change()?;
            let session = ctx.session()?;
            let expires = if date == "never" {
                None
            } else {
                Some(parse_date_end(&date)?)
            };
            rotation::set_expiry(&vault, &session, expires)?;
            match expires {
                Some(e) => println!(
                    "Your key now expires at the end of {}",
                    e.format("%Y-%m-%d")
                ),
                None => println!("Your key no longer expires"),
            }
            Ok(())
        }
        KeyCommand::ExportAgeSecret => {
            let session = ctx.session()?;
            let secret = session.age_secret_text()?;
            eprintln!("dossier: this is your secret decryption key; anyone holding it can read your cases. Keep it offline.");
            println!("{}", secret.expose_secret());
            Ok(())
        }
    }
}

fn case(ctx: &Context, command: CaseCommand) -> Result<()> {
    let reads = matches!(command, CaseCommand::List { .. } | CaseCommand::Show { .. });
    let vault = if reads {
        ctx.vault()?
    } else {
        ctx.vault_for_change()?
    };
    let session = ctx.session()?;
    match command {
        CaseCommand::New {
            title,
            client,
            reference,
            grant,
            protected: _,
            pseudonym,
        } => {
            let grants = grant
                .iter()
                .map(|g| vault.resolve_entry(g))
                .collect::<Result<Vec<_>>>()?;
            let id = cases::create(
                &vault,
                &session,
                cases::NewCase {
                    title,
                    client,
                    reference,
                    grants,
                    pseudonym,
                    conflict_check: None,
                },
            )?;
            println!("{id}");
            Ok(())
        }
        CaseCommand::List { json } => {
            output::case_list(&vault, &cases::list(&vault, &session)?, json.json)
        }
        CaseCommand::Show { id, json } => {
            let id = vault.resolve_case(&id)?;
            output::case_show(&vault, &cases::open(&vault, &session, &id)?, json.json)
        }
        CaseCommand::Set { id, assignments } => {
            let id = vault.resolve_case(&id)?;
            cases::set_fields(&vault, &session, &id, &assignments)?;
            eprintln!("{}", Done::Updated(id));
            Ok(())
        }
        CaseCommand::Close { id, yes } => {
            let id = vault.resolve_case(&id)?;
            confirm(
                &format!("Close case {id}? Its status becomes closed, dated today, and the retention policy dates it."),
                yes,
                "closes a case",
            )?;
            cases::close(&vault, &session, &id)?;
            eprintln!("{}", Done::Closed(id));
            Ok(())
        }
        CaseCommand::Add {
            id,
            list,
            assignments,
        } => {
            let case = vault.resolve_case(&id)?;
            let item = cases::edit_item(
                &vault,
                &session,
                &case,
                &list,
                ItemChange::Add(&assignments),
            )?;
            println!("{item}");
            eprintln!("{}", Done::ItemAdded { case, list, item });
            Ok(())
        }
        CaseCommand::Edit {
            id,
            list,
            item,
            assignments,
        } => {
            let case = vault.resolve_case(&id)?;
            cases::edit_item(
                &vault,
                &session,
                &case,
                &list,
                ItemChange::Edit(&item, &assignments),
            )?;
            eprintln!("{}", Done::ItemUpdated { case, list, item });
            Ok(())
        }
        CaseCommand::Rm {
            id,
            list,
            item,
            yes,
        } => {
            let case = vault.resolve_case(&id)?;
            confirm(
                &format!("Remove {item} from the {list} of case {case}? History keeps it."),
                yes,
                "removes an item of a case",
            )?;
            cases::edit_item(&vault, &session, &case, &list, ItemChange::Remove(&item))?;
            eprintln!("{}", Done::ItemRemoved { case, list, item });
            Ok(())
        }
        CaseCommand::Repair {
            id,
            include_record,
            yes,
        } => {
            let id = vault.resolve_case(&id)?;
            let plan = cases::repair_plan(&vault, &session, &id, include_record)?;
            if !plan.remove.is_empty() {
                eprintln!(
                    "These files of case {id} cannot be decrypted with your keys and will be removed (they stay in history):"
                );
                for rel in &plan.remove {
                    eprintln!("  {rel}");
                }
                confirm(
                    &format!("Remove them from case {id}?"),
                    yes,
                    "removes files",
                )?;
            }
            let repaired = cases::repair(&vault, &session, &plan)?;
            print!("{}", repaired.details());
            eprintln!("{repaired}");
            Ok(())
        }
    }
}

/// A destructive command goes ahead only with `--yes`, or when the person
/// answers yes on a terminal; without a terminal and without `--yes` it is
/// refused (DESIGN §10).
fn confirm(question: &str, yes: bool, what: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    match super::ask::yes_no(question) {
        Some(true) => Ok(()),
        Some(false) => Err(Error::Refused("not confirmed; nothing was changed".into())),
        None => Err(Error::Refused(format!(
            "this command {what} and there is no terminal to ask on; run it again with --yes to confirm (nothing was changed)"
        ))),
    }
}

/// `destroy`: on a terminal, the person types the case's reference (its id
/// when they cannot read it) to confirm; without one, `--yes` is needed.
fn destroy(ctx: &Context, id: &str, ground: &str, early: bool, yes: bool) -> Result<()> {
    let vault = ctx.vault_for_change()?;
    let id = vault.resolve_case(id)?;
    let session = ctx.session()?;
    if !yes {
        let expected = cases::read_record(&vault, &session, &id)
            .map(|r| r.reference.clone())
            .unwrap_or_else(|_| id.to_string());
        let what = if expected == id.to_string() {
            "its id".to_string()
        } else {
            format!("its reference ({expected})")
        };
        let question = format!(
            "Destroy case {id}? Every current file of it is removed; its history stays in git and in every clone. Type {what} to confirm:"
        );
        match super::ask::typed(&question) {
            Some(answer) if answer.trim() == expected => {}
            Some(_) => {
                return Err(Error::Refused(
                    "what you typed is not the case's reference; nothing was destroyed".into(),
                ))
            }
            None => {
                return Err(Error::Refused(
                    "this command destroys a case and there is no terminal to ask on; run it again with --yes to confirm (nothing was destroyed)".into(),
                ))
            }
        }
    }
    println!(
        "{}",
        retention::destroy(&vault, &session, &id, ground, early)?
    );
    Ok(())
}

fn note_add(ctx: &Context, id: &str, text: Option<String>) -> Result<()> {
    let vault = ctx.vault_for_change()?;
    let id = vault.resolve_case(id)?;
    let session = ctx.session()?;
    let text = match text {
        Some(t) => t,
        None => {
            let mut t = String::new();
            std::io::stdin()
                .read_to_string(&mut t)
                .map_err(Error::io("read", "standard input"))?;
            t
        }
    };
    cases::add_note(&vault, &session, &id, &text)?;
    eprintln!("{}", Done::NoteAdded(id));
    Ok(())
}

/// `grant` (`revoke: None`) or `revoke-access` (`Some(yes)`, which asks
/// first on a terminal).
fn access(ctx: &Context, id: &str, who: &str, revoke: Option<bool>) -> Result<()> {
    let vault = ctx.vault_for_change()?;
    let id: CaseId = vault.resolve_case(id)?;
    let entry = vault.resolve_entry(who)?;
    if let Some(yes) = revoke {
        let whom = match &entry {
            dossier::case::AccessEntry::Key(fp) => vault.keyring().label(fp),
            group => group.to_string(),
        };
        confirm(
            &format!("Revoke {whom}'s access to case {id}? Its files are re-encrypted without them; copies they already fetched, and old versions in history, stay readable to them."),
            yes,
            "revokes access",
        )?;
    }
    let session = ctx.session()?;
    let change = match revoke {
        None => cases::grant(&vault, &session, &id, entry)?,
        Some(_) => cases::revoke_access(&vault, &session, &id, entry)?,
    };
    eprintln!("{change}");
    eprint!("{}", change.details());
    Ok(())
}

fn group_set(ctx: &Context, name: &str, members: &[String]) -> Result<()> {
    let vault = ctx.vault_for_change()?;
    let fps = members
        .iter()
        .map(|m| vault.keyring().resolve(m))
        .collect::<Result<Vec<_>>>()?;
    let session = ctx.session()?;
    let change = admin::set_group(&vault, &session, name, &fps, &progress_line)?;
    end_progress();
    eprintln!("{change}");
    print!("{}", change.outcome.details());
    Ok(())
}

fn verify(ctx: &Context, json: bool) -> Result<()> {
    // History that does not verify is one of the problems verify reports.
    let vault = ctx.audit_vault_quiet()?;
    let session = ctx.session()?;
    let report = verify::verify(&vault, &session)?;
    output::verify(&report, json)?;
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::ProblemsFound(report.problems.len()))
    }
}

fn rekey(ctx: &Context, ids: &[String]) -> Result<()> {
    let vault = ctx.vault_for_change()?;
    let ids = ids
        .iter()
        .map(|i| vault.resolve_case(i))
        .collect::<Result<Vec<_>>>()?;
    let session = ctx.session()?;
    let rekeyed = admin::rekey_cases(&vault, &session, &ids, &progress_line)?;
    end_progress();
    eprintln!("{rekeyed}");
    print!("{}", rekeyed.outcome.details());
    Ok(())
}

/// Progress of a long re-encryption, on one rewritten stderr line when
/// stderr is a terminal.
fn progress_line(p: rekey::Progress) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() && p.total > 0 {
        let _ = write!(err, "\rre-encrypting: {}/{} cases", p.done, p.total);
        let _ = err.flush();
    }
}

fn end_progress() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
}

/// `dossier man DIR`: `dossier.1` and `dossier-COMMAND.1` for each
/// command, each a new file (never over one) in a directory that exists.
fn man_pages(dir: &std::path::Path) -> Result<()> {
    let root = super::command();
    let mut pages = vec![("dossier".to_string(), root.clone())];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("dossier-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, cmd) in pages {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut page)
            .map_err(Error::io("render the manual page", &name))?;
        let path = dir.join(format!("{name}.1"));
        dossier::support::fsio::write_new(&path, &page, dossier::support::fsio::Mode::Shared)?;
        println!("{}", path.display());
    }
    Ok(())
}

fn grep(ctx: &Context, pattern: &str, json: bool) -> Result<()> {
    let vault = ctx.vault()?;
    let session = ctx.session()?;
    let hits = search::grep(&vault, &session, pattern)?;
    if json {
        let value = serde_json::to_value(&hits)
            .map_err(|e| Error::Refused(format!("cannot print JSON: {e}")))?;
        return output::print_json(&value);
    }
    for h in &hits {
        println!("{}  {}: {}", h.case, h.location, h.line);
    }
    if hits.is_empty() {
        eprintln!("no matches in the cases you can read");
    }
    Ok(())
}

fn log(ctx: &Context, id: Option<&str>, json: bool) -> Result<()> {
    let vault = ctx.audit_vault()?;
    let case = id.map(|i| vault.resolve_case(i)).transpose()?;
    output::log(&vault, &log::read(&vault, case.as_ref())?, json)
}

/// No subcommand: the terminal UI, on the vault and identity the other
/// commands would use. Needs a terminal on both ends.
fn tui(ctx: &Context, theme: Option<String>) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(Error::Refused(
            "the terminal UI needs a terminal; use the subcommands in scripts (`dossier --help`)"
                .into(),
        ));
    }
    let vault = ctx.vault()?;
    crate::tui::run(Launch::new(vault.root().to_path_buf(), ctx.home()?, theme))
}

fn demo(dir: Option<PathBuf>, no_tui: bool, extra: usize, theme: Option<String>) -> Result<()> {
    use std::io::IsTerminal;
    let demo = dossier::samples::demo::create(dir.as_deref())?;
    if extra > 0 {
        eprintln!("generating {extra} synthetic cases...");
        let vault = Vault::open(&demo.vault)?;
        let readers = [AccessEntry::Group("immigration".into())];
        dossier::samples::generate::cases(&vault, &demo.session()?, extra, &readers, 1)?;
    }
    if !no_tui && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        crate::tui::run(Launch::new(
            demo.vault.clone(),
            dossier::keys::identity::Home::new(&demo.home),
            theme,
        ))?;
        println!("Demo vault: {}", demo.vault.display());
        println!(
            "Open it again: DOSSIER_HOME={} dossier --vault {}   (passphrase: {})",
            demo.home.display(),
            demo.vault.display(),
            dossier::samples::demo::PASSPHRASE
        );
        return Ok(());
    }
    println!("Demo vault: {}", demo.vault.display());
    println!(
        "Demo identity: {} (passphrase: {})",
        demo.home.display(),
        dossier::samples::demo::PASSPHRASE
    );
    println!();
    let vault = Vault::open(&demo.vault)?;
    let session = demo.session()?;
    output::case_list(&vault, &cases::list(&vault, &session)?, false)?;
    println!();
    println!(
        "Try: DOSSIER_HOME={} dossier --vault {} case show <ID>",
        demo.home.display(),
        demo.vault.display()
    );
    Ok(())
}

fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::InvalidValue {
        field: "--since".into(),
        reason: "expected a date as YYYY-MM-DD".into(),
    })
}

fn parse_date_end(s: &str) -> Result<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::InvalidValue {
        field: "--expires".into(),
        reason: "expected a date as YYYY-MM-DD".into(),
    })?;
    let end = d.and_hms_opt(23, 59, 59).unwrap_or_default();
    Ok(Utc.from_utc_datetime(&end))
}
