//! Browser tests: the console in headless Chromium, driven over WebDriver from this test binary.

mod composer;
mod console;
mod console_forms;
mod console_layout;
mod console_pages;
mod contacts;
mod email_setup;
mod failed_mail;
mod help_center;
mod inbox_bulk;
mod kb_editor;
mod macros;
mod portal;
mod routing;
mod search;
mod team_holidays;
mod ticket_safety;
mod tickets;
pub mod webdriver;
mod widget;

pub use webdriver::{Browser, Until};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium and ChromeDriver, or `None` with a message when missing. In CI a missing browser fails.
pub fn binaries() -> Option<webdriver::Binaries> {
    let missing: Vec<&str> =
        [CHROMEDRIVER, CHROMIUM].into_iter().filter(|p| !std::path::Path::new(p).exists()).collect();
    if missing.is_empty() {
        return Some(webdriver::Binaries { chromedriver: CHROMEDRIVER.into(), chromium: CHROMIUM.into() });
    }
    let why = format!("{} not found (apt-get install chromium chromium-driver)", missing.join(" and "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("browser tests must run in CI: {why}");
    }
    eprintln!("skipping browser test: {why}");
    None
}

/// A fresh headless browser, or `None` when Chromium is not installed outside CI.
pub async fn launch() -> Option<Browser> {
    let bins = binaries()?;
    match Browser::start(&bins).await {
        Ok(b) => Some(b),
        Err(e) => panic!("could not start headless Chromium: {e:#}"),
    }
}
