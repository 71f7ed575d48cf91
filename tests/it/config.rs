//! Configuration layering and validation.

use std::collections::HashMap;

use meridian::config::{Config, SETTINGS};
use meridian::db::DbTarget;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn defaults_then_file_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.database, DbTarget::Sqlite("./data/meridian.db".into()));
    assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080/");
    let file = dir.path().join("meridian.toml");
    std::fs::write(&file, "listen = \"0.0.0.0:9000\"\ndb_pool_size = 3\ndata_dir = \"/srv/meridian\"\n").unwrap();
    let c = Config::from_sources(Some(&file), &env(&[])).unwrap();
    assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(c.db_pool_size, 3);
    assert_eq!(c.database, DbTarget::Sqlite("/srv/meridian/meridian.db".into()));
    let c = Config::from_sources(
        Some(&file),
        &env(&[("MERIDIAN_LISTEN", "127.0.0.1:7000"), ("DATABASE_URL", "postgres://u@h/db")]),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(c.db_pool_size, 3);
    assert_eq!(c.database, DbTarget::Postgres("postgres://u@h/db".into()));
}

#[test]
fn bad_settings_are_clear_errors() {
    let e =
        Config::from_sources(None, &env(&[("DATABASE_URL", "mysql://root@localhost/x")])).err().unwrap().to_string();
    assert!(e.contains("unsupported scheme") && e.contains("mysql"), "{e}");
    let e = Config::from_sources(None, &env(&[("MERIDIAN_LISTEN", "not an address")])).err().unwrap().to_string();
    assert!(e.contains("MERIDIAN_LISTEN"), "{e}");
    let e = Config::from_sources(None, &env(&[("MERIDIAN_SECRET_KEY", "short")])).err().unwrap().to_string();
    assert!(e.contains("32"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(&file, "lisen = 1").unwrap();
    let e = Config::from_sources(Some(&file), &env(&[])).err().unwrap().to_string();
    assert!(e.contains("unknown setting") && e.contains("lisen"), "{e}");
}

#[test]
fn every_setting_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for s in SETTINGS {
        assert!(readme.contains(s.env), "README lacks {}", s.env);
    }
    let help = Config::help_table();
    for s in SETTINGS {
        assert!(help.contains(s.env) && help.contains(s.key));
    }
}
