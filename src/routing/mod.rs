//! Routing inputs: what a ticket's language is. (Schedules and assignment decisions are to
//! come; the intake's `Router` hook is where they plug in.)

pub mod language;
