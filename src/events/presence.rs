//! Who is viewing which ticket, across every process on one database.
//!
//! Each process counts its own viewers (open ticket streams). When its set for a ticket changes it
//! announces the set to the other processes through the live channel, and it re-announces all of
//! them every [`REFRESH`], so a process that died without saying goodbye drops out of everyone's
//! lists after [`EXPIRY`]. On SQLite (one process) nothing is announced.
//!
//! Viewers are agent ids, never display names: two agents may share a name, and keyed by name
//! they would count as one and hide each other. The console resolves names for display.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a process re-announces its viewers.
pub const REFRESH: Duration = Duration::from_secs(10);
/// How long another process's announcement counts without a refresh.
pub const EXPIRY: Duration = Duration::from_secs(30);

/// (tenant, ticket).
pub type Key = (String, String);
/// (tenant, ticket, this process's viewers of it, as agent ids).
pub type Announcement = (String, String, Vec<String>);

/// What another process last said about one ticket.
struct Remote {
    viewers: Vec<String>,
    seen: Instant,
}

/// Viewer bookkeeping for one process (see the module docs).
pub struct Presence {
    /// This process, as named in its announcements.
    pub process: String,
    /// (tenant, ticket) -> agent id -> open streams here.
    local: Mutex<HashMap<Key, BTreeMap<String, usize>>>,
    /// (tenant, ticket) -> process -> its viewers.
    remote: Mutex<HashMap<Key, HashMap<String, Remote>>>,
    /// Announcements waiting to be sent; `None` while no other process can exist.
    outbox: Mutex<Option<Vec<Announcement>>>,
    last_refresh: Mutex<Instant>,
}

impl Default for Presence {
    fn default() -> Self {
        Presence {
            process: crate::db::new_id(),
            local: Mutex::new(HashMap::new()),
            remote: Mutex::new(HashMap::new()),
            outbox: Mutex::new(None),
            last_refresh: Mutex::new(Instant::now()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Presence {
    /// Start queueing announcements for other processes.
    pub fn enable_announcements(&self) {
        lock(&self.outbox).get_or_insert_with(Vec::new);
    }

    /// Whether this process announces to others (it shares a database with them).
    pub fn announcing(&self) -> bool {
        lock(&self.outbox).is_some()
    }

    /// Register a viewer (an agent id) here; returns the ids of everyone viewing the ticket now.
    pub fn join(&self, tenant: &str, ticket: &str, agent: &str) -> Vec<String> {
        let key = (tenant.to_string(), ticket.to_string());
        let mine = {
            let mut local = lock(&self.local);
            let entry = local.entry(key.clone()).or_default();
            *entry.entry(agent.into()).or_default() += 1;
            entry.keys().cloned().collect()
        };
        self.announce(&key, mine);
        self.viewers(tenant, ticket)
    }

    /// Remove a viewer (an agent id) here; returns the ids of everyone still viewing the ticket.
    pub fn leave(&self, tenant: &str, ticket: &str, agent: &str) -> Vec<String> {
        let key = (tenant.to_string(), ticket.to_string());
        let mine = {
            let mut local = lock(&self.local);
            let Some(entry) = local.get_mut(&key) else { return self.viewers(tenant, ticket) };
            if let Some(n) = entry.get_mut(agent) {
                *n -= 1;
                if *n == 0 {
                    entry.remove(agent);
                }
            }
            let mine: Vec<String> = entry.keys().cloned().collect();
            if mine.is_empty() {
                local.remove(&key);
            }
            mine
        };
        self.announce(&key, mine);
        self.viewers(tenant, ticket)
    }

    /// Everyone viewing a ticket: here and, while their announcements are fresh, elsewhere.
    pub fn viewers(&self, tenant: &str, ticket: &str) -> Vec<String> {
        self.viewers_at(tenant, ticket, Instant::now())
    }

    fn viewers_at(&self, tenant: &str, ticket: &str, now: Instant) -> Vec<String> {
        let key = (tenant.to_string(), ticket.to_string());
        let mut all: BTreeSet<String> =
            lock(&self.local).get(&key).into_iter().flat_map(|m| m.keys().cloned()).collect();
        if let Some(others) = lock(&self.remote).get(&key) {
            for r in others.values().filter(|r| now.saturating_duration_since(r.seen) < EXPIRY) {
                all.extend(r.viewers.iter().cloned());
            }
        }
        all.into_iter().collect()
    }

    /// Record another process's announcement; returns whether it came from elsewhere (and so may
    /// change what this process's browsers should show).
    pub fn receive(&self, process: &str, tenant: &str, ticket: &str, viewers: Vec<String>) -> bool {
        if process == self.process {
            return false;
        }
        let key = (tenant.to_string(), ticket.to_string());
        let mut remote = lock(&self.remote);
        let entry = remote.entry(key.clone()).or_default();
        if viewers.is_empty() {
            entry.remove(process);
        } else {
            entry.insert(process.to_string(), Remote { viewers, seen: Instant::now() });
        }
        if entry.is_empty() {
            remote.remove(&key);
        }
        true
    }

    /// Announcements to send now: changes since the last call and, every [`REFRESH`], all of this
    /// process's viewers. Also returns the tickets whose lists shrank because another process's
    /// announcement expired, so browsers can be told.
    pub fn take_outgoing(&self) -> (Vec<Announcement>, Vec<Key>) {
        self.take_outgoing_at(Instant::now())
    }

    fn take_outgoing_at(&self, now: Instant) -> (Vec<Announcement>, Vec<Key>) {
        let mut out = match lock(&self.outbox).as_mut() {
            Some(queued) => std::mem::take(queued),
            None => return (vec![], vec![]),
        };
        let mut expired = vec![];
        let mut last = lock(&self.last_refresh);
        if now.saturating_duration_since(*last) >= REFRESH {
            *last = now;
            for (key, viewers) in lock(&self.local).iter() {
                out.push((key.0.clone(), key.1.clone(), viewers.keys().cloned().collect()));
            }
            let mut remote = lock(&self.remote);
            for (key, others) in remote.iter_mut() {
                let before = others.len();
                others.retain(|_, r| now.saturating_duration_since(r.seen) < EXPIRY);
                if others.len() != before {
                    expired.push(key.clone());
                }
            }
            remote.retain(|_, others| !others.is_empty());
        }
        (out, expired)
    }

    fn announce(&self, key: &Key, mine: Vec<String>) {
        if let Some(queued) = lock(&self.outbox).as_mut() {
            queued.push((key.0.clone(), key.1.clone(), mine));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_processes_viewers_merge_and_expire() {
        let here = Presence::default();
        here.enable_announcements();
        assert_eq!(here.join("t1", "k1", "Ana"), vec!["Ana"]);
        let (sent, _) = here.take_outgoing();
        assert_eq!(sent, vec![("t1".to_string(), "k1".to_string(), vec!["Ana".to_string()])]);
        assert!(here.receive("elsewhere", "t1", "k1", vec!["Bruno".into()]));
        assert!(!here.receive(&here.process.clone(), "t1", "k1", vec!["Echo".into()]), "our own announcement");
        assert_eq!(here.viewers("t1", "k1"), vec!["Ana", "Bruno"]);
        assert_eq!(here.viewers("t2", "k1"), Vec::<String>::new(), "another tenant's ticket");
        // A process that stops refreshing drops out, and its ticket is reported so browsers hear.
        let later = Instant::now() + EXPIRY + Duration::from_secs(1);
        assert_eq!(here.viewers_at("t1", "k1", later), vec!["Ana"]);
        let (refresh, expired) = here.take_outgoing_at(later);
        assert_eq!(refresh, vec![("t1".to_string(), "k1".to_string(), vec!["Ana".to_string()])], "periodic refresh");
        assert_eq!(expired, vec![("t1".to_string(), "k1".to_string())]);
        // Leaving is announced with the set that remains here.
        assert!(here.leave("t1", "k1", "Ana").is_empty());
        assert_eq!(here.take_outgoing().0, vec![("t1".to_string(), "k1".to_string(), vec![])]);
    }

    #[test]
    fn agents_with_one_name_are_two_viewers() {
        let here = Presence::default();
        here.join("t1", "k1", "agent-1");
        assert_eq!(here.join("t1", "k1", "agent-2"), vec!["agent-1", "agent-2"]);
        assert_eq!(here.leave("t1", "k1", "agent-1"), vec!["agent-2"]);
    }

    #[test]
    fn a_single_process_announces_nothing() {
        let here = Presence::default();
        here.join("t1", "k1", "Ana");
        assert_eq!(here.take_outgoing(), (vec![], vec![]));
    }
}
