//! The article editor: one translation's form (title, Markdown body with its preview, keywords,
//! status) beside its source translation, the article's settings, publishing and its schedule,
//! and the translation's history. The posts that are not the text form live in `kb_actions`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::forms::FormState;
use super::{html_status, see_other, Page};
use crate::error::{AppError, AppResult};
use crate::kb::articles::{self, Article, NewArticle, Translation, TranslationIn, Version};
use crate::kb::{editing, parse_locale, render, structure, Status, Visibility};
use crate::types::Actor;
use crate::web::auth::{self, ConsoleUser, CsrfForm};

/// A section as the editor's select offers it: its id and "Category › Section".
pub(super) struct SectionChoice {
    pub id: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "console/kb_editor.html")]
pub(super) struct EditorPage {
    pub page: Page,
    pub article: Option<Article>,
    /// The locale the form edits.
    pub locale: String,
    /// The source translation, shown beside the form when the form edits another locale.
    pub source: Option<Translation>,
    /// The stored translation in `locale`; `None` for a new one.
    pub target: Option<Translation>,
    pub translations: Vec<Translation>,
    pub sections: Vec<SectionChoice>,
    pub versions: Vec<Version>,
    pub form: FormState,
    /// The body rendered and sanitised by the server (the help center's renderer).
    pub preview: String,
    /// Which of the page's forms `form` belongs to: `text`, `settings` or `schedule`.
    pub refused: &'static str,
    /// The agent's zone, in which times are shown and schedules are read.
    pub zone: String,
    pub saved: bool,
    /// The article's readers' numbers (an existing article only).
    pub stats: Option<crate::kb::feedback::Stats>,
    /// The article's images and attachments (an existing article only).
    pub files: Vec<super::kb_files::FileRow>,
}

impl EditorPage {
    /// A field of the text form: as typed after a refusal, else as stored.
    fn value(&self, name: &str) -> String {
        let t = self.target.as_ref();
        let stored = match name {
            "title" => t.map(|t| t.title.clone()),
            "body_markdown" => t.map(|t| t.body_markdown.clone()),
            "keywords" => t.map(|t| t.keyword_list().join(", ")),
            "status" => t.map(|t| t.status.clone()),
            "section_id" => self.article.as_ref().and_then(|a| a.section_id.clone()),
            "visibility" => self.article.as_ref().map(|a| a.visibility.clone()),
            "locale" => Some(self.locale.clone()),
            _ => None,
        };
        let own = |form: &str| self.refused == form;
        let typed = match name {
            "section_id" | "visibility" => own("settings") || self.article.is_none(),
            "publish_at" => own("schedule"),
            _ => own("text"),
        };
        let stored = stored.unwrap_or_default();
        if typed {
            self.form.value(name, &stored).to_string()
        } else {
            stored
        }
    }

    /// The error of one form's field.
    fn error_in(&self, form: &str, name: &str) -> Option<&str> {
        if self.refused == form {
            self.form.error(name)
        } else {
            None
        }
    }

    /// `aria-invalid` and `aria-describedby` for a field at fault.
    fn aria_in(&self, form: &str, name: &str) -> String {
        if self.refused == form {
            self.form.aria(name)
        } else {
            String::new()
        }
    }

    /// The message of an error that is about no field of the text form (a stale save).
    fn text_error(&self) -> Option<&str> {
        if self.refused == "text" {
            self.form.other_error([
                "title",
                "body_markdown",
                "keywords",
                "status",
                "locale",
                "section_id",
                "visibility",
            ])
        } else {
            None
        }
    }

    /// Where the text form posts.
    fn action(&self) -> String {
        match &self.article {
            Some(a) => format!("/kb/articles/{}/translations/{}", a.id, self.locale),
            None => "/kb/articles/new".into(),
        }
    }

    /// The version the form was read at (0: a new translation).
    fn read_version(&self) -> i32 {
        self.target.as_ref().map_or(0, |t| t.version)
    }

    /// When the translation is scheduled to be published, in the agent's zone.
    fn scheduled(&self) -> Option<String> {
        let at = self.target.as_ref()?.publish_at?;
        Some(self.page.t.datetime(&at, &self.zone))
    }

    /// A saved time in the agent's zone.
    fn when(&self, at: &chrono::NaiveDateTime) -> String {
        self.page.t.datetime(at, &self.zone)
    }

    /// Whether `t` is the locale the form edits.
    fn is_current(&self, t: &Translation) -> bool {
        t.locale == self.locale
    }
}

/// `?locale=…&saved=1` on the editor.
#[derive(Deserialize)]
pub(super) struct EditorQuery {
    locale: Option<String>,
    saved: Option<String>,
    /// On a new article: the ticket (number) whose subject and newest public reply it starts from.
    from_ticket: Option<String>,
}

/// What a refused or previewed form shows again.
pub(super) struct Shown {
    pub form: FormState,
    pub preview: Option<String>,
    pub refused: &'static str,
}

impl Shown {
    fn fresh() -> Self {
        Shown { form: FormState::fresh(), preview: None, refused: "" }
    }
}

/// Render the editor of article `id` (a new article when `None`) in `locale`.
pub(super) async fn render(
    req: &HttpRequest,
    user: &ConsoleUser,
    id: Option<String>,
    locale: Option<String>,
    shown: Shown,
    saved: bool,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let app = auth::state(req)?;
    let tid = user.tenant_id();
    let chain = crate::kb::fallback_chain(user.tr.locale(), &user.tenant.default_locale);
    let locale = match locale.filter(|l| !l.trim().is_empty()) {
        Some(l) => Some(parse_locale("locale", l.trim())?),
        None => None,
    };
    let default_locale = user.tenant.default_locale.clone();
    let ((article, translations, versions, sections, locale), stats) = app
        .db
        .read(move |c| {
            let sections = section_choices(c, &tid, &chain)?;
            let Some(id) = id else {
                return Ok(((None, vec![], vec![], sections, locale.unwrap_or(default_locale)), None));
            };
            let article = articles::get(c, &tid, &id)?;
            let translations = articles::translations(c, &tid, &id)?;
            let source = source_locale(&article, &translations);
            let locale = locale
                .map(|l| {
                    translations.iter().find(|t| t.locale.eq_ignore_ascii_case(&l)).map_or(l, |t| t.locale.clone())
                })
                .unwrap_or(source);
            let versions = articles::versions(c, &tid, &id, &locale)?;
            let stats = crate::kb::feedback::stats_of(c, &tid, std::slice::from_ref(&id))?.remove(&id);
            Ok(((Some(article), translations, versions, sections, locale), stats))
        })
        .await?;
    let target = translations.iter().find(|t| t.locale == locale).cloned();
    let source = article
        .as_ref()
        .map(|a| source_locale(a, &translations))
        .filter(|s| *s != locale)
        .and_then(|s| translations.iter().find(|t| t.locale == s).cloned());
    let preview = shown.preview.unwrap_or_else(|| target.as_ref().map(|t| t.body_html.clone()).unwrap_or_default());
    let preview = crate::kb::files::for_console(&preview, &user.tenant.slug);
    let files = match &article {
        Some(a) => super::kb_files::rows(req, user, &a.id).await?,
        None => vec![],
    };
    html_status(
        &EditorPage {
            page: Page::for_user(user, "kb"),
            article,
            locale,
            source,
            target,
            translations,
            sections,
            versions,
            form: shown.form,
            preview,
            refused: shown.refused,
            zone: user.zone().to_string(),
            saved,
            stats,
            files,
        },
        status,
    )
}

/// The article's source locale: the stored one, else its oldest translation's.
pub(super) fn source_locale(a: &Article, translations: &[Translation]) -> String {
    a.source_locale
        .clone()
        .filter(|s| translations.iter().any(|t| &t.locale == s))
        .or_else(|| translations.iter().min_by_key(|t| t.created_at).map(|t| t.locale.clone()))
        .unwrap_or_default()
}

/// Every section of the tenant as "Category › Section", in table-of-contents order.
pub(super) fn section_choices(
    c: &mut crate::db::DbConnection,
    tid: &crate::tenancy::TenantId,
    chain: &[String],
) -> AppResult<Vec<SectionChoice>> {
    let cats = structure::list_categories(c, tid)?;
    let secs = structure::list_sections(c, tid, None)?;
    let name = |names: &[structure::NameIn]| structure::name_for(names, chain).map(|n| n.name).unwrap_or_default();
    let mut out = vec![];
    for cat in &cats {
        for s in secs.iter().filter(|s| s.category_id == cat.id) {
            out.push(SectionChoice {
                id: s.id.clone(),
                label: format!("{} › {}", name(&cat.names()), name(&s.names())),
            });
        }
    }
    Ok(out)
}

pub(super) async fn new_page(
    req: HttpRequest,
    user: ConsoleUser,
    q: web::Query<EditorQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let Some(key) = q.from_ticket else {
        return render(&req, &user, None, q.locale, Shown::fresh(), false, StatusCode::OK).await;
    };
    let app = auth::state(&req)?;
    let d = super::kb_ticket::draft(&app, &user, key).await?;
    let preview = render::to_html(&d.body);
    let locale = d.locale.clone().or(q.locale);
    let values: HashMap<String, String> = [
        ("title", d.title),
        ("body_markdown", d.body),
        ("locale", locale.clone().unwrap_or_else(|| user.tenant.default_locale.clone())),
        ("status", "draft".into()),
        ("visibility", "public".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    // A prefilled form, not a refused one: no error goes with the values.
    let shown = Shown {
        form: FormState::refused(values, &AppError::NotFound, &user.tr),
        preview: Some(preview),
        refused: "text",
    };
    let locale = locale.and_then(|l| parse_locale("locale", &l).ok());
    render(&req, &user, None, locale, shown, false, StatusCode::OK).await
}

pub(super) async fn edit_page(
    req: HttpRequest,
    user: ConsoleUser,
    path: web::Path<String>,
    q: web::Query<EditorQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    render(&req, &user, Some(path.into_inner()), q.locale, Shown::fresh(), q.saved.is_some(), StatusCode::OK).await
}

fn get(values: &HashMap<String, String>, k: &str) -> String {
    values.get(k).cloned().unwrap_or_default()
}

/// The text form as the domain takes it. Keywords are separated by commas; browsers send
/// textarea line breaks as CRLF.
fn text_input(values: &HashMap<String, String>) -> AppResult<TranslationIn> {
    let status = match get(values, "status").as_str() {
        "" | "draft" => Status::Draft,
        "published" => Status::Published,
        _ => return Err(AppError::invalid("status", "error-kb-status", "draft or published")),
    };
    Ok(TranslationIn {
        locale: None,
        title: get(values, "title"),
        body_markdown: get(values, "body_markdown").replace("\r\n", "\n"),
        keywords: get(values, "keywords")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        status: Some(status),
    })
}

/// Domain errors name `translations[0].title` or `keywords[2]`; the form names the field.
pub(super) fn form_error(err: AppError) -> AppError {
    match err {
        AppError::Invalid { field, key, detail } => {
            let f = field.strip_prefix("translations[0].").unwrap_or(&field);
            let f = f.split('[').next().unwrap_or(f).to_string();
            AppError::Invalid { field: f, key, detail }
        }
        other => other,
    }
}

fn visibility_of(values: &HashMap<String, String>) -> AppResult<Visibility> {
    match get(values, "visibility").as_str() {
        "" | "public" => Ok(Visibility::Public),
        "internal" => Ok(Visibility::Internal),
        _ => Err(AppError::invalid("visibility", "error-kb-visibility", "public or internal")),
    }
}

/// The section a form picked: `None` for none.
pub(super) fn section_of(values: &HashMap<String, String>) -> Option<String> {
    Some(get(values, "section_id")).filter(|s| !s.is_empty())
}

/// The preview the no-script "Preview" button asks for: the page again, as typed, with the
/// body rendered by the server.
fn previewed(values: HashMap<String, String>, tr: &crate::i18n::Tr) -> Shown {
    let preview = render::to_html(&get(&values, "body_markdown").replace("\r\n", "\n"));
    // Not a refusal: `refused` with an error that names no field only keeps the values.
    Shown { form: FormState::refused(values, &AppError::NotFound, tr), preview: Some(preview), refused: "text" }
}

/// POST /kb/articles/new: create an article with its first translation.
pub(super) async fn create(req: HttpRequest, f: CsrfForm<HashMap<String, String>>) -> AppResult<HttpResponse> {
    let values = f.form.clone();
    let locale = parse_locale("locale", get(&values, "locale").trim()).ok();
    if get(&values, "action") == "preview" {
        return render(&req, &f.user, None, locale, previewed(values, &f.user.tr), false, StatusCode::OK).await;
    }
    let app = auth::state(&req)?;
    let (tid, actor) = (f.user.tenant_id(), Actor::Agent(f.user.agent.id.clone()));
    let outcome = match (text_input(&values), visibility_of(&values)) {
        (Ok(mut t), Ok(visibility)) => {
            t.locale = Some(get(&values, "locale").trim().to_string());
            let new = NewArticle { section_id: section_of(&values), visibility, translations: vec![t] };
            app.db.write(move |c| articles::create(c, &tid, &actor, &new)).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match outcome.map_err(form_error) {
        Ok(a) => {
            app.wake_jobs();
            Ok(see_other(&format!("/kb/articles/{}?saved=1", a.id)))
        }
        Err(e @ AppError::Invalid { .. }) => {
            let shown = Shown { form: FormState::refused(values, &e, &f.user.tr), preview: None, refused: "text" };
            render(&req, &f.user, None, locale, shown, false, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// POST /kb/articles/{id}/translations/{locale}: save the text of one translation.
pub(super) async fn save(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    f: CsrfForm<HashMap<String, String>>,
) -> AppResult<HttpResponse> {
    let (id, locale) = path.into_inner();
    let values = f.form.clone();
    if get(&values, "action") == "preview" {
        return render(&req, &f.user, Some(id), Some(locale), previewed(values, &f.user.tr), false, StatusCode::OK)
            .await;
    }
    let app = auth::state(&req)?;
    let (tid, actor) = (f.user.tenant_id(), Actor::Agent(f.user.agent.id.clone()));
    let read_version = get(&values, "version").parse::<i32>().ok();
    let outcome = match text_input(&values) {
        Ok(input) => {
            let (id, locale) = (id.clone(), locale.clone());
            app.db.write(move |c| editing::save(c, &tid, &id, &locale, &actor, &input, read_version)).await
        }
        Err(e) => Err(e),
    };
    match outcome.map_err(form_error) {
        Ok(t) => {
            app.wake_jobs();
            Ok(see_other(&format!("/kb/articles/{id}?locale={}&saved=1", t.locale)))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::PreconditionFailed)) => {
            let status = match e {
                AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            // A stale save names no field: its message sits at the top of the form.
            let why = match e {
                AppError::PreconditionFailed => AppError::invalid("form", "kb-stale-save", "saved meanwhile"),
                other => other,
            };
            let form = FormState::refused(values, &why, &f.user.tr);
            let shown = Shown { form, preview: None, refused: "text" };
            render(&req, &f.user, Some(id), Some(locale), shown, false, status).await
        }
        Err(e) => Err(e),
    }
}
