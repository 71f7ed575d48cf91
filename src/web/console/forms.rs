//! A console form shown again after a refused submit: what the agent typed stays in the fields and
//! the reason sits next to the field it is about, inside the normal layout.

use std::collections::HashMap;

use crate::error::AppError;
use crate::i18n::Tr;

/// The values a form was submitted with and, after a 422, the field at fault.
#[derive(Default)]
pub struct FormState {
    values: HashMap<String, String>,
    /// The form field the error belongs to, and its translated message.
    error: Option<(String, String)>,
}

impl FormState {
    /// A form shown for the first time: no values of the agent's, no error.
    pub fn fresh() -> Self {
        FormState::default()
    }

    /// The submitted values, and the error of `err` when it is a validation failure.
    pub fn refused(values: HashMap<String, String>, err: &AppError, tr: &Tr) -> Self {
        let error = match err {
            AppError::Invalid { field, key, .. } => Some((form_field(field).to_string(), tr.t(key))),
            _ => None,
        };
        FormState { values, error }
    }

    /// The submitted values with an error at `field` whose message carries more than its key.
    pub fn refused_at(values: HashMap<String, String>, field: &str, message: String) -> Self {
        FormState { values, error: Some((form_field(field).to_string(), message)) }
    }

    /// The same form with its error's message replaced (one that carries more than its key).
    pub fn with_message(mut self, message: String) -> Self {
        if let Some((_, m)) = self.error.as_mut() {
            *m = message;
        }
        self
    }

    /// What the agent typed in `name`, or `default` when the form is fresh.
    pub fn value<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.values.get(name).map(String::as_str).unwrap_or(default)
    }

    /// Whether the submitted form had `name` set to `value` (for selects and radios).
    pub fn chose(&self, name: &str, value: impl AsRef<str>) -> Option<bool> {
        self.values.get(name).map(|v| v == value.as_ref())
    }

    /// The message for `name`, when the error is about that field.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == name).map(|(_, m)| m.as_str())
    }

    /// The message when the error is about none of `fields` (shown at the top of the form).
    pub fn other_error<'f>(&self, fields: impl AsRef<[&'f str]>) -> Option<&str> {
        let fields = fields.as_ref();
        self.error.as_ref().filter(|(f, _)| !fields.contains(&f.as_str())).map(|(_, m)| m.as_str())
    }

    /// `aria-invalid` and `aria-describedby` for `name`'s input while it is at fault; `name` is a
    /// template literal, so the markup is safe to emit unescaped.
    pub fn aria(&self, name: &str) -> String {
        match self.error(name) {
            Some(_) => format!(r#" aria-invalid="true" aria-describedby="{name}-error""#),
            None => String::new(),
        }
    }
}

/// Domain code names fields as stored (`assignee_id`); forms name them as agents pick them.
fn form_field(field: &str) -> &str {
    match field {
        "assignee_id" => "assignee",
        "team_id" => "team",
        "ids" => "tickets",
        "requester" | "requester.email" => "email",
        "body_text" => "body",
        other => other,
    }
}
