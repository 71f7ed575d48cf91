//! What validation enforces, stated in the OpenAPI document, so that a client generated from it
//! never sends what the server refuses. Kept in one table beside the validators it mirrors
//! (`accounts::validate_name`, `tickets::commands::validate_subject`, `normalize_tags`, …);
//! the fuzzer (`tests/fuzz`) checks the two agree in both directions.

use serde_json::{json, Value};

use crate::tickets::queries::View;
use crate::types::{Channel, Priority, Status};

/// Control characters (Cc), which names and subjects may not hold.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
/// What Rust's `trim` removes (Unicode White_Space), spelled out: `\s` differs between engines.
const SPACE: &str = r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// One line of text: no control characters, not blank.
fn line(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max,
           "pattern": format!("^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$")})
}

/// Free text (message bodies): anything but NUL, not blank.
fn text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max,
           "pattern": format!(r"^[^\u0000]*[^\u0000{SPACE}][^\u0000]*$")})
}

/// Any text PostgreSQL can store: no NUL.
fn no_nul() -> Value {
    json!({"type": "string", "pattern": r"^[^\u0000]*$"})
}

/// An email address as `accounts::normalize_email` accepts it: one `@`, a dotted domain that
/// neither starts nor ends with a dot, no spaces or control characters. Not `format: email`,
/// which refuses the internationalised addresses the server takes.
fn email() -> Value {
    let c = format!("@{CONTROL}{SPACE}");
    json!({"type": "string", "maxLength": 254, "description": "An email address (internationalised addresses allowed)",
           "pattern": format!(r"^[^{c}]+@[^{c}.][^{c}]*\.[^{c}]*[^{c}.]$")})
}

/// A BCP 47 language tag of the shape `unic_langid` parses: language, script, region, variant.
fn language() -> Value {
    json!({"type": "string", "maxLength": 64, "description": "A BCP 47 language tag (`pt`, `pt-BR`, `zh-Hans`)",
           "pattern": r"^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))?$"})
}

/// Tags as `tickets::normalize_tags` takes them: letters, digits, `_ - :`, up to 40 characters,
/// trimmed (blank entries are ignored), at most 20 entries.
fn tags() -> Value {
    json!({"type": "array", "maxItems": 20,
           "items": {"type": "string", "pattern": format!(r"^[{SPACE}]*([\w:-]{{1,40}}[{SPACE}]*)?$")}})
}

fn names<T: AsRef<str>>(all: &[T]) -> Vec<String> {
    all.iter().map(|v| v.as_ref().to_string()).collect()
}

fn nullable(schema: Value) -> Value {
    let mut s = schema;
    s["type"] = json!([s["type"].clone(), "null"]);
    s
}

/// A webhook URL as `webhooks::validate_url` takes it: the same pattern. Plain http, which the
/// server may allow, is left out so a generated client never depends on it.
fn webhook_url() -> Value {
    json!({"type": "string", "maxLength": crate::webhooks::MAX_URL_CHARS, "description": "An https URL",
           "pattern": format!("^https://{}", crate::webhooks::URL_AFTER_SCHEME)})
}

/// Webhook event types: at least one of the known names.
fn webhook_events() -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": crate::webhooks::MAX_EVENT_TYPES,
           "items": {"type": "string", "enum": crate::webhooks::EVENT_TYPES}})
}

/// A webhook's description: up to 500 characters, line breaks but no other control characters.
fn webhook_description() -> Value {
    json!({"type": "string", "maxLength": 500, "pattern": r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f]*$"})
}

/// Request-body properties, by component schema and property.
fn properties() -> Vec<(&'static str, &'static str, Value)> {
    let id = no_nul();
    let opt_id = nullable(no_nul());
    let mut v = vec![
        ("CreateTicket", "subject", line(250)),
        ("CreateTicket", "tags", tags()),
        ("CreateTicket", "language", nullable(language())),
        ("CreateTicket", "assignee_id", opt_id.clone()),
        ("CreateTicket", "team_id", opt_id.clone()),
        ("MessageIn", "body", text(crate::tickets::commands::MAX_BODY_CHARS)),
        ("MessageIn", "body_html", nullable(no_nul())),
        ("RequesterIn", "email", nullable(email())),
        ("RequesterIn", "id", opt_id.clone()),
        // Blank falls back to the email's local part.
        (
            "RequesterIn",
            "name",
            json!({"type": ["string", "null"], "maxLength": 120, "pattern": format!("^[^{CONTROL}]*$")}),
        ),
        ("PatchTicket", "subject", nullable(line(250))),
        ("PatchTicket", "language", nullable(language())),
        ("PatchTicket", "assignee_id", opt_id.clone()),
        ("PatchTicket", "team_id", opt_id.clone()),
        ("PatchTicket", "tags", nullable(tags())),
        ("PatchTicket", "add_tags", tags()),
        ("PatchTicket", "remove_tags", tags()),
        ("AddMessage", "body", text(crate::tickets::commands::MAX_BODY_CHARS)),
        ("AddMessage", "body_html", nullable(no_nul())),
        // Message kinds without `system`, which only the server writes.
        ("AddMessage", "kind", json!({"oneOf": [{"type": "string", "enum": ["reply", "note"]}, {"type": "null"}]})),
        ("AddMessage", "author_agent_id", opt_id.clone()),
        (
            "AddMessage",
            "attachments",
            json!({"type": "array", "maxItems": 10, "items": {"$ref": "#/components/schemas/AttachmentIn"}}),
        ),
        ("AttachmentIn", "filename", no_nul()),
        (
            "AttachmentIn",
            "content_base64",
            json!({"type": "string", "contentEncoding": "base64",
            // Canonical padded base64 of at least one byte (the decoder refuses stray low bits).
            "pattern": "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)$"}),
        ),
        ("MergeIn", "target_id", id.clone()),
        ("BulkIn", "ids", json!({"type": "array", "minItems": 1, "maxItems": 500, "items": id.clone()})),
        ("ContactIn", "name", line(120)),
        ("ContactIn", "email", nullable(email())),
        ("ContactIn", "locale", nullable(language())),
        ("ContactPatch", "name", nullable(line(120))),
        ("ContactPatch", "email", nullable(email())),
        ("ContactPatch", "locale", nullable(language())),
        ("TeamIn", "name", line(120)),
        ("TeamIn", "member_ids", json!({"type": "array", "items": id.clone()})),
        ("WebhookIn", "url", webhook_url()),
        ("WebhookIn", "event_types", webhook_events()),
        ("WebhookIn", "description", nullable(webhook_description())),
        ("WebhookPatch", "url", nullable(webhook_url())),
        ("WebhookPatch", "event_types", nullable(webhook_events())),
        ("WebhookPatch", "description", nullable(webhook_description())),
        ("ScheduleDoc", "time_zone", zone()),
        ("ScheduleDoc", "shifts", shifts()),
        ("ScheduleDoc", "holidays", dates()),
        (
            "ShiftDoc",
            "days",
            json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}}),
        ),
        ("ShiftDoc", "start", hhmm()),
        ("ShiftDoc", "end", hhmm()),
        ("HolidayDoc", "date", date()),
        ("HolidayDoc", "name", nullable(line(120))),
        ("LanguageDoc", "code", known_language()),
        ("LanguageDoc", "level", json!({"type": "string", "enum": ["native", "fluent", "working", "basic"]})),
        (
            "AgentPatch",
            "languages",
            json!({"type": ["array", "null"], "maxItems": crate::routing::store::MAX_LANGUAGES,
                   "items": {"$ref": "#/components/schemas/LanguageDoc"}}),
        ),
        ("AgentPatch", "skills", nullable(tags())),
        (
            "AgentPatch",
            "max_load",
            json!({"type": ["integer", "null"], "format": "int32", "minimum": 0, "maximum": crate::routing::store::MAX_LOAD}),
        ),
        (
            "AgentPatch",
            "presence",
            json!({"oneOf": [{"type": "string", "enum": ["online", "away", "offline"]}, {"type": "null"}]}),
        ),
        ("AgentPatch", "team_ids", json!({"type": ["array", "null"], "items": id})),
        ("AgentPatch", "shifts", nullable(shifts())),
        ("AgentPatch", "time_off", nullable(dates())),
        ("PreviewIn", "subject", line(250)),
        ("PreviewIn", "tags", tags()),
        ("PreviewIn", "language", nullable(language())),
        (
            "PreviewIn",
            "at",
            json!({"type": ["string", "null"], "format": "date-time",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"}),
        ),
        (
            "RulesDoc",
            "rules",
            json!({"type": "array", "maxItems": crate::routing::rules::MAX_RULES, "items": {"$ref": "#/components/schemas/RuleDoc"}}),
        ),
        ("RuleWhen", "language", nullable(language())),
        // Alert notify rules as `alerts::notify` checks them: 1 to 20 labels, one tag, a message.
        (
            "NotifyRule",
            "labels",
            json!({"type": "object", "minProperties": 1, "maxProperties": 20,
                   "propertyNames": {"pattern": r"^[^\u0000]*$"}, "additionalProperties": no_nul()}),
        ),
        ("NotifyRule", "tag", json!({"type": "string", "pattern": format!(r"^[{SPACE}]*[\w:-]{{1,40}}[{SPACE}]*$")})),
        ("NotifyRule", "message", text(5000)),
        (
            "AlertSettingsPatch",
            "notify_rules",
            json!({"type": ["array", "null"], "maxItems": crate::alerts::notify::MAX_RULES,
                   "items": {"$ref": "#/components/schemas/NotifyRule"}}),
        ),
        ("RuleWhen", "tags", tags()),
        (
            "RuleWhen",
            "requester_domain",
            json!({"type": ["string", "null"], "maxLength": 253, "description": "An email domain (`example.com` also matches its subdomains)"}),
        ),
        ("RuleThen", "team_id", opt_id.clone()),
        (
            "RuleThen",
            "skill",
            json!({"type": ["string", "null"], "pattern": format!(r"^[{SPACE}]*[\w:-]{{1,40}}[{SPACE}]*$")}),
        ),
        ("SettingsIn", "fallback", json!({"type": "string", "enum": ["basic", "queue", "translate"]})),
        // The widget's looks as `chat::appearance::validate` takes them.
        (
            "ChatSettingsIn",
            "appearance",
            json!({"type": ["object", "null"], "maxProperties": crate::chat::appearance::MAX_LANGUAGES,
                   "propertyNames": language(), "additionalProperties": {"$ref": "#/components/schemas/WidgetLook"}}),
        ),
        (
            "WidgetLook",
            "color",
            json!({"type": ["string", "null"], "pattern": format!("^[{SPACE}]*(#[0-9A-Fa-f]{{6}})?[{SPACE}]*$")}),
        ),
        (
            "WidgetLook",
            "greeting",
            json!({"type": ["string", "null"], "maxLength": crate::chat::appearance::MAX_GREETING,
                   "pattern": r"^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"}),
        ),
    ];
    v.extend(kb_properties());
    v.extend(macro_properties());
    v
}

/// A macro body as `tickets::macros::placeholders` takes it: no NUL, and every `{{` opens one
/// of the known placeholders (padded by spaces only) closed by `}}`.
fn macro_body() -> Value {
    let names =
        crate::tickets::macros::PLACEHOLDERS.iter().map(|p| p.replace('.', r"\.")).collect::<Vec<_>>().join("|");
    json!({"type": "string", "maxLength": crate::tickets::macros::MAX_BODY_CHARS,
           "pattern": format!(r"^([^{{\u0000]|\{{[^{{\u0000]|\{{\{{ *({names}) *\}}\}})*\{{?$")})
}

/// Macros as `tickets::macros` checks them.
fn macro_properties() -> Vec<(&'static str, &'static str, Value)> {
    let bodies = json!({"type": "object", "maxProperties": crate::tickets::macros::MAX_LOCALES,
                        "propertyNames": language(), "additionalProperties": macro_body()});
    let or_null = |names: Vec<&str>| names.into_iter().map(Value::from).chain([Value::Null]).collect::<Vec<_>>();
    let statuses = or_null(crate::tickets::macros::STATUSES.to_vec());
    let priorities = or_null(Priority::ALL.iter().map(|p| p.as_str()).collect());
    let status = json!({"type": ["string", "null"], "enum": statuses});
    let priority = json!({"type": ["string", "null"], "enum": priorities});
    vec![
        ("MacroIn", "name", line(crate::tickets::macros::MAX_NAME_CHARS)),
        ("MacroIn", "bodies", nullable(bodies.clone())),
        ("MacroPatch", "name", nullable(line(crate::tickets::macros::MAX_NAME_CHARS))),
        ("MacroPatch", "bodies", nullable(bodies)),
        ("MacroActionsIn", "status", status),
        ("MacroActionsIn", "priority", priority),
        ("MacroActionsIn", "add_tags", nullable(tags())),
        ("MacroActionsIn", "assignee_id", nullable(no_nul())),
    ]
}

/// The knowledge base's bodies, as `kb::check_line`, `kb::structure::check_names` and
/// `kb::articles::check_translation` take them.
fn kb_properties() -> Vec<(&'static str, &'static str, Value)> {
    let title = line(crate::kb::MAX_TITLE_CHARS);
    let body = json!({"type": "string", "maxLength": crate::kb::MAX_BODY_CHARS, "pattern": r"^[^\u0000]*$"});
    let keywords =
        json!({"type": "array", "maxItems": crate::kb::MAX_KEYWORDS, "items": line(crate::kb::MAX_KEYWORD_CHARS)});
    let list = |item: &str| json!({"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": format!("#/components/schemas/{item}")}});
    let description =
        json!({"type": ["string", "null"], "maxLength": crate::kb::MAX_DESCRIPTION_CHARS, "pattern": r"^[^\u0000]*$"});
    vec![
        ("KbArticleIn", "section_id", nullable(no_nul())),
        ("KbArticleIn", "translations", list("KbTranslationIn")),
        ("KbTranslationIn", "locale", language()),
        ("KbTranslationIn", "title", title.clone()),
        ("KbTranslationIn", "body_markdown", body.clone()),
        ("KbTranslationIn", "keywords", keywords.clone()),
        ("KbTranslationPut", "title", title.clone()),
        ("KbTranslationPut", "body_markdown", body),
        ("KbTranslationPut", "keywords", keywords),
        ("KbArticlePatch", "section_id", nullable(no_nul())),
        ("KbNameIn", "locale", language()),
        ("KbNameIn", "name", title),
        ("KbNameIn", "description", description),
        ("KbCategoryIn", "translations", list("KbNameIn")),
        ("KbCategoryPatch", "translations", nullable(list("KbNameIn"))),
        ("KbSectionIn", "category_id", no_nul()),
        ("KbSectionIn", "translations", list("KbNameIn")),
        ("KbSectionPatch", "category_id", nullable(no_nul())),
        ("KbSectionPatch", "translations", nullable(list("KbNameIn"))),
    ]
}

/// An IANA zone name as chrono-tz knows it.
fn zone() -> Value {
    json!({"type": "string", "enum": chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect::<Vec<_>>()})
}

/// `HH:MM`, 24-hour.
fn hhmm() -> Value {
    json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
}

/// A calendar date `YYYY-MM-DD`.
fn date() -> Value {
    json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})
}

fn shifts() -> Value {
    json!({"type": "array", "maxItems": crate::routing::schedule::MAX_SHIFTS, "items": {"$ref": "#/components/schemas/ShiftDoc"}})
}

fn dates() -> Value {
    json!({"type": "array", "maxItems": crate::routing::schedule::MAX_HOLIDAYS, "items": {"$ref": "#/components/schemas/HolidayDoc"}})
}

/// A language as `routing::store::parse_language` takes it: an ISO 639-1 code, then an optional
/// script and region.
fn known_language() -> Value {
    let codes = crate::routing::store::language_codes().collect::<Vec<_>>().join("|");
    json!({"type": "string", "description": "An ISO 639-1 language, optionally with script and region (`pt`, `pt-BR`, `zh-Hans`)",
           "pattern": format!("^({codes})(-[A-Za-z]{{4}})?(-([A-Za-z]{{2}}|[0-9]{{3}}))?$")})
}

/// Query parameters, by name (the same name means the same rule on every operation).
fn query(name: &str) -> Value {
    let status = Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|");
    match name {
        "limit" => json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": 200, "default": 50}),
        "status" => json!({"type": "string", "description": "Comma-separated statuses",
                           "pattern": format!("^$|^({status})(,({status}))*$")}),
        "priority" => json!({"type": "string", "enum": names(Priority::ALL)}),
        "channel" => json!({"type": "string", "enum": names(Channel::ALL)}),
        // my_open needs a signed-in agent, so the API refuses it.
        "view" => {
            json!({"type": "string", "enum": View::ALL.iter().filter(|v| **v != View::MyOpen).map(|v| v.as_str()).collect::<Vec<_>>()})
        }
        "grace_seconds" => {
            json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": 604800, "default": 86400})
        }
        "sort" => json!({"type": "string", "enum": ["updated", "age", "priority"]}),
        "cursor" => {
            let mut s = no_nul();
            s["description"] = json!("`next_cursor` of the previous page, as the server sent it");
            s
        }
        _ => no_nul(),
    }
}

/// Write the rules into the generated document.
pub fn apply(doc: &mut Value) {
    for (schema, property, rule) in properties() {
        let slot = &mut doc["components"]["schemas"][schema]["properties"][property];
        let description = slot.get("description").cloned();
        *slot = rule;
        if let Some(d) = description {
            slot["description"] = d;
        }
    }
    // A requester is named by an email or by a contact id.
    doc["components"]["schemas"]["RequesterIn"]["anyOf"] = json!([
        {"required": ["email"], "properties": {"email": {"type": "string"}}},
        {"required": ["id"], "properties": {"id": {"type": "string"}}},
    ]);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            for p in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
                match p["in"].as_str() {
                    Some("query") => p["schema"] = query(p["name"].as_str().unwrap_or("")),
                    // Ids and names in paths hold no control characters (others answer 404).
                    Some("path") => p["schema"] = json!({"type": "string", "pattern": format!("^[^{CONTROL}/]+$")}),
                    _ => {}
                }
            }
        }
    }
}
