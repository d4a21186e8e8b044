//! A case in tabs: overview, parties, deadlines, notes, documents,
//! consents, disclosures, access, history. A case the user cannot read
//! shows its id and owners and nothing else.

use dossier::audit::log::LogEntry;
use dossier::case::CaseRecord;
use dossier::ops::cases::SummaryState;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Tabs, Wrap};
use ratatui::Frame;

use super::{
    flagged, row_style, scroll_window, sensitivity_style, signature_style, validity_style,
};
use crate::tui::app::{App, DetailState, Tab};
use crate::tui::data::{AccessKind, LoadedCase};
use crate::tui::theme::{Role, Theme};

/// Draws the open case.
pub fn render(f: &mut Frame, app: &mut App, area: Rect) {
    let Some(d) = &app.detail else {
        return;
    };
    let t = &app.theme;
    let [head, tabs, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);

    let title = match (&d.loaded, &d.summary) {
        (Some(l), _) => header_line(t, &l.case.record, &d.id.to_string()),
        (None, Some(s)) => match &s.state {
            SummaryState::Readable { record } => header_line(t, record, &d.id.to_string()),
            _ => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
        },
        (None, None) => Line::styled(format!(" Case {}", d.id), t.style(Role::Header)),
    };
    f.render_widget(Paragraph::new(title), head);

    let blocked = blocked_text(app, d);
    if let Some(lines) = blocked {
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.style(Role::Border));
        f.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            Rect {
                y: tabs.y,
                height: tabs.height + body.height,
                ..tabs
            },
        );
        return;
    }

    let titles: Vec<Line> = Tab::ALL.iter().map(|tab| Line::from(tab.title())).collect();
    f.render_widget(
        Tabs::new(titles)
            .select(d.tab.index())
            .style(t.style(Role::TabInactive))
            .highlight_style(t.style(Role::TabActive))
            .divider("│")
            .padding(" ", " "),
        tabs,
    );

    let Some(l) = &d.loaded else {
        return;
    };
    let height = body.height.saturating_sub(1) as usize;
    let offset = scroll_window(d.selected, d.offset, height);
    match d.tab {
        Tab::Overview => overview(f, t, l, d.selected, body),
        Tab::Notes => notes(f, app, l, d.selected, body),
        Tab::History => history(f, app, d, offset, body),
        _ => table_tab(f, app, d, l, offset, body),
    }
    if let Some(d) = &mut app.detail {
        d.offset = offset;
    }
}

fn header_line<'a>(t: &Theme, r: &CaseRecord, id: &str) -> Line<'a> {
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
fn blocked_text<'a>(app: &App, d: &DetailState) -> Option<Vec<Line<'a>>> {
    let t = &app.theme;
    let owners = |d: &DetailState| -> Vec<Line<'a>> {
        d.summary
            .iter()
            .flat_map(|s| s.owners.iter())
            .map(|o| {
                Line::from(vec![
                    Span::raw("   "),
                    Span::styled(app.info.name_of(o), t.style(Role::Text)),
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

fn overview(f: &mut Frame, t: &Theme, l: &LoadedCase, scroll: usize, area: Rect) {
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
    let rows: Vec<(&str, String)> = vec![
        ("Reference", r.reference.clone()),
        ("Title", r.title.clone()),
        ("Status", r.status.to_string()),
        ("Sensitivity", r.sensitivity.to_string()),
        ("Practice area", opt(&r.practice_area)),
        ("Jurisdictions", r.jurisdictions.join(", ")),
        ("Opened", date(r.opened)),
        ("Closed", date(r.closed)),
        ("Client", client),
        ("Date of birth", date(r.client.date_of_birth)),
        ("Nationality", opt(&r.client.nationality)),
        ("Identifiers", identifiers.join("; ")),
        ("Email", opt(&r.client.contact.email)),
        ("Phone", opt(&r.client.contact.phone)),
        ("Address", opt(&r.client.contact.address)),
        ("Next deadline", next),
        ("Retention until", date(r.retention_until)),
        ("Tags", r.tags.join(", ")),
        (
            "Contents",
            format!(
                "{} note(s), {} document(s), {} part(ies), {} disclosure(s)",
                l.case.notes.len(),
                l.documents.len(),
                r.parties.len(),
                r.disclosures.len()
            ),
        ),
    ];
    let lines: Vec<Line> = rows
        .into_iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!(" {k:<16}"), t.style(Role::Muted)),
                Span::styled(v, t.style(Role::Text)),
            ])
        })
        .collect();
    let max = lines.len().saturating_sub(area.height as usize);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

fn notes(f: &mut Frame, app: &App, l: &LoadedCase, scroll: usize, area: Rect) {
    let t = &app.theme;
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
            Span::styled(app.info.name_of(&n.author), t.style(Role::Muted)),
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

fn table_tab(f: &mut Frame, app: &App, d: &DetailState, l: &LoadedCase, offset: usize, area: Rect) {
    let t = &app.theme;
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
            "No parties recorded. Add them with e (field `parties`).",
        ),
        Tab::Deadlines => {
            let today = chrono::Utc::now().date_naive();
            let mut ds: Vec<_> = r.deadlines.iter().collect();
            ds.sort_by_key(|x| x.date);
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
                "No deadlines. Add them with e (field `deadlines`).",
            )
        }
        Tab::Documents => (
            vec!["Name", "Size", "Added", "By"],
            vec![
                Constraint::Min(16),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Length(16),
            ],
            l.documents
                .iter()
                .map(|doc| {
                    (
                        vec![
                            Cell::from(doc.name.clone()),
                            Cell::from(human_size(doc.size)),
                            Cell::from(doc.added.format("%Y-%m-%d").to_string()),
                            Cell::from(app.info.name_of(&doc.added_by)),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No documents. Press A to attach a file; x exports the selected one.",
        ),
        Tab::Consents => (
            vec!["Date", "Given by", "Scope", "Expires"],
            vec![
                Constraint::Length(11),
                Constraint::Length(18),
                Constraint::Min(10),
                Constraint::Length(11),
            ],
            r.consents
                .iter()
                .map(|c| {
                    (
                        vec![
                            Cell::from(c.date.to_string()),
                            Cell::from(c.given_by.clone()),
                            Cell::from(c.scope.clone()),
                            Cell::from(c.expiry.map(|e| e.to_string()).unwrap_or_default()),
                        ],
                        t.style(Role::Text),
                    )
                })
                .collect(),
            "No consents recorded.",
        ),
        Tab::Disclosures => (
            vec!["Date", "To", "Legal basis", "Scope", "Authorised by", "Ref"],
            vec![
                Constraint::Length(11),
                Constraint::Length(14),
                Constraint::Length(13),
                Constraint::Min(8),
                Constraint::Length(12),
                Constraint::Length(12),
            ],
            r.disclosures
                .iter()
                .map(|x| {
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
                })
                .collect(),
            "No disclosures recorded.",
        ),
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
        let me = app.session.as_ref().map(|s| s.fingerprint());
        let may = me.is_some_and(|m| l.case.access.owners.contains(&m) || app.info.is_admin(&m));
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
        .map(|(i, (cells, style))| Row::new(cells).style(row_style(app, i == d.selected, style)))
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1),
        area,
    );
}

fn history(f: &mut Frame, app: &App, d: &DetailState, offset: usize, area: Rect) {
    let t = &app.theme;
    let Some(entries) = &d.history else {
        f.render_widget(
            Paragraph::new(Line::styled(" Reading history…", t.style(Role::Muted))),
            area,
        );
        return;
    };
    log_table(f, app, entries, d.selected, offset, area, false);
}

/// A table of commits (case history and the vault audit trail).
pub fn log_table(
    f: &mut Frame,
    app: &App,
    entries: &[LogEntry],
    selected: usize,
    offset: usize,
    area: Rect,
    with_case: bool,
) {
    let t = &app.theme;
    let height = area.height.saturating_sub(1) as usize;
    let rows: Vec<Row> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, e)| {
            let who = e
                .signer
                .or(e.actor)
                .map(|fp| app.info.name_of(&fp))
                .unwrap_or_else(|| "-".into());
            let mut cells = vec![
                Cell::from(e.time.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(e.commit.chars().take(8).collect::<String>()),
                Cell::from(e.action.clone().unwrap_or_else(|| "(not dossier)".into())),
            ];
            if with_case {
                cells.push(Cell::from(
                    e.case
                        .clone()
                        .or_else(|| e.key.as_ref().map(|k| k.chars().take(19).collect()))
                        .unwrap_or_default(),
                ));
            }
            cells.push(Cell::from(who));
            cells.push(Cell::from(Span::styled(
                e.signature.to_string(),
                signature_style(t, e.signature),
            )));
            let normal = if flagged(e.signature) {
                t.style(Role::Danger)
            } else {
                t.style(Role::Text)
            };
            Row::new(cells).style(row_style(app, i == selected, normal))
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(16),
        Constraint::Length(8),
        Constraint::Length(13),
    ];
    let mut header = vec!["Time", "Commit", "Action"];
    if with_case {
        widths.push(Constraint::Length(19));
        header.push("Case / key");
    }
    widths.extend([Constraint::Min(10), Constraint::Length(19)]);
    header.extend(["By", "Signature"]);
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(t.style(Role::Header)))
            .column_spacing(1),
        area,
    );
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
