//! The `meridian` binary: first run, admin commands, secrets alone on stdout.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_meridian");

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("MERIDIAN_DATA_DIR", dir.join("data"))
        .env("MERIDIAN_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn admin_commands_print_only_the_secret_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) =
        run(dir.path(), &["tenant", "create", "--slug", "acme", "--name", "Acme", "--time-zone", "America/Sao_Paulo"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    let (code, out, err) = run(
        dir.path(),
        &["agent", "create", "--tenant", "acme", "--email", "a@acme.example", "--name", "Ana", "--role", "admin"],
    );
    assert_eq!(code, 0, "{err}");
    let password = out.trim();
    assert_eq!(out.lines().count(), 1);
    assert!(password.len() >= 12 && !password.contains(' '));
    assert!(err.contains("Ana"));
    let (code, out, _) = run(dir.path(), &["token", "create", "--tenant", "acme", "--name", "ci"]);
    assert_eq!(code, 0);
    assert!(out.trim().starts_with("mrd_") && out.lines().count() == 1);
    // The inbound mail secret: made once, shown again, replaced on --rotate.
    let secret = |extra: &[&str]| {
        let mut args = vec!["tenant", "inbound-secret", "--tenant", "acme"];
        args.extend_from_slice(extra);
        let (code, out, err) = run(dir.path(), &args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().count(), 1);
        out.trim().to_string()
    };
    let first = secret(&[]);
    assert!(first.starts_with("mri_") && first.len() > 40, "{first}");
    assert_eq!(secret(&[]), first);
    let rotated = secret(&["--rotate"]);
    assert_ne!(rotated, first);
    assert_eq!(secret(&[]), rotated);
    let (code, _, err) = run(dir.path(), &["tenant", "inbound-secret", "--tenant", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("no tenant"), "{err}");
    let (code, _, err) = run(dir.path(), &["token", "create", "--tenant", "nope", "--name", "ci"]);
    assert_ne!(code, 0);
    assert!(err.contains("no tenant"), "{err}");
    let (code, _, err) = run(dir.path(), &["tenant", "create", "--slug", "Bad Slug", "--name", "x"]);
    assert_ne!(code, 0);
    assert!(err.contains("slug"), "{err}");
    let (code, _, err) = run(
        dir.path(),
        &["agent", "create", "--tenant", "acme", "--email", "b@acme.example", "--name", "B", "--role", "king"],
    );
    assert_ne!(code, 0);
    assert!(err.contains("role"), "{err}");
}

#[test]
fn unknown_database_scheme_is_a_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).current_dir(dir.path()).env("DATABASE_URL", "mongodb://x").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported scheme"));
}

#[test]
fn help_documents_every_setting() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for s in meridian::config::SETTINGS {
        assert!(text.contains(s.env), "--help lacks {}", s.env);
    }
}

/// Start the real binary with defaults in an empty folder; read its first stdout lines.
fn first_run(dir: &std::path::Path) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("MERIDIAN_LISTEN", "127.0.0.1:0")
        .env("MERIDIAN_SMTP_LISTEN", "127.0.0.1:0")
        .env("MERIDIAN_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = vec![];
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(if lines.is_empty() { 30 } else { 1 })) {
        lines.push(l);
    }
    (child, lines)
}

#[actix_web::test]
async fn first_run_seeds_a_demo_tenant_once_and_the_password_works() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = first_run(dir.path());
    let ready = lines.first().cloned().unwrap_or_default();
    assert!(ready.starts_with("Meridian is ready: http://127.0.0.1:"), "{lines:?}");
    let url = ready.trim_start_matches("Meridian is ready: ").to_string();
    let base = url.split("/login").next().unwrap().to_string();
    assert!(!base.ends_with(":0"), "the printed URL has the real port: {base}");
    let password =
        lines.iter().find_map(|l| l.trim().strip_prefix("password:")).expect("password line").trim().to_string();
    assert!(dir.path().join("data/meridian.db").exists());
    assert!(lines.iter().any(|l| l.trim().starts_with("agents:") && l.contains("ana.souza@demo.example")), "{lines:?}");

    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"demo\""), "workspace prefilled");
    let csrf = crate::harness::field_value(&page, "_csrf").unwrap();
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("workspace", "demo"),
            ("email", meridian::demo::DEMO_EMAIL),
            ("password", password.as_str()),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(client.get(format!("{base}/inbox")).send().await.unwrap().status(), 200);
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, lines) = first_run(dir.path());
    assert!(lines.iter().all(|l| !l.contains("password")), "no new password on the second run: {lines:?}");
    assert!(lines.first().is_some_and(|l| l.starts_with("Meridian is ready")));
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Exiting must not race a pool thread still inside libpq: on PostgreSQL that crashed about one
/// command in seven with a segmentation fault after its output was printed.
#[test]
fn commands_exit_cleanly_on_postgres() {
    let Some(db) = crate::harness::fresh_pg_database() else { return };
    let url = crate::harness::pg_url_for(&db);
    let dir = tempfile::tempdir().unwrap();
    let mut failures = vec![];
    for i in 0..25 {
        let slug = format!("t{i}");
        let tenant: &[&str] = &["tenant", "create", "--slug", &slug, "--name", "T"];
        let token: &[&str] = &["token", "create", "--tenant", &slug, "--name", "ci"];
        for args in [tenant, token] {
            let out = Command::new(BIN)
                .args(args)
                .current_dir(dir.path())
                .env("DATABASE_URL", &url)
                .env("MERIDIAN_LOG", "warn")
                .output()
                .unwrap();
            if !out.status.success() {
                failures.push(format!("{args:?}: {:?} {}", out.status, String::from_utf8_lossy(&out.stderr)));
            }
        }
    }
    crate::harness::drop_pg_database(&db);
    assert!(failures.is_empty(), "{} of 50 commands failed: {failures:#?}", failures.len());
}

/// Run the binary against the database of a running test server.
fn run_on(app: &crate::harness::TestApp, args: &[&str]) -> (i32, String, String) {
    let url = match &app.pg_database {
        Some(db) => crate::harness::pg_url_for(db),
        None => format!("sqlite://{}/meridian.db", app.dir.path().display()),
    };
    let out = Command::new(BIN)
        .args(args)
        .current_dir(app.dir.path())
        .env("DATABASE_URL", url)
        .env("MERIDIAN_DATA_DIR", app.dir.path())
        .env("MERIDIAN_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An empty job list says so on stderr and leaves stdout to job rows; `meridian seed` says how to
/// sign in, and that password opens every seeded workspace.
async fn seed_prints_how_to_sign_in_and_jobs_list_says_when_empty(app: crate::harness::TestApp) {
    let (code, out, err) = run_on(&app, &["jobs", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "stdout keeps only job rows: {out}");
    assert!(err.contains("no dead jobs") && err.contains("--state"), "{err}");
    let (code, out, err) = run_on(&app, &["jobs", "list", "--state", "queued"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty() && err.contains("no queued jobs"), "{out} {err}");

    let (code, out, err) = run_on(&app, &["seed", "--tenants", "2", "--tickets", "40", "--prefix", "load"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/login?workspace=load-1"), "{out}");
    assert!(out.contains("workspaces: load-1 … load-2"), "{out}");
    assert!(out.contains("agent0@<workspace>.example"), "{out}");
    let password = out.lines().find_map(|l| l.trim().strip_prefix("password:")).expect("a password line").trim();
    assert!(password.len() >= 12, "{out}");
    for ws in ["load-1", "load-2"] {
        let res = app.sign_in(&app.client(), ws, &meridian::seed::owner_email(ws), password).await;
        assert_eq!(res.status(), 303, "{ws}");
    }
    let res = app.sign_in(&app.client(), "load-1", "agent3@load-1.example", password).await;
    assert_eq!(res.status(), 401, "only the owners have the password");
}
both!(seed_prints_how_to_sign_in_and_jobs_list_says_when_empty);
