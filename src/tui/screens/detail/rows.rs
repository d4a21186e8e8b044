//! The row editors of the case detail's list tabs: `o` adds a row, Enter
//! edits the selected one, `d` deletes a party or a deadline (after a
//! confirmation), withdraws a consent or releases a condition (both stay on
//! the record), Space marks a deadline done. Every change names the item
//! by its id, so no other item is touched and none is given a new id.
//! Disclosures are never edited: `D` (or `o` on their tab) makes one in the
//! guided dialog, and Enter shows what one enclosed.

use dossier::case::items::{self, ItemList};

use super::{deadlines_shown, pending_requests, DetailScreen, DetailState, Tab, NOT_OPEN};
use crate::tui::action::Action;
use crate::tui::component::Effect;
use crate::tui::data::{Change, ItemOp};
use crate::tui::overlays::confirm::{Confirm, OnYes};
use crate::tui::overlays::disclose::DisclosureDialog;
use crate::tui::overlays::form::item_form;
use crate::tui::overlays::notice::Notice;
use crate::tui::shared::Shared;

/// The list a tab edits, if it edits one.
fn tab_list(tab: Tab) -> Option<&'static ItemList> {
    let name = match tab {
        Tab::Parties => "parties",
        Tab::Deadlines => "deadlines",
        Tab::Consents => "consents",
        Tab::Conditions => "conditions",
        _ => return None,
    };
    items::list(name).ok()
}

/// The id of the selected row's item on a list tab, in the order shown.
fn selected_item(d: &DetailState) -> Option<String> {
    let r = &d.loaded.as_ref()?.case.record;
    let i = d.selected;
    match d.tab {
        Tab::Parties => r.parties.get(i).map(|p| p.id.clone()),
        Tab::Deadlines => deadlines_shown(r).get(i).map(|x| x.id.clone()),
        Tab::Consents => r.consents.get(i).map(|c| c.id.clone()),
        Tab::Conditions => r.conditions.get(i).map(|c| c.id.clone()),
        _ => None,
    }
}

/// Handles the row keys of the detail screen.
pub fn on_row(screen: &mut DetailScreen, a: Action, ctx: &mut Shared) -> Vec<Effect> {
    let Some(d) = &screen.case else {
        return Vec::new();
    };
    let Some(l) = &d.loaded else {
        ctx.error_msg(NOT_OPEN);
        return Vec::new();
    };
    if a == Action::Disclose || (a == Action::AddItem && d.tab == Tab::Disclosures) {
        return vec![Effect::Push(Box::new(DisclosureDialog::new(l, ctx)))];
    }
    if d.tab == Tab::Disclosures {
        return disclosure_row(d, a, ctx);
    }
    let Some(list) = tab_list(d.tab) else {
        ctx.error_msg(
            "rows are edited on the Parties, Deadlines, Consents and Conditions tabs (D discloses)",
        );
        return Vec::new();
    };
    let id = l.case.id.clone();
    let record = &l.case.record;
    if a == Action::AddItem {
        return vec![Effect::Push(Box::new(item_form(
            id,
            record.clone(),
            list,
            None,
            &[],
        )))];
    }
    let Some(item) = selected_item(d) else {
        ctx.error_msg(format!("there is no {} to change here; o adds one", list.item));
        return Vec::new();
    };
    let today = ctx.today.to_string();
    match (a, d.tab) {
        (Action::EditItem, _) => vec![Effect::Push(Box::new(item_form(
            id,
            record.clone(),
            list,
            Some(item),
            &[],
        )))],
        (Action::Toggle, Tab::Deadlines) => {
            let done = record.deadlines.iter().any(|x| x.id == item && x.done);
            let op = ItemOp::Edit(item, vec![format!("done={}", !done)]);
            ctx.start_change(Change::Item(id, list.name, op));
            Vec::new()
        }
        (Action::Toggle, _) => {
            ctx.error_msg("Space marks a deadline done, on the Deadlines tab");
            Vec::new()
        }
        (Action::RemoveItem, Tab::Consents) => {
            if let Some(on) = record
                .consents
                .iter()
                .find(|c| c.id == item)
                .and_then(|c| c.withdrawn)
            {
                ctx.error_msg(format!(
                    "consent {item} was withdrawn on {on}; a withdrawal is recorded for good"
                ));
                return Vec::new();
            }
            let question = format!(
                "Withdraw consent {item} as of today ({today})? The withdrawal is recorded for good and the consent stays on the record; a disclosure resting on it is refused from today."
            );
            let op = ItemOp::Edit(item, vec![format!("withdrawn={today}")]);
            vec![Confirm::ask(
                question,
                OnYes::Change(Change::Item(id, list.name, op)),
            )]
        }
        (Action::RemoveItem, Tab::Conditions) => {
            if record
                .conditions
                .iter()
                .any(|c| c.id == item && c.released.is_some())
            {
                ctx.error_msg(format!(
                    "condition {item} is already released; a release is recorded for good"
                ));
                return Vec::new();
            }
            // A release names who, when and on what authority: the form
            // asks for the reference, with the rest filled in.
            let me = ctx
                .identity
                .as_ref()
                .map(|i| i.card().name.clone())
                .unwrap_or_default();
            let preset = [
                ("released.by", me),
                ("released.date", today),
                ("released.reference", String::new()),
            ];
            vec![Effect::Push(Box::new(item_form(
                id,
                record.clone(),
                list,
                Some(item),
                &preset,
            )))]
        }
        (Action::RemoveItem, _) => {
            let what = match d.tab {
                Tab::Parties => record
                    .parties
                    .iter()
                    .find(|p| p.id == item)
                    .map(|p| p.name.clone()),
                _ => record
                    .deadlines
                    .iter()
                    .find(|x| x.id == item)
                    .map(|x| format!("{} {}", x.date, x.what)),
            }
            .unwrap_or_default();
            let question = format!(
                "Delete {} {item} ({what}) from case {id}? Earlier versions keep it in the case's history.",
                list.item
            );
            let op = ItemOp::Remove(item);
            vec![Confirm::ask(
                question,
                OnYes::Change(Change::Item(id, list.name, op)),
            )]
        }
        _ => Vec::new(),
    }
}

/// Enter on a disclosure shows what it enclosed; nothing else changes one.
fn disclosure_row(d: &DetailState, a: Action, ctx: &mut Shared) -> Vec<Effect> {
    let Some(r) = d.loaded.as_ref().map(|l| &l.case.record) else {
        return Vec::new();
    };
    match a {
        Action::EditItem => {}
        Action::RemoveItem => {
            ctx.error_msg(
                "a disclosure is the record of what left the firm: it is never edited or deleted",
            );
            return Vec::new();
        }
        _ => {
            ctx.error_msg("on the Disclosures tab, Enter shows the selected one and D makes one");
            return Vec::new();
        }
    }
    let text = if let Some(x) = r.disclosures.get(d.selected) {
        let mut lines = vec![
            format!("{} to {} on the basis {}.", x.date, x.to, x.legal_basis),
            format!("Authorised by {}.", x.authorised_by),
        ];
        let optional = [
            ("Reference", &x.reference),
            ("Jurisdiction", &x.jurisdiction),
            ("Instrument", &x.instrument),
            ("Justification", &x.justification),
            ("Approved by", &x.approved_by),
        ];
        for (label, value) in optional {
            if let Some(v) = value {
                lines.push(format!("{label}: {v}."));
            }
        }
        lines.push(format!("Scope: {}.", x.scope));
        for e in &x.enclosed {
            lines.push(format!("  {} {}  sha256 {}", e.kind, e.name, e.sha256));
        }
        if let Some(sha) = &x.export_sha256 {
            lines.push(format!("Export file sha256 {sha}."));
        }
        lines.join("\n")
    } else if let Some(q) = pending_requests(r).nth(d.selected.saturating_sub(r.disclosures.len())) {
        format!(
            "Request {} of {}, by {}, on the basis {}, to {}: awaiting an administrator's approval (`dossier disclose {} --approve {} --out FILE`). Nothing has left the firm.",
            q.id, q.date, q.requested_by, q.basis, q.to, d.id, q.id
        )
    } else {
        return Vec::new();
    };
    vec![Effect::Push(Box::new(Notice {
        title: "Disclosure".into(),
        text,
        error: false,
    }))]
}
