//! One error type for the whole server: problem+json under /api, a rendered page in the console.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Every failure a request can end in.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or belongs to another tenant (never distinguished).
    #[error("not found")]
    NotFound,
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing console request without a valid CSRF token.
    #[error("the form has expired or did not come from this site")]
    Csrf,
    /// A field failed validation; `key` is the Fluent key that explains it to a person.
    #[error("{field}: {detail}")]
    Invalid { field: String, key: &'static str, detail: String },
    /// The request could not be read at all (broken JSON, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// A body that parsed but is not of the expected shape; `field` is the path at fault
    /// (`alerts[0].labels`). 400, unlike [`AppError::Invalid`]: nothing in it could be used.
    #[error("{field}: {detail}")]
    Malformed { field: String, detail: String },
    /// The request conflicts with current state (duplicate slug, email already used).
    #[error("{0}")]
    Conflict(String),
    /// The path exists, but not with this method; `allow` lists the methods it takes.
    #[error("this resource does not take this method; it takes {allow}")]
    MethodNotAllowed { allow: String },
    /// `If-Match` did not match the current version.
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    /// Throttled; try again after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// The body is larger than allowed.
    #[error("request body too large")]
    PayloadTooLarge,
    /// A file of a kind that is not accepted (a program); the text says what is.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body did not arrive in the time allowed.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    /// A dependency (the database) is not available.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; details go to the log, not the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Shorthand for a validation failure.
    pub fn invalid(field: &str, key: &'static str, detail: impl Into<String>) -> Self {
        AppError::Invalid { field: field.to_string(), key, detail: detail.into() }
    }

    /// Stable machine code used in the problem `type` and for page titles.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not-found",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::Invalid { .. } => "validation",
            AppError::BadRequest(_) | AppError::Malformed { .. } => "bad-request",
            AppError::Conflict(_) => "conflict",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::PreconditionFailed => "precondition-failed",
            AppError::TooManyRequests { .. } => "rate-limited",
            AppError::PayloadTooLarge => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::RequestTimeout => "request-timeout",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// What a client may be told; internal details stay in the log.
    pub fn public_detail(&self) -> String {
        match self {
            AppError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
            AppError::Unavailable(_) => "a dependency is unavailable; try again shortly".into(),
            other => other.to_string(),
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) | AppError::Malformed { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(e) => tracing::warn!(error = %e, "unavailable"),
            _ => {}
        }
        let problem = Problem {
            kind: format!("urn:meridian:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.public_detail(),
            field: match self {
                AppError::Invalid { field, .. } | AppError::Malformed { field, .. } => Some(field.as_str()),
                _ => None,
            },
        };
        let mut res = HttpResponse::build(status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let AppError::TooManyRequests { retry_after_secs } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            res.insert_header((header::ALLOW, allow.as_str()));
        }
        if let AppError::Unauthenticated = self {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

/// What a client hears about a unique violation that no caller turned into a better message.
pub const UNIQUE_CONFLICT: &str = "a record with this value already exists";

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The database's message names tables, columns and constraints: for the log only.
                tracing::warn!(
                    detail = info.message(),
                    table = info.table_name(),
                    column = info.column_name(),
                    constraint = info.constraint_name(),
                    "unique violation"
                );
                AppError::Conflict(UNIQUE_CONFLICT.into())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                AppError::Unavailable(info.message().to_string())
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

/// Result alias used across the crate.
pub type AppResult<T> = Result<T, AppError>;
