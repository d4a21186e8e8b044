//! Drawing the case detail: the header, the body of a case that cannot be
//! shown, and each tab. Conditions on information received are shown
//! wherever their item is (the overview's fields, the documents), and
//! lapsing consents and binding conditions head the overview.

use dossier::case::record::{Condition, Deadline};
use dossier::case::CaseRecord;
use dossier::ops::cases::SummaryState;
use dossier::ops::disclose::{self, ConsentState, EXPIRING_DAYS};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{DetailState, Tab};
use crate::tui::model::{AccessKind, LoadedCase};
use crate::tui::shared::Shared;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{
    log_table, paint_selection, row_style, sensitivity_style, validity_style,
};

pub(super) fn header_line<'a>(t: &Theme, r: &CaseRecord, id: &str) -> Line<'a> {
    let sens = sensitivity_style(t, r.sensitivity);
    Line::from(vec![
        Span::styled(
            format!(" {} · {}", r.reference, r.title),
            t.style(Role::Header),
        ),
        Span::styled(format!("  [{}]", r.status), t.style(Role::Accent)),
        Span::styled(format!(" [{}]", r.sensitivity), sens),
        Span::styled(format!("  {id}"), t.style(Role::Muted)),
    ])
}

/// The whole body for a case that cannot be shown: locked, damaged,
/// failed, or still loading.
pub(super) fn blocked_text<'a>(ctx: &Shared, d: &DetailState) -> Option<Vec<Line<'a>>> {
    let t = &ctx.theme;
    let owners = |d: &DetailState| -> Vec<Line<'a>> {
        d.summary
            .iter()
            .flat_map(|s| s.owners.iter())
            .map(|o| {
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(ctx.info.name_of(o), t.style(Role::Text)),
                    Span::styled(format!("  {}", o.grouped()), t.style(Role::Muted)),
                ])
            })
            .collect()
    };
    if let Some(s) = &d.summary {
        match &s.state {
            SummaryState::Locked => {
                let mut lines = vec![
                    Line::default(),
                    Line::styled(
                        format!(" Locked: case {} is not encrypted to your key.", d.id),
                        t.style(Role::Locked),
                    ),
                    Line::default(),
                    Line::styled(" Its owners can grant you access:", t.style(Role::Text)),
                ];
                lines.extend(owners(d));
                return Some(lines);
            }
            SummaryState::Damaged { problem } => {
                let mut lines = vec![
                    Line::default(),
                    Line::styled(format!(" {problem}"), t.style(Role::Danger)),
                    Line::default(),
                    Line::styled(" Owners:", t.style(Role::Text)),
                ];
                lines.extend(owners(d));
                return Some(lines);
            }
            SummaryState::Readable { .. } => {}
        }
    }
    if let Some(e) = &d.error {
        return Some(vec![
            Line::default(),
            Line::styled(format!(" {e}"), t.style(Role::Danger)),
        ]);
    }
    if d.loaded.is_none() {
        return Some(vec![
            Line::default(),
            Line::styled(" Decrypting the case…", t.style(Role::Muted)),
        ]);
    }
    None
}

pub(super) fn overview(f: &mut Frame, ctx: &Shared, l: &LoadedCase, scroll: usize, area: Rect) {
    let t = &ctx.theme;
    let r = &l.case.record;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let mut client = r.client.name.clone();
    if r.protected_identity {
        client.push_str(&format!(
            "  (protected: lists show \"{}\")",
            r.pseudonym.as_deref().unwrap_or("(protected)")
        ));
    }
    let identifiers: Vec<String> = r
        .client
        .identifiers
        .iter()
        .map(|i| format!("{}: {}", i.kind, i.value))
        .collect();
    let next = r
        .next_deadline()
        .map(|d| format!("{}  {}", d.date, d.what))
        .unwrap_or_default();
    // (label, the field's path for conditions, value)
    let rows: Vec<(&str, &str, String)> = vec![
        ("Reference", "reference", r.reference.clone()),
        ("Title", "title", r.title.clone()),
        ("Status", "status", r.status.to_string()),
        ("Sensitivity", "sensitivity", r.sensitivity.to_string()),
        ("Practice area", "practice_area", opt(&r.practice_area)),
        ("Jurisdictions", "jurisdictions", r.jurisdictions.join(", ")),
        ("Opened", "opened", date(r.opened)),
        ("Closed", "closed", date(r.closed)),
        ("Client", "client.name", client),
        ("Date of birth", "client.date_of_birth", date(r.client.date_of_birth)),
        ("Nationality", "client.nationality", opt(&r.client.nationality)),
        ("Identifiers", "client.identifiers", identifiers.join("; ")),
        ("Email", "client.contact.email", opt(&r.client.contact.email)),
        ("Phone", "client.contact.phone", opt(&r.client.contact.phone)),
        ("Address", "client.contact.address", opt(&r.client.contact.address)),
        ("Next deadline", "", next),
        ("Retention until", "retention_until", date(r.retention_until)),
        ("Tags", "tags", r.tags.join(", ")),
        (
            "Contents",
            "",
            format!(
                "{} note(s), {} document(s), {} part(ies), {} disclosure(s)",
                l.case.notes.len(),
                l.documents.len(),
                r.parties.len(),
                r.disclosures.len()
            ),
        ),
    ];
    let mut lines: Vec<Line> = disclose::attention(r, ctx.today)
        .into_iter()
        .map(|a| Line::styled(format!(" ! {a}"), t.style(Role::Warning)))
        .collect();
    if !lines.is_empty() {
        lines.push(Line::default());
    }
    lines.extend(rows.into_iter().map(|(k, path, v)| {
        let mut spans = vec![
            Span::styled(format!(" {k:<16}"), t.style(Role::Muted)),
            Span::styled(v, t.style(Role::Text)),
        ];
        if let Some(c) = binding(r, &format!("field:{path}"), ctx) {
            spans.push(Span::styled(
                format!("  [condition {}: {}]", c.id, condition_terms(c)),
                t.style(Role::Warning),
            ));
        }
        Line::from(spans)
    }));
    let max = lines.len().saturating_sub(area.height as usize);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

pub(super) fn notes(f: &mut Frame, ctx: &Shared, l: &LoadedCase, scroll: usize, area: Rect) {
    let t = &ctx.theme;
    let mut lines: Vec<Line> = Vec::new();
    if l.case.notes.is_empty() {
        lines.push(Line::styled(
            " No notes yet. Press a to write one.",
            t.style(Role::Muted),
        ));
    }
    for n in l.case.notes.iter().rev() {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} ", n.created.format("%Y-%m-%d %H:%M")),
                t.style(Role::Accent),
            ),
            Span::styled(ctx.info.name_of(&n.author), t.style(Role::Muted)),
        ]));
        for text in n.text.trim_end().lines() {
            lines.push(Line::styled(format!("   {text}"), t.style(Role::Text)));
        }
        lines.push(Line::default());
    }
    let max = lines.len().saturating_sub(area.height as usize);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

/// A tab's table: header, widths, rows with their style, and the text shown when empty.
type TabTable<'a> = (
    Vec<&'static str>,
    Vec<Constraint>,
    Vec<(Vec<Cell<'a>>, Style)>,
    &'static str,
);

pub(super) fn table_tab(f: &mut Frame, ctx: &Shared, d: &DetailState, l: &LoadedCase, offset: usize, area: Rect) {
    let t = &ctx.theme;
    let r = &l.case.record;
    let (header, widths, rows, empty): TabTable = match d.tab {
        Tab::Parties => (
            vec!["Name", "Role"],
            vec![Constraint::Percentage(60), Constraint::Percentage(40)],
            r.parties
                .iter()
                .map(|p| {
                    (
                        vec![Cell::from(p.name.clone()), Cell::from(p.role.clone())],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No parties recorded. Press o to add one.",
        ),
        Tab::Deadlines => {
            let today = ctx.today;
            let ds = deadlines_shown(r);
            (
                vec!["Date", "What", "Done"],
                vec![
                    Constraint::Length(11),
                    Constraint::Min(10),
                    Constraint::Length(5),
                ],
                ds.into_iter()
                    .map(|x| {
                        let style = if x.done {
                            t.style(Role::Muted)
                        } else if x.date < today {
                            t.style(Role::Danger)
                        } else {
                            t.style(Role::Text)
                        };
                        (
                            vec![
                                Cell::from(x.date.to_string()),
                                Cell::from(x.what.clone()),
                                Cell::from(if x.done { "done" } else { "" }),
                            ],
                            style,
                        )
                    })
                    .collect(),
                "No deadlines. Press o to add one; Space marks the selected one done.",
            )
        }
        Tab::Documents => (
            vec!["Name", "Size", "Added", "By", "Condition"],
            vec![
                Constraint::Min(16),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Length(16),
                Constraint::Length(24),
            ],
            l.documents
                .iter()
                .map(|doc| {
                    let condition = binding(r, &format!("document:{}", doc.id), ctx)
                        .map(|c| format!("{}: {}", c.id, condition_terms(c)))
                        .unwrap_or_default();
                    (
                        vec![
                            Cell::from(doc.name.clone()),
                            Cell::from(human_size(doc.size)),
                            Cell::from(doc.added.format("%Y-%m-%d").to_string()),
                            Cell::from(ctx.info.name_of(&doc.added_by)),
                            Cell::from(Span::styled(condition, t.style(Role::Warning))),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No documents. Press A to attach a file; x exports the selected one.",
        ),
        Tab::Consents => {
            let horizon = ctx.today + chrono::Duration::days(i64::from(EXPIRING_DAYS));
            (
                vec!["Date", "Given by", "Scope", "Expires", "State", "Covers"],
                vec![
                    Constraint::Length(11),
                    Constraint::Length(16),
                    Constraint::Min(10),
                    Constraint::Length(11),
                    Constraint::Length(10),
                    Constraint::Length(22),
                ],
                r.consents
                    .iter()
                    .map(|c| {
                        let state = disclose::consent_state(c, ctx.today, horizon);
                        let (word, style) = match state {
                            ConsentState::Current => ("current", t.style(Role::Text)),
                            ConsentState::Expiring => ("expiring", t.style(Role::Warning)),
                            ConsentState::Expired => ("EXPIRED", t.style(Role::Danger)),
                            ConsentState::Withdrawn => ("withdrawn", t.style(Role::Muted)),
                        };
                        let covers = match &c.covers {
                            None => "nothing (no covers)".to_string(),
                            Some(s) => [
                                (s.fields.len(), "field"),
                                (s.documents.len(), "doc"),
                                (s.notes.len(), "note"),
                                (s.recipients.len(), "recipient"),
                            ]
                            .iter()
                            .filter(|(n, _)| *n > 0)
                            .map(|(n, what)| format!("{n} {what}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        };
                        (
                            vec![
                                Cell::from(c.date.to_string()),
                                Cell::from(c.given_by.clone()),
                                Cell::from(c.scope.clone()),
                                Cell::from(c.expiry.map(|e| e.to_string()).unwrap_or_default()),
                                Cell::from(word),
                                Cell::from(covers),
                            ],
                            style,
                        )
                    })
                    .collect(),
                "No consents recorded. Press o to record one; d withdraws the selected one.",
            )
        }
        Tab::Conditions => (
            vec!["Item", "Set by", "Condition", "Until", "State"],
            vec![
                Constraint::Length(24),
                Constraint::Length(16),
                Constraint::Min(20),
                Constraint::Length(11),
                Constraint::Length(19),
            ],
            r.conditions
                .iter()
                .map(|c| {
                    let (state, style) = match &c.released {
                        Some(rel) => (
                            format!("released {}", rel.date),
                            t.style(Role::Muted),
                        ),
                        None if disclose::in_force(c, ctx.today) => {
                            ("in force".to_string(), t.style(Role::Warning))
                        }
                        None => ("lapsed".to_string(), t.style(Role::Muted)),
                    };
                    (
                        vec![
                            Cell::from(c.item.clone()),
                            Cell::from(c.set_by.clone()),
                            Cell::from(condition_terms(c)),
                            Cell::from(c.until.map(|u| u.to_string()).unwrap_or_default()),
                            Cell::from(state),
                        ],
                        style,
                    )
                })
                .collect(),
            "No conditions on information received. Press o to record one; d releases the selected one.",
        ),
        Tab::Disclosures => {
            let made = r.disclosures.iter().map(|x| {
                (
                    vec![
                        Cell::from(x.date.to_string()),
                        Cell::from(x.to.clone()),
                        Cell::from(x.legal_basis.clone()),
                        Cell::from(x.scope.clone()),
                        Cell::from(x.authorised_by.clone()),
                        Cell::from(x.reference.clone().unwrap_or_default()),
                    ],
                    t.style(Role::Text),
                )
            });
            let pending = super::pending_requests(r).map(|q| {
                (
                    vec![
                        Cell::from(q.date.to_string()),
                        Cell::from(q.to.clone()),
                        Cell::from(q.basis.clone()),
                        Cell::from(format!("request {}", q.id)),
                        Cell::from("awaiting approval"),
                        Cell::from(q.reference.clone().unwrap_or_default()),
                    ],
                    t.style(Role::Warning),
                )
            });
            (
                vec!["Date", "To", "Legal basis", "Scope", "Authorised by", "Ref"],
                vec![
                    Constraint::Length(11),
                    Constraint::Length(14),
                    Constraint::Length(13),
                    Constraint::Min(8),
                    Constraint::Length(12),
                    Constraint::Length(12),
                ],
                made.chain(pending).collect(),
                "No disclosures recorded. Press D to make one.",
            )
        }
        Tab::Access => (
            vec!["Access", "Name", "Fingerprint", "Validity"],
            vec![
                Constraint::Length(12),
                Constraint::Length(18),
                Constraint::Min(20),
                Constraint::Length(11),
            ],
            l.access
                .iter()
                .map(|a| {
                    let kind = match &a.kind {
                        AccessKind::Owner => "owner".to_string(),
                        AccessKind::Reader => "reader".to_string(),
                        AccessKind::Group(_) => "group".to_string(),
                        AccessKind::Member(_) => "  member".to_string(),
                    };
                    (
                        vec![
                            Cell::from(kind),
                            Cell::from(a.name.clone()),
                            Cell::from(a.fingerprint.map(|f| f.to_string()).unwrap_or_default()),
                            Cell::from(Span::styled(
                                a.validity
                                    .as_ref()
                                    .map(|v| v.to_string())
                                    .unwrap_or_default(),
                                a.validity
                                    .as_ref()
                                    .map_or(t.style(Role::Muted), |v| validity_style(t, v)),
                            )),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "",
        ),
        _ => return,
    };
    let mut area = area;
    if d.tab == Tab::Access {
        let me = ctx.session.as_ref().map(|s| s.fingerprint());
        let may = me.is_some_and(|m| l.case.access.owners.contains(&m) || ctx.info.is_admin(&m));
        let note = if may {
            " You may change access: + grants, - revokes the selected entry."
        } else {
            " Only the case's owners and administrators can change access."
        };
        let [table, foot] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
        f.render_widget(
            Paragraph::new(Line::styled(note, t.style(Role::Muted))),
            foot,
        );
        area = table;
    }
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new(vec![
                Line::default(),
                Line::styled(format!(" {empty}"), t.style(Role::Muted)),
            ]),
            area,
        );
        return;
    }
    let height = area.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (cells, style))| Row::new(cells).style(row_style(t, i == d.selected, style)))
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1),
        area,
    );
    paint_selection(f, t, area, d.selected, offset);
}

pub(super) fn history(f: &mut Frame, ctx: &Shared, d: &DetailState, offset: usize, area: Rect) {
    let t = &ctx.theme;
    let Some(entries) = &d.history else {
        f.render_widget(
            Paragraph::new(Line::styled(" Reading history…", t.style(Role::Muted))),
            area,
        );
        return;
    };
    log_table(f, ctx, entries, d.selected, offset, area, false);
}

fn human_size(n: u64) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    }
}

/// The deadlines in the order the tab shows them: by date.
pub fn deadlines_shown(r: &CaseRecord) -> Vec<&Deadline> {
    let mut ds: Vec<&Deadline> = r.deadlines.iter().collect();
    ds.sort_by_key(|x| x.date);
    ds
}

/// The condition in force on `item` (`field:<path>`, `document:<id>`).
fn binding<'a>(r: &'a CaseRecord, item: &str, ctx: &Shared) -> Option<&'a Condition> {
    r.conditions
        .iter()
        .find(|c| c.item.trim() == item && disclose::in_force(c, ctx.today))
}

/// What a condition says, in one phrase.
fn condition_terms(c: &Condition) -> String {
    let mut terms = Vec::new();
    if let Some(p) = &c.use_only_for {
        terms.push(format!("use only for {p}"));
    }
    if let Some(a) = &c.no_onward_transfer_without {
        terms.push(format!("no onward transfer without {a}"));
    }
    if terms.is_empty() {
        terms.push("no disclosure".into());
    }
    terms.join("; ")
}
