//! Meridian's integration tests: one binary, real server, real databases.

#[macro_use]
pub mod harness;

mod admin_accounts;
mod alerts;
mod api_batching;
mod api_reference;
mod api_tickets;
mod attachments;
mod auth;
mod body_timeout;
mod browser;
mod chat;
mod cli;
mod config;
mod console_bulk;
mod console_forms;
mod console_safety;
mod console_tickets;
mod contacts;
mod demo;
mod email;
mod events;
mod hostile_input;
mod i18n;
mod inbox_density;
mod inbox_empty;
mod isolation;
mod jobs;
mod kb;
mod live_streams;
mod macros;
mod migrations;
mod ops;
mod routing;
mod routing_console;
mod routing_followups;
mod routing_holidays;
mod routing_holidays_console;
mod routing_language;
mod saved_views;
mod search;
mod search_all;
mod seed;
mod uploads;
mod wal;
mod webhooks;
