//! Chat at scale on one server process: BENCH_CONNS widget WebSockets held open and idle (the
//! server's RSS is read from /proc), then each opens its conversation with a first message, and
//! then BENCH_RATE visitor messages a second are spread over them for BENCH_SECONDS. An agent
//! signed in to the console holds its live stream (`/events`); each message's latency is from
//! just before the visitor's frame is written to the agent's stream receiving the ticket's
//! `message_added` frame. At most one measured message per conversation is in flight, so a frame
//! names its message by its ticket.
//!
//! benches/chat_connections.sh starts the server and runs this; by hand:
//! BENCH_URL=http://127.0.0.1:18097 BENCH_SLUG=chat BENCH_EMAIL=… BENCH_PASSWORD=… BENCH_SERVER_PID=…
//! cargo bench --bench chat_connections. Also BENCH_CONNS (default 10000), BENCH_RATE (1000),
//! BENCH_SECONDS (20). Both processes need a file limit above BENCH_CONNS (`ulimit -n`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Send instants of the measured messages in flight, by conversation (ticket) id, and the
/// latencies of those that arrived.
#[derive(Default)]
struct Flight {
    pending: HashMap<String, Instant>,
    latencies_ms: Vec<f64>,
}

/// What the visitors' tasks count.
#[derive(Default)]
struct Counts {
    acks: AtomicU64,
    closed: AtomicU64,
    frames_in: AtomicU64,
}

/// A visitor's task: writes the messages it is told to, reads every frame (which also answers
/// the server's pings), and reports its conversation id from the first ack.
async fn visitor(
    ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    mut orders: mpsc::UnboundedReceiver<String>,
    opened: mpsc::UnboundedSender<String>,
    flight: Arc<Mutex<Flight>>,
    counts: Arc<Counts>,
) {
    let (mut tx, mut rx) = ws.split();
    let mut conversation: Option<String> = None;
    let mut sent = 0u64;
    loop {
        tokio::select! {
            order = orders.recv() => {
                let Some(body) = order else { break };
                sent += 1;
                if let Some(c) = &conversation {
                    flight.lock().unwrap().pending.insert(c.clone(), Instant::now());
                }
                let frame = json!({"type": "message", "client_id": format!("m{sent}"), "body": body});
                if tx.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
            }
            frame = rx.next() => match frame {
                Some(Ok(Message::Text(t))) => {
                    counts.frames_in.fetch_add(1, Ordering::Relaxed);
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                    if v["type"] == "ack" {
                        counts.acks.fetch_add(1, Ordering::Relaxed);
                        if conversation.is_none() {
                            let id = v["conversation_id"].as_str().unwrap_or_default().to_string();
                            conversation = Some(id.clone());
                            let _ = opened.send(id);
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
        }
    }
    counts.closed.fetch_add(1, Ordering::Relaxed);
}

/// The server's resident set in KiB, from /proc.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn field_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    Some(rest[v..v + rest[v..].find('"')?].to_string())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Sign in to the console and follow the tenant's live stream, matching `message_added` frames
/// to the messages in flight.
async fn agent_stream(base: &str, slug: &str, email: &str, password: &str, flight: Arc<Mutex<Flight>>) {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let csrf = field_value(&page, "_csrf").expect("the sign-in form's CSRF field");
    let res = client
        .post(format!("{base}/login"))
        .form(&[("workspace", slug), ("email", email), ("password", password), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection(), "sign-in: {}", res.status());
    let res = client.get(format!("{base}/events")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the agent's live stream");
    let mut stream = res.bytes_stream();
    let mut buf = String::new();
    tokio::spawn(async move {
        while let Some(Ok(chunk)) = stream.next().await {
            let arrived = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
                let v: Value = serde_json::from_str(data).unwrap_or_default();
                if v["action"] != "message_added" {
                    continue;
                }
                let ticket = v["ticket_id"].as_str().unwrap_or_default();
                let mut f = flight.lock().unwrap();
                if let Some(sent) = f.pending.remove(ticket) {
                    f.latencies_ms.push((arrived - sent).as_secs_f64() * 1000.0);
                }
            }
        }
        eprintln!("the agent's stream ended");
    });
}

async fn run() {
    let base: String = env_or("BENCH_URL", "http://127.0.0.1:18097".to_string());
    let slug: String = env_or("BENCH_SLUG", "chat".to_string());
    let email = std::env::var("BENCH_EMAIL").expect("BENCH_EMAIL: an agent of the tenant");
    let password = std::env::var("BENCH_PASSWORD").expect("BENCH_PASSWORD");
    let pid: u32 = std::env::var("BENCH_SERVER_PID").expect("BENCH_SERVER_PID").parse().expect("a pid");
    let conns: usize = env_or("BENCH_CONNS", 10_000);
    let rate: f64 = env_or("BENCH_RATE", 1000.0);
    let seconds: f64 = env_or("BENCH_SECONDS", 20.0);
    let ws_url = format!("{}/widget/ws/{slug}", base.replacen("http", "ws", 1));

    let flight = Arc::new(Mutex::new(Flight::default()));
    let counts = Arc::new(Counts::default());
    agent_stream(&base, &slug, &email, &password, flight.clone()).await;
    let rss_start = rss_kib(pid).unwrap_or(0);

    // Connect and say hello, a few hundred at a time.
    let started = Instant::now();
    let sockets: Vec<_> = futures_util::stream::iter(0..conns)
        .map(|i| {
            let url = ws_url.clone();
            async move {
                let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.ok()?;
                let hello = json!({"type": "hello", "name": format!("Visitor {i}"), "locale": "en"});
                ws.send(Message::text(hello.to_string())).await.ok()?;
                loop {
                    match ws.next().await? {
                        Ok(Message::Text(t)) if t.as_str().contains("\"welcome\"") => return Some(ws),
                        Ok(_) => continue,
                        Err(_) => return None,
                    }
                }
            }
        })
        .buffer_unordered(256)
        .filter_map(|w| async move { w })
        .collect()
        .await;
    let connect_secs = started.elapsed().as_secs_f64();
    let (opened_tx, mut opened_rx) = mpsc::unbounded_channel();
    let mut orders = Vec::with_capacity(sockets.len());
    for ws in sockets {
        let (tx, rx) = mpsc::unbounded_channel();
        orders.push(tx);
        tokio::spawn(visitor(ws, rx, opened_tx.clone(), flight.clone(), counts.clone()));
    }
    let connected = orders.len();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_idle = rss_kib(pid).unwrap_or(0);

    // Each visitor opens its conversation (a ticket each), at the measured rate.
    let tick = Duration::from_secs_f64(1.0 / rate);
    let mut next = Instant::now();
    for o in &orders {
        let _ = o.send("Hello, I need help with my order".to_string());
        next += tick;
        tokio::time::sleep_until(next.into()).await;
    }
    let mut opened = 0;
    while opened < connected {
        match tokio::time::timeout(Duration::from_secs(30), opened_rx.recv()).await {
            Ok(Some(_)) => opened += 1,
            _ => break,
        }
    }
    // Let the opening frames drain from the agent's stream before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;
    flight.lock().unwrap().pending.clear();
    let rss_open = rss_kib(pid).unwrap_or(0);

    // The measured phase: round robin over the conversations.
    let total = (rate * seconds) as usize;
    let started = Instant::now();
    let mut next = Instant::now();
    let mut skipped = 0usize;
    for i in 0..total {
        let o = &orders[i % connected];
        let _ = o.send(format!("Follow-up number {i}: is there any news?"));
        next += tick;
        let now = Instant::now();
        if next > now {
            tokio::time::sleep_until(next.into()).await;
        } else if now - next > Duration::from_millis(100) {
            skipped += 1;
        }
    }
    let send_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_end = rss_kib(pid).unwrap_or(0);
    let (mut lat, lost) = {
        let f = flight.lock().unwrap();
        (f.latencies_ms.clone(), f.pending.len())
    };
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "connections {connected}/{conns} in {connect_secs:.1} s; conversations opened {opened}; \
         RSS KiB: before {rss_start}, idle {rss_idle}, after opening {rss_open}, after load {rss_end}; \
         sent {total} in {send_secs:.1} s ({:.0}/s, sender late >100 ms {skipped} times); \
         delivered to the agent {} (unmatched {lost}); latency ms p50 {:.1} p99 {:.1} max {:.1}; \
         acks {} frames {} closed {}",
        total as f64 / send_secs,
        lat.len(),
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        counts.acks.load(Ordering::Relaxed),
        counts.frames_in.load(Ordering::Relaxed),
        counts.closed.load(Ordering::Relaxed),
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(run());
}
