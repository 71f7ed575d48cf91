//! A small W3C WebDriver client: one chromedriver process and one headless Chromium session per `Browser`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine;
use serde_json::{json, Value};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The key W3C WebDriver uses for shadow root references.
const SHADOW_KEY: &str = "shadow-6066-11e4-a52e-4f735466cecf";
const POLL: Duration = Duration::from_millis(100);

/// Where the browser and its driver live on disk.
#[derive(Clone, Debug)]
pub struct Binaries {
    /// Path of the chromedriver executable.
    pub chromedriver: String,
    /// Path of the Chromium executable chromedriver should launch.
    pub chromium: String,
}

/// A reference to an element on the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

/// An element's position and size in CSS pixels.
#[derive(Clone, Copy, Debug, serde::Deserialize)]
pub struct Rect {
    /// Left edge, from the document's left.
    pub x: f64,
    /// Top edge, from the document's top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// One entry of the browser's console log.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct LogEntry {
    /// SEVERE, WARNING, INFO or DEBUG.
    pub level: String,
    /// The text as the console shows it, prefixed with its source.
    pub message: String,
}

/// What `wait_for` waits for.
#[derive(Clone, Copy, Debug)]
pub enum Until<'a> {
    /// An element matching this CSS selector exists.
    Css(&'a str),
    /// The page's visible text contains this string.
    Text(&'a str),
}

/// A headless Chromium session with its own chromedriver, profile and cookies.
pub struct Browser {
    http: reqwest::Client,
    port: u16,
    session: String,
    browser_pid: Option<u32>,
    driver: Option<Child>,
    // Dropped after the browser has exited, so Chromium never writes into a deleted profile.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Start chromedriver on a free port and open a fresh headless session.
    pub async fn start(bins: &Binaries) -> Result<Browser> {
        let http = reqwest::Client::builder()
            .no_proxy()
            // Longer than the script timeout below, so a slow script fails as a script timeout.
            .timeout(Duration::from_secs(90))
            .build()
            .context("building the WebDriver HTTP client")?;
        // The free port can be taken between probing and chromedriver binding it; a retry covers that.
        let mut last = anyhow!("chromedriver never started");
        for _ in 0..3 {
            match spawn_driver(&http, bins).await {
                Ok((port, child)) => return Self::open_session(http, bins, port, child).await,
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn open_session(http: reqwest::Client, bins: &Binaries, port: u16, child: Child) -> Result<Browser> {
        let profile = tempfile::tempdir().context("creating a Chromium profile directory")?;
        let mut browser =
            Browser { http, port, session: String::new(), browser_pid: None, driver: Some(child), _profile: profile };
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            // The laptop screen the console is designed for (tests of the phone layout resize);
            // Chromium's headless default of 800×600 put the inbox's rows below the fold, where
            // WebDriver may not count them as shown.
            "--window-size=1366,900".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 20_000, "script": 60_000, "implicit": 0},
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": bins.chromium, "args": args},
        }}});
        let value = browser.raw("POST", "/session", Some(caps)).await.context("creating a WebDriver session")?;
        browser.session = value["sessionId"].as_str().ok_or_else(|| anyhow!("no sessionId in {value}"))?.to_string();
        browser.browser_pid = value["capabilities"]["goog:processID"].as_u64().map(|p| p as u32);
        Ok(browser)
    }

    /// Navigate to `url` and wait for the page to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await.with_context(|| format!("opening {url}"))?;
        Ok(())
    }

    /// The URL of the current page.
    pub async fn current_url(&self) -> Result<String> {
        as_string(self.cmd("GET", "/url", None).await?)
    }

    /// The current page's HTML as the browser now sees it.
    pub async fn page_source(&self) -> Result<String> {
        as_string(self.cmd("GET", "/source", None).await?)
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Result<Element> {
        let body = json!({"using": "css selector", "value": css});
        let value = self.cmd("POST", "/element", Some(body)).await.with_context(|| format!("finding {css:?}"))?;
        element_of(&value)
    }

    /// The first element matching `css` inside the shadow root of the first `host` element
    /// (open or closed: the driver reaches both, page scripts only open ones).
    pub async fn find_in_shadow(&self, host: &str, css: &str) -> Result<Element> {
        let host_el = self.find(host).await?;
        let root = self.cmd("GET", &format!("/element/{}/shadow", host_el.0), None).await?;
        let id = root[SHADOW_KEY].as_str().ok_or_else(|| anyhow!("no shadow root reference in {root}"))?;
        let body = json!({"using": "css selector", "value": css});
        let value = self
            .cmd("POST", &format!("/shadow/{id}/element"), Some(body))
            .await
            .with_context(|| format!("finding {css:?} in {host:?}'s shadow root"))?;
        element_of(&value)
    }

    /// The rendered text of an element.
    pub async fn element_text(&self, el: &Element) -> Result<String> {
        as_string(self.cmd("GET", &format!("/element/{}/text", el.0), None).await?)
    }

    /// Every element matching a CSS selector (possibly none).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({"using": "css selector", "value": css});
        let value = self.cmd("POST", "/elements", Some(body)).await.with_context(|| format!("finding {css:?}"))?;
        value.as_array().ok_or_else(|| anyhow!("expected a list, got {value}"))?.iter().map(element_of).collect()
    }

    /// Click an element.
    pub async fn click(&self, el: &Element) -> Result<()> {
        self.cmd("POST", &format!("/element/{}/click", el.0), Some(json!({}))).await.map(drop)
    }

    /// Type text into an element.
    pub async fn send_keys(&self, el: &Element, text: &str) -> Result<()> {
        self.cmd("POST", &format!("/element/{}/value", el.0), Some(json!({ "text": text }))).await.map(drop)
    }

    /// Replace the value of the field matching a CSS selector.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let el = self.find(css).await?;
        self.cmd("POST", &format!("/element/{}/clear", el.0), Some(json!({}))).await?;
        self.send_keys(&el, text).await.with_context(|| format!("typing into {css:?}"))
    }

    /// Type `text` into whatever has the focus, one key at a time (for elements the driver
    /// cannot address for typing, such as those in a closed shadow root).
    pub async fn type_focused(&self, text: &str) -> Result<()> {
        let keys: Vec<Value> = text
            .chars()
            .flat_map(|c| {
                [json!({"type": "keyDown", "value": c.to_string()}), json!({"type": "keyUp", "value": c.to_string()})]
            })
            .collect();
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": keys}]});
        self.cmd("POST", "/actions", Some(actions)).await.context("typing")?;
        Ok(())
    }

    /// Press a key that should open an alert dialog; returns its text and dismisses it (an error
    /// when no dialog opened). The key's release waits for the dialog to be gone.
    pub async fn press_key_for_alert(&self, key: &str) -> Result<String> {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key},
        ]}]});
        self.cmd("POST", "/actions", Some(actions)).await.with_context(|| format!("pressing {key:?}"))?;
        let text = as_string(self.cmd("GET", "/alert/text", None).await.context("no dialog opened")?)?;
        self.cmd("POST", "/alert/accept", Some(json!({}))).await?;
        self.cmd("DELETE", "/actions", None).await?;
        Ok(text)
    }

    /// Press and release one key through the Actions API; it goes to whatever has focus, as a real keypress.
    pub async fn press_key(&self, key: &str) -> Result<()> {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key},
        ]}]});
        self.cmd("POST", "/actions", Some(actions)).await.with_context(|| format!("pressing {key:?}"))?;
        self.cmd("DELETE", "/actions", None).await.map(drop)
    }

    /// The visible text of the first element matching a CSS selector.
    pub async fn text(&self, css: &str) -> Result<String> {
        let el = self.find(css).await?;
        as_string(self.cmd("GET", &format!("/element/{}/text", el.0), None).await?)
    }

    /// An element's attribute, or `None` when it has none.
    pub async fn attribute(&self, el: &Element, name: &str) -> Result<Option<String>> {
        let value = self.cmd("GET", &format!("/element/{}/attribute/{name}", el.0), None).await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// An element's position and size.
    pub async fn rect(&self, el: &Element) -> Result<Rect> {
        let value = self.cmd("GET", &format!("/element/{}/rect", el.0), None).await?;
        serde_json::from_value(value).context("reading an element rect")
    }

    /// Resize the window; in headless Chromium this is the viewport size.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        let body = json!({"width": width, "height": height});
        self.cmd("POST", "/window/rect", Some(body)).await.with_context(|| format!("resizing to {width}x{height}"))?;
        Ok(())
    }

    /// Run a synchronous script in the page and return its result.
    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    /// Run a script with arguments; it finishes by calling its last argument (the W3C async
    /// callback) with the result. Scripts injected this way are not subject to the page's CSP.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd("POST", "/execute/async", Some(json!({"script": script, "args": args}))).await
    }

    /// Run a synchronous script with arguments (`arguments[0]`, …) and return its result.
    pub async fn execute_with(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": args}))).await
    }

    /// Save a PNG of the viewport to `path`.
    pub async fn screenshot_png(&self, path: &Path) -> Result<()> {
        let data = as_string(self.cmd("GET", "/screenshot", None).await?)?;
        let png = base64::engine::general_purpose::STANDARD.decode(data).context("decoding the screenshot")?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// The browser console log since the last call, or `None` when this chromedriver does not expose it.
    pub async fn browser_log(&self) -> Result<Option<Vec<LogEntry>>> {
        match self.cmd("POST", "/se/log", Some(json!({"type": "browser"}))).await {
            Ok(value) => Ok(Some(serde_json::from_value(value).context("reading the browser log")?)),
            Err(e) if format!("{e:#}").contains("unknown command") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Poll until `until` holds, failing with the last error and the current URL after `timeout`.
    pub async fn wait_for(&self, until: Until<'_>, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let outcome = match until {
                Until::Css(css) => self.find(css).await.map(drop),
                Until::Text(want) => match self.text("body").await {
                    Ok(body) if body.contains(want) => Ok(()),
                    Ok(_) => Err(anyhow!("text not on the page yet")),
                    Err(e) => Err(e),
                },
            };
            match outcome {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => {
                    let url = self.current_url().await.unwrap_or_else(|e| format!("<unknown: {e}>"));
                    return Err(e.context(format!("waited {timeout:?} for {until:?}; page is {url}")));
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// A command on this session.
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        self.raw(method, &format!("/session/{}{path}", self.session), body).await
    }

    /// A request to chromedriver; turns W3C error bodies into errors naming the command.
    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.with_context(|| format!("{method} {path}: chromedriver unreachable"))?;
        let status = res.status();
        let json: Value = res.json().await.with_context(|| format!("{method} {path}: reply is not JSON ({status})"))?;
        let value = json.get("value").cloned().unwrap_or(Value::Null);
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            let message = value["message"].as_str().unwrap_or("").lines().next().unwrap_or("");
            bail!("{method} {path}: {error}: {message}");
        }
        if !status.is_success() {
            bail!("{method} {path}: HTTP {status}: {json}");
        }
        Ok(value)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Drop cannot await, so cleanup speaks plain blocking HTTP. Ending the session and asking
        // chromedriver to shut down lets it close Chromium; killing it outright would orphan Chromium.
        if !self.session.is_empty() {
            blocking_request(self.port, "DELETE", &format!("/session/{}", self.session));
        }
        blocking_request(self.port, "GET", "/shutdown");
        let Some(mut child) = self.driver.take() else { return };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        eprintln!("chromedriver on port {} did not exit; killing it and its browser", self.port);
        let _ = child.kill();
        let _ = child.wait();
        if let Some(pid) = self.browser_pid {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).stderr(Stdio::null()).status();
        }
    }
}

/// Spawn chromedriver on a free port and wait until it reports ready.
async fn spawn_driver(http: &reqwest::Client, bins: &Binaries) -> Result<(u16, Child)> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = Command::new(&bins.chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("spawning {}", bins.chromedriver))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("chromedriver exited at start ({status}) on port {port}");
        }
        let ready = http.get(format!("http://127.0.0.1:{port}/status")).send().await;
        if let Ok(res) = ready {
            if res.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true) {
                return Ok((port, child));
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("chromedriver did not become ready on port {port} within 10s");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Best-effort HTTP/1.1 request without a body, bounded by short timeouts; the reply is discarded.
fn blocking_request(port: u16, method: &str, path: &str) {
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    // Closing Chromium can take a few seconds on a busy machine.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // chromedriver keeps the connection open despite `Connection: close`, so stop once the reply is whole.
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut chunk) {
        reply.extend_from_slice(&chunk[..n]);
        if reply_complete(&reply) {
            return;
        }
    }
}

/// Whether `reply` holds a full HTTP response: headers plus `Content-Length` bytes of body.
fn reply_complete(reply: &[u8]) -> bool {
    let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&reply[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    reply.len() >= end + 4 + length
}

fn element_of(value: &Value) -> Result<Element> {
    value[ELEMENT_KEY].as_str().map(|id| Element(id.to_string())).ok_or_else(|| anyhow!("not an element: {value}"))
}

fn as_string(value: Value) -> Result<String> {
    value.as_str().map(str::to_string).ok_or_else(|| anyhow!("expected a string, got {value}"))
}
