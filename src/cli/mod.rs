//! The command line (DESIGN §10). Parsing with clap, then one call into the
//! library per command; errors become one sentence on stderr and exit 1,
//! usage errors exit 2.

mod agent;
mod ask;
mod audit;
mod commands;
mod context;
mod git_driver;
mod output;
mod passphrase;
mod share;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit code for a user error (a clear message was printed).
pub const EXIT_USER: i32 = 1;
/// Exit code for a usage error.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "A terminal case manager for people who hold other people's secrets.",
    long_about = "dossier keeps case files encrypted with age, per recipient, in a git repository \
where every change is a signed commit.\n\nPassphrases are read from DOSSIER_PASSPHRASE, \
--passphrase-file, or a prompt; never from the command line."
)]
pub struct Cli {
    /// The vault directory (default: $DOSSIER_VAULT, else the vault containing the current directory).
    #[arg(long, global = true, env = "DOSSIER_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,
    /// The identity directory (default: $DOSSIER_HOME, else $XDG_DATA_HOME/dossier).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    /// Refused: passphrases on the command line leak into shell history and `ps`.
    #[arg(long, global = true, hide = true, value_name = "PASSPHRASE")]
    passphrase: Option<String>,
    /// Terminal UI theme: default, light, high-contrast, monochrome, or a file in $XDG_CONFIG_HOME/dossier/themes/.
    #[arg(long, global = true, value_name = "NAME")]
    theme: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Create a vault; your key becomes its root administrator.
    Init {
        /// Where to create it (new or empty; default: the current directory).
        dir: Option<PathBuf>,
        /// The vault's name (e.g. the firm's).
        #[arg(long)]
        name: String,
    },
    /// Manage keys: yours and the vault's keyring.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Work with cases.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Notes on a case.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Owners of a case: they may change who reads it.
    #[command(subcommand)]
    Owner(OwnerCommand),
    /// Let a person (fingerprint) or @group read a case, re-encrypting it.
    Grant {
        /// Case id (or a unique prefix).
        id: String,
        /// Fingerprint (or unique prefix) or @group.
        who: String,
    },
    /// Remove a person's or group's access to a case, re-encrypting it.
    RevokeAccess {
        /// Case id (or a unique prefix).
        id: String,
        /// Fingerprint (or unique prefix) or @group.
        who: String,
        /// Do not ask (scripts); without a terminal it is required.
        #[arg(long)]
        yes: bool,
    },
    /// Named groups of people.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Disclose chosen items of a case to one external recipient, on a legal
    /// basis, recorded on the case in the same signed commit.
    #[command(
        long_about = "Disclose chosen fields, documents and notes of a case to one external recipient, on a legal basis from a closed list, recorded on the case in the same signed commit.\n\nThe export is one age file encrypted to the recipient's key alone (age1... or ssh-ed25519 ...), with a cover sheet listing what is enclosed and the SHA-256 of each item; the recipient opens it with stock `age -d`. It is never written over an existing file, and nothing decrypted touches disk.\n\nBases and what each needs: court_order (--reference), statutory_duty, client_consent (a consent on the case, current today, whose `covers` lists every item and the recipient), public_safety (a second person's approval), mutual_legal_assistance (--reference and --instrument), legal_professional_privilege_waived, other (--justification). Disclosures from restricted cases always need a second person's approval.\n\nFour eyes: `--request` records the disclosure on the case (nothing is exported) and prints its request id; an administrator other than the person who asked runs `dossier disclose ID --approve REQUEST --out FILE`, which checks everything again and makes the disclosure in their own signed commit."
    )]
    Disclose {
        /// The case.
        id: String,
        /// The recipient's public key: age1... or "ssh-ed25519 AAAA...".
        #[arg(long, value_name = "KEY", required_unless_present = "approve")]
        to: Option<String>,
        /// The legal basis (see the long help).
        #[arg(long, required_unless_present = "approve")]
        basis: Option<String>,
        /// Field paths to enclose, comma-separated (title,client.name,...).
        #[arg(long, value_delimiter = ',', value_name = "F,...")]
        fields: Vec<String>,
        /// Document ids to enclose, comma-separated.
        #[arg(long, value_delimiter = ',', value_name = "DOC,...")]
        docs: Vec<String>,
        /// Note file names to enclose, comma-separated.
        #[arg(long, value_delimiter = ',', value_name = "NOTE,...")]
        notes: Vec<String>,
        /// The order's or request's reference.
        #[arg(long, value_name = "REF")]
        reference: Option<String>,
        /// Where the recipient is (a country code).
        #[arg(long, value_name = "CC")]
        jurisdiction: Option<String>,
        /// The instrument (treaty, request number) of a mutual legal assistance.
        #[arg(long, value_name = "TEXT")]
        instrument: Option<String>,
        /// Why, for the basis `other`.
        #[arg(long, value_name = "TEXT")]
        justification: Option<String>,
        /// The export file to create (never overwritten).
        #[arg(long, value_name = "FILE", required_unless_present = "request")]
        out: Option<PathBuf>,
        /// Record the disclosure for a second person's approval instead
        /// (public_safety and restricted cases need one); nothing is exported.
        #[arg(long, conflicts_with_all = ["approve", "out"])]
        request: bool,
        /// Approve a pending request (administrators other than who asked)
        /// and make the disclosure it describes.
        #[arg(
            long,
            value_name = "REQUEST",
            conflicts_with_all = ["to", "basis", "fields", "docs", "notes", "reference", "jurisdiction", "instrument", "justification"]
        )]
        approve: Option<String>,
    },
    /// Conflict-of-interest check: is this name in any case, readable or not?
    #[command(
        long_about = "Looks for each NAME in every case of the vault, including cases you cannot read, through the blind index (`blind.idx`): for each match it prints the case id, its owners, the role the name has there (client, client-alias, opposing-party, witness, expert, party) and whether the full name or only a part matched. Never a title, a client's name or any other content.\n\nNames match regardless of case, diacritics, punctuation and word order. Cases with no index, or an index made before the secret was last rotated, cannot be checked: they are listed.\n\n--record ID writes the result on that case (the check made at intake). --reindex indexes every case you can read (an administrator creates the firm secret first in a vault that has none). --reseal (administrators) seals the secret again to exactly the active staff."
    )]
    Conflicts {
        /// The names to look for (a client, a party, an alias).
        #[arg(value_name = "NAME", required_unless_present_any = ["reindex", "reseal"])]
        names: Vec<String>,
        /// Record the result on this case.
        #[arg(long, value_name = "ID")]
        record: Option<String>,
        /// Index every case you can read under the current secret.
        #[arg(long, conflicts_with_all = ["names", "reseal", "record"])]
        reindex: bool,
        /// Seal the secret again to the active staff (administrators).
        #[arg(long, conflicts_with_all = ["names", "record"])]
        reseal: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Who can read what, through which grant, since when; what to review.
    #[command(
        name = "access-review",
        long_about = "For each person, the cases they can read, through which grant (owner, reader, or a group) and since when; for each case, who can read it. Flagged for review: grants --older-than DAYS old or more (default 365); with `log_views` on, people who can read a case they never opened, days on which someone opened many more cases than on their other days (at least 10, and more than three times their average), and openings of cases outside the practice areas of the person's groups (judged on the cases you can read)."
    )]
    AccessReview {
        /// Only this person (fingerprint or unique prefix).
        #[arg(long, value_name = "FP")]
        person: Option<String>,
        /// Flag grants older than this many days.
        #[arg(long, value_name = "DAYS", default_value_t = 365)]
        older_than: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Cases at or past their retention date (and closed cases with none).
    Retention {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Destroy a case: remove every current file of it in one signed commit (administrators).
    #[command(
        long_about = "Removes every current file of the case (record, notes, documents, access list, conflict index) in one signed commit and records the destruction in .dossier/destroyed/ID.yaml: the date, who, and the legal ground you give (in clear text: no names). Nothing is re-encrypted.\n\nIt cannot reach history: every earlier commit, every clone and every bundle still holds the case's encrypted files, readable by whoever held a key to it then. docs/recovery.md describes the honest options for real erasure.\n\nOn a terminal you confirm by typing the case's reference (its id when you cannot read it); scripts pass --yes. A case you can read whose retention date is still ahead is refused unless --early."
    )]
    Destroy {
        /// The case id (or unique prefix).
        id: String,
        /// The legal ground ("retention period ended", "court order 2026/17").
        #[arg(long, value_name = "TEXT")]
        ground: String,
        /// Destroy before the retention date.
        #[arg(long)]
        early: bool,
        /// Do not ask (scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Consents recorded in the cases you can read, with whether each is current.
    Consents {
        /// Only those expired or expiring within DAYS.
        #[arg(long, value_name = "DAYS")]
        expiring: Option<u32>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The disclosure register: every disclosure recorded in the cases you can read.
    Disclosures {
        /// Only disclosures on or after this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only this case.
        #[arg(long = "case", value_name = "ID")]
        case: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
        /// Print CSV instead (for a regulator or an audit).
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Deadlines not yet done in the cases you can read: overdue, today, this week, and the next DAYS days.
    #[command(
        long_about = "Deadlines not yet done in every case you can read: every overdue one (marked OVERDUE), then those due today, in the coming week and up to --days ahead, by date, each with its case (the pseudonym for a protected identity, never the client's name), what is due, and the case's owners. Deadlines marked done are left out. Cases you cannot read are counted, never shown.\n\n--ics FILE writes the same deadlines as an iCalendar file for a calendar application: one all-day event per deadline, its summary the case's reference (or pseudonym) and the deadline's text, nothing else. The file is NOT encrypted; it is never written over an existing file or inside the vault, and is readable by you only (0600)."
    )]
    Agenda {
        /// How many days ahead to look (overdue deadlines always show).
        #[arg(long, value_name = "N", default_value_t = dossier::ops::agenda::DEFAULT_WINDOW_DAYS)]
        days: u32,
        /// Only the overdue deadlines.
        #[arg(long, conflicts_with = "days")]
        overdue: bool,
        #[command(flatten)]
        json: JsonFlag,
        /// Write the deadlines to FILE as an iCalendar file (unencrypted; never overwritten).
        #[arg(long, value_name = "FILE", conflicts_with = "json")]
        ics: Option<PathBuf>,
    },
    /// Search everything you can decrypt (regular expression, smart case).
    Grep {
        /// The pattern.
        pattern: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// History with each commit's actor and signature status; or who could read a case at a commit.
    Log {
        /// Only commits touching this case.
        #[arg(conflicts_with = "who_could_read")]
        id: Option<String>,
        /// Instead: list the fingerprints that could decrypt this case's version at a commit.
        #[arg(long, value_name = "ID")]
        who_could_read: Option<String>,
        /// The commit for --who-could-read (a full or short id, HEAD~3, ...; default HEAD).
        #[arg(long, value_name = "COMMIT", requires = "who_could_read")]
        at: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show the vault's settings, or change them (root administrators): `dossier settings log_views=true`.
    Settings {
        /// NAME=VALUE assignments: log_views=true|false, offline=true|false.
        #[arg(value_name = "NAME=VALUE")]
        assignments: Vec<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Check the whole vault: signatures, access lists, recipients of every file, decryption.
    Verify {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Re-encrypt cases to exactly their current recipients (default: every case you can read that needs it).
    Rekey {
        /// Case ids (or unique prefixes).
        ids: Vec<String>,
    },
    /// Named remotes to sync with (ordinary git remotes: a path, file:// or ssh://).
    #[command(subcommand)]
    Remote(RemoteCommand),
    /// Fetch, verify every incoming commit, merge, and push.
    Sync {
        /// The remote (default: the only one, or `origin`).
        name: Option<String>,
        /// Settle every conflict you were shown by taking one side.
        #[arg(long, value_enum, value_name = "SIDE")]
        prefer: Option<Prefer>,
    },
    /// Make a new vault from a remote URL or a bundle file, verifying every commit.
    Clone {
        /// A path, file:// or ssh:// URL, or a bundle file.
        source: String,
        /// The new vault's directory (new or empty).
        dir: PathBuf,
    },
    /// Carry a vault by hand (air-gapped machines): git bundles.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Run the passphrase agent in the foreground (commands start it for you when `agent: true` is in config.yaml).
    Agent {
        /// Forget the keys and stop after this many seconds without a request.
        #[arg(long, value_name = "SECONDS", default_value_t = crate::passphrase_agent::DEFAULT_IDLE_SECONDS)]
        idle: u64,
    },
    /// Make the passphrase agent forget your keys and stop.
    Lock,
    /// Run by a git server: refuse pushes that `sync` would refuse (see the user guide).
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print shell completions for SHELL (bash, zsh, fish, elvish, powershell) on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (dossier.1, and one per command) into DIR.
    Man {
        /// An existing directory, e.g. ~/.local/share/man/man1.
        dir: PathBuf,
    },
    /// Create a demo vault with sample cases in a temporary directory and open it in the terminal UI.
    Demo {
        /// Create it here instead (must be new or empty).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only print the demo's paths and cases; do not open the terminal UI
        /// (also the behaviour when standard output is not a terminal).
        #[arg(long)]
        no_tui: bool,
        /// Also generate this many synthetic cases (to try dossier at scale).
        #[arg(long, default_value_t = 0, value_name = "N")]
        cases: usize,
    },
    /// Run by git: merge three versions of an encrypted case record (%O %A %B %P).
    #[command(hide = true)]
    MergeDriver {
        base: PathBuf,
        ours: PathBuf,
        theirs: PathBuf,
        path: String,
    },
    /// Run by git: print a decrypted file for `git diff` and `git log -p`.
    #[command(hide = true)]
    Textconv { file: PathBuf },
}

#[derive(Subcommand)]
enum RemoteCommand {
    /// Add a remote.
    Add {
        /// Its name, e.g. `origin`.
        name: String,
        /// A path, file:// or ssh://[user@]host[:port]/path.
        url: String,
    },
    /// List remotes.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand)]
enum OwnerCommand {
    /// Make a person an owner (owners and administrators).
    Add {
        /// Case id (or a unique prefix).
        id: String,
        /// Fingerprint (or unique prefix).
        fp: String,
    },
    /// Make an owner a reader again; the last owner stays.
    Remove {
        /// Case id (or a unique prefix).
        id: String,
        /// Fingerprint (or unique prefix).
        fp: String,
        /// Do not ask (scripts); without a terminal it is required.
        #[arg(long)]
        yes: bool,
    },
}

/// Hooks a git server runs.
#[derive(Subcommand)]
pub enum HookCommand {
    /// pre-receive: read `OLD NEW REF` lines and refuse a push whose history does not verify,
    /// that rewinds or rewrites the vault's branch, or that touches another reference.
    PreReceive,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Write the vault's history to FILE (a git bundle).
    Create {
        /// The bundle to write (must not exist).
        file: PathBuf,
    },
    /// Verify and merge the history in FILE.
    Import {
        /// The bundle to read.
        file: PathBuf,
        /// Settle every conflict you were shown by taking one side.
        #[arg(long, value_enum, value_name = "SIDE")]
        prefer: Option<Prefer>,
    },
}

/// Which side wins the conflicts a merge reported.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Prefer {
    /// This vault's version.
    Ours,
    /// The incoming version.
    Theirs,
}

#[derive(Args, Clone, Copy)]
struct JsonFlag {
    /// Print stable, documented JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create your identity (age encryption key + ed25519 signing key).
    Generate {
        /// Your name, as colleagues know it.
        #[arg(long)]
        name: String,
        /// Your email address.
        #[arg(long)]
        email: String,
        /// Store the keys without a passphrase (only on a machine that is itself encrypted and yours alone).
        #[arg(long)]
        no_passphrase: bool,
        /// Expiry date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        expires: Option<String>,
    },
    /// List keys with their validity.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Print your fingerprint.
    Fingerprint,
    /// Print a public key card (yours by default) as YAML.
    Export {
        /// Fingerprint (or unique prefix) of a key in the vault's keyring.
        fp: Option<String>,
    },
    /// Add a public key card to the vault's keyring (uncertified until an administrator certifies it).
    Import {
        /// The card file (`-` for standard input).
        file: PathBuf,
    },
    /// Certify a card in the keyring (administrators).
    Certify {
        /// Fingerprint (or unique prefix).
        fp: String,
        /// Do not ask (scripts); without a terminal it is required.
        #[arg(long)]
        yes: bool,
    },
    /// Revoke a key (administrators): it leaves every access list and group, and the affected cases are re-encrypted.
    Revoke {
        /// Fingerprint (or unique prefix).
        fp: String,
        /// Why (kept in the vault; not confidential: "left the firm", "laptop lost").
        #[arg(long, default_value = "")]
        reason: String,
        /// Do not ask (scripts); without a terminal it is required.
        #[arg(long)]
        yes: bool,
    },
    /// Give yourself a new encryption key and re-encrypt everything you can read to it.
    Rotate,
    /// Set your key's expiry (YYYY-MM-DD), or `never`.
    Expire {
        /// The date, or `never`.
        date: String,
    },
    /// Print your age secret key, for recovery with stock `age`.
    ExportAgeSecret,
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Create a case; prints its id.
    New {
        /// Title.
        #[arg(long)]
        title: String,
        /// Client's name.
        #[arg(long)]
        client: Option<String>,
        /// The firm's reference (default: the case id).
        #[arg(long)]
        reference: Option<String>,
        /// Also grant read access to a fingerprint or @group (repeatable).
        #[arg(long, value_name = "FP|@GROUP")]
        grant: Vec<String>,
        /// Protect the client's identity from the start (needs --pseudonym).
        #[arg(long, requires = "pseudonym")]
        protected: bool,
        /// The name lists show instead of the client's.
        #[arg(long, requires = "protected")]
        pseudonym: Option<String>,
    },
    /// List cases (pseudonyms for protected identities).
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show a case in full.
    Show {
        /// Case id (or a unique prefix).
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set fields: `dossier case set ID status=pending client.nationality=Eritrean`.
    #[command(after_help = output::fields_help())]
    Set {
        /// Case id (or a unique prefix).
        id: String,
        /// FIELD=VALUE assignments.
        #[arg(required = true, value_name = "FIELD=VALUE")]
        assignments: Vec<String>,
    },
    /// Close a case.
    Close {
        /// Case id (or a unique prefix).
        id: String,
        /// Do not ask (scripts); without a terminal it is required.
        #[arg(long)]
        yes: bool,
    },
    /// Add an item to a list of a case (parties, deadlines, consents, conditions); prints its id.
    Add {
        /// Case id (or a unique prefix).
        id: String,
        /// The list: parties, deadlines, consents or conditions.
        list: String,
        /// FIELD=VALUE for the new item (a dotted FIELD reaches into it: covers.fields=[title]).
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    /// Change fields of one item of a list, found by its id (the id never changes).
    Edit {
        /// Case id (or a unique prefix).
        id: String,
        /// The list: parties, deadlines, consents or conditions.
        list: String,
        /// The item's id (`case show ID --json` lists them).
        item: String,
        /// FIELD=VALUE (an empty VALUE removes the field).
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    /// Remove one item of parties or deadlines (consents are withdrawn, conditions released: never removed).
    Rm {
        /// Case id (or a unique prefix).
        id: String,
        /// The list: parties or deadlines.
        list: String,
        /// The item's id.
        item: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Remove the files of a case you cannot decrypt (owners and administrators), and re-encrypt readable files whose recipient count is off; one commit.
    #[command(
        long_about = "Remove every file of a case that none of your keys decrypts (damaged, altered, or encrypted to someone else), in one signed commit; the removed files stay in history. Files that decrypt but carry a different number of X25519 recipients than the case has are re-encrypted to exactly its recipients, never removed. For owners of the case and administrators who can read it.\n\nThe record (case.yaml.age) is removed only with --include-record: a record you cannot open more often means the case was never re-encrypted to you than that it is damaged, so without the flag nothing is removed."
    )]
    Repair {
        /// Case id (or a unique prefix).
        id: String,
        /// Also remove the record if you cannot decrypt it (the case then has no record).
        #[arg(long)]
        include_record: bool,
        /// Do not ask for confirmation (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum NoteCommand {
    /// Add a note (from --text, else standard input).
    Add {
        /// Case id (or a unique prefix).
        id: String,
        /// The note's text.
        #[arg(long)]
        text: Option<String>,
    },
}

#[derive(Subcommand)]
enum GroupCommand {
    /// Set a group's members (administrators); no members removes it.
    Set {
        /// Group name (letters, digits, '-', '_').
        name: String,
        /// Members' fingerprints (or unique prefixes).
        members: Vec<String>,
    },
    /// List the groups and their members.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
}

/// The command line as clap sees it, for completions and manual pages.
pub(super) fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses argv, runs the command, and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    if cli.passphrase.is_some() {
        eprintln!(
            "dossier: passphrases are never accepted on the command line (they leak into shell history and process lists); set DOSSIER_PASSPHRASE or use --passphrase-file"
        );
        return EXIT_USAGE;
    }
    let timeout = crate::tui::config::Config::loaded().0.lock_timeout();
    dossier::repo::lock::configure(timeout, Some(say_waiting));
    let outcome = commands::dispatch(cli);
    // A change that was recorded says so, whatever happened after it.
    for notice in dossier::repo::notices::take() {
        eprintln!("dossier: warning: {notice}");
    }
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("dossier: {e}");
            EXIT_USER
        }
    }
}

/// Said once when a change has waited a second for another writer.
fn say_waiting() {
    eprintln!("dossier: waiting for another dossier process to finish changing this vault…");
}
