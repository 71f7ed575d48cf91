//! Meridian: a multi-tenant support desk. The `meridian` binary is a thin CLI over this library.

pub mod accounts;
pub mod alerts;
pub mod app;
pub mod chat;
pub mod config;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod events;
pub mod i18n;
pub mod jobs;
pub mod kb;
pub mod metrics;
pub mod routing;
pub mod search;
pub mod seed;
pub mod server;
pub mod tenancy;
pub mod tickets;
pub mod types;
pub mod web;
pub mod webhooks;

/// Set up logging to stderr (stdout is kept for secrets that commands print).
pub fn init_tracing(filter: &str, format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Json => builder.json().try_init(),
        config::LogFormat::Text => builder.try_init(),
    };
}
