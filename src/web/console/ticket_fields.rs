//! Ticket fields as agents read them: the audit history in the viewer's language (names for ids,
//! translated statuses), and a refused save's "theirs vs yours".

use std::collections::HashMap;

use crate::accounts::agents::Agent;
use crate::i18n::Tr;
use crate::tickets::queries::EventView;
use crate::tickets::teams::Team;
use crate::tickets::Ticket;

/// One line of the ticket's history, ready to show.
pub struct HistoryLine {
    pub at: chrono::NaiveDateTime,
    pub actor: String,
    pub text: String,
}

/// A field that differs between the ticket as saved meanwhile (theirs) and the agent's form (yours).
pub struct ConflictRow {
    pub label: String,
    pub theirs: String,
    pub yours: String,
}

/// Names for the ids a ticket's fields hold.
pub struct Names<'a> {
    pub tr: &'a Tr,
    pub agents: &'a [Agent],
    pub teams: &'a [Team],
}

impl Names<'_> {
    /// The label of a stored field name.
    fn label(&self, field: &str) -> String {
        match field {
            "assignee_id" | "assignee" => self.tr.t("field-assignee"),
            "team_id" | "team" => self.tr.t("field-team"),
            "status" => self.tr.t("field-status"),
            "priority" => self.tr.t("field-priority"),
            "language" => self.tr.t("field-language"),
            "tags" => self.tr.t("field-tags"),
            "subject" => self.tr.t("field-subject"),
            "kind" => self.tr.t("field-kind"),
            "requester" => self.tr.t("field-requester"),
            _ => self.tr.t("field-other"),
        }
    }

    /// A stored value shown in the viewer's language: names for ids, translated enumerations;
    /// free text (tags, a language code, a subject) as it is.
    fn value(&self, field: &str, value: Option<&str>) -> String {
        let Some(v) = value.filter(|v| !v.is_empty() && *v != "none") else { return self.tr.t("value-none") };
        match field {
            "assignee_id" | "assignee" => self
                .agents
                .iter()
                .find(|a| a.id.as_str() == v)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| self.tr.t("value-unknown-agent")),
            "team_id" | "team" => self
                .teams
                .iter()
                .find(|t| t.id.as_str() == v)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| self.tr.t("value-unknown-team")),
            "status" => self.tr.tp("status-", v),
            "priority" => self.tr.tp("priority-", v),
            "kind" => self.tr.tp("kind-", v),
            _ => v.to_string(),
        }
    }

    /// The history as sentences: "changed status: Open → Pending".
    pub fn history(&self, events: &[EventView]) -> Vec<HistoryLine> {
        events
            .iter()
            .map(|e| {
                let action = self.tr.tp("event-", &e.event.action);
                let text = match (&e.note, e.event.field.as_deref()) {
                    (Some(n), _) => format!("{action} {}", self.tr.system(&n.key, &n.args, "")),
                    (None, Some(f)) if e.event.action == "changed" => self.tr.t2(
                        "history-change",
                        "field",
                        self.label(f),
                        "change",
                        match e.event.before_value.as_deref() {
                            Some(b) => self.tr.t2(
                                "history-from-to",
                                "before",
                                self.value(f, Some(b)),
                                "after",
                                self.value(f, e.event.after_value.as_deref()),
                            ),
                            None => self.value(f, e.event.after_value.as_deref()),
                        },
                    ),
                    (None, Some(f)) => {
                        let v = e.event.after_value.as_deref().or(e.event.before_value.as_deref());
                        format!("{action} {}", self.value(f, v))
                    }
                    (None, None) => action,
                };
                HistoryLine { at: e.event.created_at, actor: e.actor_name.clone(), text }
            })
            .collect()
    }

    /// The properties form's fields where the agent's values differ from the saved ticket.
    pub fn conflicts(&self, ticket: &Ticket, yours: &HashMap<String, String>, me: &str) -> Vec<ConflictRow> {
        let theirs: [(&str, Option<String>); 6] = [
            ("assignee", ticket.assignee_id.as_ref().map(|a| a.to_string())),
            ("team", ticket.team_id.as_ref().map(|t| t.to_string())),
            ("status", Some(ticket.status.as_str().to_string())),
            ("priority", Some(ticket.priority.as_str().to_string())),
            ("language", ticket.language.clone()),
            ("tags", Some(ticket.tags.clone())),
        ];
        let norm = |field: &str, v: Option<&str>| -> Option<String> {
            let v = v.map(str::trim).filter(|v| !v.is_empty() && *v != "none")?;
            Some(match field {
                "assignee" if v == "me" => me.to_string(),
                "tags" => v.split([' ', ',']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" "),
                _ => v.to_string(),
            })
        };
        theirs
            .into_iter()
            .filter_map(|(field, current)| {
                let submitted = yours.get(field)?;
                let mine = norm(field, Some(submitted));
                let current = norm(field, current.as_deref());
                (mine != current).then(|| ConflictRow {
                    label: self.label(field),
                    theirs: self.value(field, current.as_deref()),
                    yours: self.value(field, mine.as_deref()),
                })
            })
            .collect()
    }
}
