//! A small SMTP server on loopback that receives what Meridian sends: it speaks enough SMTP for a
//! client to deliver (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records each message's
//! envelope and DATA bytes, and answers DATA with scripted codes (451 once, 550, …) before
//! falling back to 250.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message the sink took (or refused).
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub rcpts: Vec<String>,
    pub data: Vec<u8>,
    /// What the sink answered to its DATA.
    pub code: u16,
}

impl Received {
    /// The message parsed.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message")
    }

    /// A header's raw value, trimmed (unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let m = self.parsed();
        let found = m
            .headers_raw()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "));
        found
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or("").to_string()
    }

    /// The decoded text part.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).map(|t| t.to_string()).unwrap_or_default()
    }

    /// The Message-ID without `<>`.
    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap().trim_matches(['<', '>']).to_string()
    }
}

#[derive(Default)]
struct Shared {
    script: VecDeque<u16>,
    received: Vec<Received>,
    /// (user, password) of each AUTH PLAIN.
    logins: Vec<(String, String)>,
}

/// The sink; dropping it stops accepting.
pub struct Sink {
    pub addr: std::net::SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    /// A sink on 127.0.0.1, answering DATA with `script` in order, then 250.
    pub async fn start(script: &[u16]) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared { script: script.iter().copied().collect(), ..Shared::default() }));
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(session(sock, s.clone()));
            }
        });
        Sink { addr, shared, task }
    }

    /// `MERIDIAN_SMTP_URL` for this sink.
    pub fn url(&self) -> String {
        format!("smtp://{}:{}", self.addr.ip(), self.addr.port())
    }

    /// Everything received so far, refused ones included.
    pub fn all(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// The credentials clients logged in with.
    pub fn logins(&self) -> Vec<(String, String)> {
        self.shared.lock().unwrap().logins.clone()
    }

    /// Messages accepted with 250.
    pub fn accepted(&self) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.code == 250).collect()
    }

    /// Wait until `n` messages were accepted; all accepted ones.
    pub async fn wait_accepted(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.accepted();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the sink did not receive {n} messages: {:?}",
            self.all().iter().map(|r| r.subject()).collect::<Vec<_>>()
        );
    }

    /// Wait until `n` DATA commands were answered (accepted or refused).
    pub async fn wait_answered(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.all();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the sink did not get {n} messages");
    }
}

async fn session(sock: tokio::net::TcpStream, shared: Arc<Mutex<Shared>>) {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    let _ = w.write_all(b"220 sink.test ESMTP\r\n").await;
    let (mut from, mut rcpts) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        match r.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("AUTH PLAIN") {
            // RFC 4616: base64 of "authzid NUL user NUL password", here always sent inline.
            use base64::Engine;
            let arg = line.trim_end().get(10..).unwrap_or("").trim();
            let decoded = base64::engine::general_purpose::STANDARD.decode(arg).unwrap_or_default();
            let parts: Vec<String> =
                decoded.split(|&b| b == 0).map(|p| String::from_utf8_lossy(p).into_owned()).collect();
            if parts.len() == 3 {
                shared.lock().unwrap().logins.push((parts[1].clone(), parts[2].clone()));
                b"235 2.7.0 authenticated\r\n"
            } else {
                b"535 5.7.8 bad credentials\r\n"
            }
        } else if upper.starts_with("MAIL FROM:") {
            from = line.trim_end()[10..].trim().trim_matches(['<', '>']).to_string();
            rcpts.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            rcpts.push(line.trim_end()[8..].trim().trim_matches(['<', '>']).to_ascii_lowercase());
            b"250 ok\r\n"
        } else if upper == "DATA" {
            let _ = w.write_all(b"354 go ahead\r\n").await;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                match r.read_until(b'\n', &mut l).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if l == b".\r\n" || l == b".\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 §4.5.2).
                let l = if l.starts_with(b"..") { l[1..].to_vec() } else { l };
                data.extend_from_slice(&l);
            }
            let code = shared.lock().unwrap().script.pop_front().unwrap_or(250);
            shared.lock().unwrap().received.push(Received { from: from.clone(), rcpts: rcpts.clone(), data, code });
            match code {
                250 => b"250 queued\r\n",
                451 => b"451 4.3.0 try again later\r\n",
                _ => b"550 5.1.1 mailbox unavailable\r\n",
            }
        } else if upper == "QUIT" {
            let _ = w.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 ok\r\n"
        };
        if w.write_all(reply).await.is_err() {
            return;
        }
    }
}
