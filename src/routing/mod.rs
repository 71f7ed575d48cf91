//! Routing: a ticket's language, team and agent schedules, and the assignment engine. The pure
//! parts (`language`, `schedule`, `engine`) know no database; `store` loads the tenant's routing
//! state and keeps agents' and teams' settings, `rules` the tenant's routing rules; `router` is the intake's `Router`, which applies
//! decisions in the creating transaction.

pub mod coverage;
pub mod engine;
pub mod followup;
pub mod handoff;
pub mod ics;
pub mod language;
pub mod queue;
pub mod router;
pub mod rules;
pub mod schedule;
pub mod store;
