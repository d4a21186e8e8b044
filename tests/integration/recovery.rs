//! docs/recovery.md's commands, run exactly as written against a real vault
//! with the stock tools (age, ssh-keygen, git). The passphrase is typed into
//! a pseudo-terminal, as a person would, because stock age reads it only
//! from a terminal.

use std::process::{Command, Stdio};

use crate::support::{require, World};

fn shell_blocks(markdown: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start() == "```sh" {
            inside = true;
        } else if inside && line.trim_start() == "```" {
            inside = false;
            out.push('\n');
        } else if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_documented_commands_work_with_stock_tools() {
    for tool in ["age", "ssh-keygen", "git", "script"] {
        require(tool);
    }
    let w = World::new();
    let ada = w.person("Ada");
    w.init_vault(&ada);
    let id = w.new_case(&ada, &[]);
    w.ok(
        &ada,
        &[
            "note",
            "add",
            &id,
            "--text",
            "First hearing listed for March.",
        ],
    );

    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/recovery.md")).unwrap();
    let blocks = shell_blocks(&doc);
    assert!(
        blocks.contains("age -d") && blocks.contains("ssh-keygen -Y verify"),
        "doc lost its commands"
    );
    let script_file = w.path("recovery.sh");
    std::fs::write(&script_file, format!("set -euo pipefail\n{blocks}")).unwrap();

    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("bash {}", script_file.display()),
            "/dev/null",
        ])
        .env("VAULT", w.vault())
        .env("DOSSIER_HOME", &ada.home)
        .env("CASE", &id)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .env("HOME", w.path("fakehome"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let passphrase = ada.passphrase.clone();
    let typist = std::thread::spawn(move || {
        use std::io::Write;
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let _ = writeln!(stdin, "{passphrase}");
        std::thread::sleep(std::time::Duration::from_millis(3000));
    });
    let out = child.wait_with_output().unwrap();
    typist.join().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "recovery commands failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.matches("Good \"dossier\" signature").count(),
        2,
        "{text}"
    );
    assert!(
        text.matches("Good \"git\" signature").count() >= 3,
        "{text}"
    );
    assert!(
        text.contains("title: Asylum appeal") && text.contains("name: Miriam Tesfaye"),
        "{text}"
    );
    assert!(text.contains("First hearing listed for March."), "{text}");
    assert!(
        text.lines().any(|l| l.trim() == "1"),
        "one X25519 stanza for one recipient:\n{text}"
    );
    let leftovers: Vec<_> = std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with("dossier-key."))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        leftovers.is_empty(),
        "the decrypted key was left in /dev/shm"
    );
}
