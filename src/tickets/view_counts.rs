//! The inbox sidebar's counts, cached per agent and invalidated by the tenant's change generation
//! (see `events::LiveHub::generation`).

use std::collections::HashMap;

use super::queries::SavedView;

/// Sidebar counts per agent, reused until a ticket of the tenant changes (or 30 s pass): counting
/// six views on every page view would cost more than the page itself.
#[derive(Default)]
pub struct ViewCounts {
    entries: std::sync::Mutex<HashMap<(String, String), CachedCounts>>,
}

/// The counts of one agent's views at one change generation of their tenant.
#[derive(Clone)]
pub struct CachedCounts {
    pub generation: u64,
    pub at: std::time::Instant,
    /// Counts of the built-in views, in `View::ALL` order.
    pub views: Vec<i64>,
    /// The agent's saved views with their counts; `None` for a view whose stored filter no
    /// longer parses: it cannot be counted.
    pub saved: Vec<(SavedView, Option<i64>)>,
}

impl ViewCounts {
    /// The cached counts, if computed at this generation in the last 30 s.
    pub fn get(&self, tenant: &str, agent: &str, generation: u64) -> Option<CachedCounts> {
        let e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.get(&(tenant.to_string(), agent.to_string()))
            .filter(|c| c.generation == generation && c.at.elapsed() < std::time::Duration::from_secs(30))
            .cloned()
    }

    /// Remember counts.
    pub fn put(&self, tenant: &str, agent: &str, c: CachedCounts) {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if e.len() > 10_000 {
            e.clear();
        }
        e.insert((tenant.to_string(), agent.to_string()), c);
    }
}
