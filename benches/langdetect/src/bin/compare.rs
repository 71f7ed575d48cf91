//! Accuracy on both sets and time per 1 KB message for every candidate, as Markdown tables.
//!
//!     cd benches/langdetect && nice cargo run --release --bin compare --features lingua,whichlang

use std::collections::BTreeMap;
use std::time::Instant;

use meridian_langdetect::language::{self, Priors, LANGUAGES};
use meridian_langdetect::*;

const UDHR: &str = include_str!("../../../../tests/data/langdetect/udhr_sentences.tsv");
const SHORT: &str = include_str!("../../../../tests/data/langdetect/short_mixed.tsv");

fn tenant(profile: &str) -> Vec<String> {
    let langs: &[&str] = match profile {
        "americas" => &["en", "es", "pt", "fr"],
        "emea" => &["en", "de", "fr", "it", "nl", "pl", "sv", "tr", "ru", "uk", "ar"],
        "apac" => &["en", "zh", "ja", "ko", "vi", "th", "id", "hi"],
        _ => &LANGUAGES,
    };
    langs.iter().map(|s| s.to_string()).collect()
}

struct Item {
    code: &'static str,
    text: &'static str,
    tenant: Vec<String>,
    locale: Option<&'static str>,
    earlier: Option<&'static str>,
}

fn udhr() -> Vec<Item> {
    UDHR.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (code, _, text) = (f.next()?, f.next()?, f.next()?);
            Some(Item { code, text, tenant: vec![], locale: None, earlier: None })
        })
        .collect()
}

fn short() -> Vec<Item> {
    SHORT
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&'static str> = l.splitn(5, '\t').collect();
            let [code, profile, locale, earlier, text] = f[..] else { return None };
            Some(Item {
                code,
                text,
                tenant: tenant(profile),
                locale: Some(locale).filter(|s| !s.is_empty()),
                earlier: Some(earlier).filter(|s| !s.is_empty()),
            })
        })
        .collect()
}

type Detect<'a> = Box<dyn Fn(&Item) -> Option<String> + 'a>;

fn per_language(items: &[Item], d: &Detect) -> BTreeMap<&'static str, f64> {
    let mut c: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for it in items {
        let e = c.entry(it.code).or_default();
        e.1 += 1;
        if d(it).as_deref() == Some(it.code) {
            e.0 += 1;
        }
    }
    c.into_iter().map(|(l, (ok, n))| (l, ok as f64 / n as f64)).collect()
}

fn mean(m: &BTreeMap<&str, f64>) -> f64 {
    m.values().sum::<f64>() / m.len() as f64
}

/// About 1 KB of running text per language, from the sentence set.
fn kilobytes(items: &[Item]) -> Vec<String> {
    ["en", "pt", "de", "pl", "ru", "zh", "ja", "ar"]
        .iter()
        .map(|lang| {
            let mut s = String::new();
            for it in items.iter().filter(|i| i.code == *lang) {
                if s.len() >= 1024 {
                    break;
                }
                s.push_str(it.text);
                s.push(' ');
            }
            s
        })
        .collect()
}

/// Median over 15 rounds of the mean time per message, in microseconds.
fn time(texts: &[String], d: &Detect) -> f64 {
    let items: Vec<Item> = texts
        .iter()
        .map(|t| Item { code: "", text: t.clone().leak(), tenant: vec![], locale: None, earlier: None })
        .collect();
    for it in &items {
        std::hint::black_box(d(it));
    }
    let mut rounds: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..20 {
                for it in &items {
                    std::hint::black_box(d(std::hint::black_box(it)));
                }
            }
            start.elapsed().as_secs_f64() * 1e6 / (20 * items.len()) as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

fn main() {
    let a = udhr();
    let b = short();
    let kb = kilobytes(&a);
    let allow = whatlang_allowlist();
    let high = lingua(false);
    let low = lingua(true);
    let s = |o: Option<&'static str>| o.map(str::to_string);
    let candidates: Vec<(&str, Detect)> = vec![
        ("whatlang, all 69 (before: ≥12 chars, confident)", Box::new(|i: &Item| s(today(i.text)))),
        ("whatlang, all 69, every answer", Box::new(|i: &Item| s(whatlang_all(i.text)))),
        ("whatlang, allowlist of the 20", Box::new(|i: &Item| s(allow(i.text)))),
        ("whichlang (16 of the 20)", Box::new(|i: &Item| s(whichlang(i.text)))),
        ("lingua, low accuracy, 20 models", Box::new(|i: &Item| s(lingua_code(&low, i.text)))),
        ("lingua, high accuracy, 20 models", Box::new(|i: &Item| s(lingua_code(&high, i.text)))),
        ("meridian, no priors", Box::new(|i: &Item| language::detect_scored(i.text).map(|d| d.0))),
        (
            "meridian, with priors",
            Box::new(|i: &Item| {
                let p = Priors { tenant: &i.tenant, locale: i.locale, earlier: i.earlier };
                language::detect_with(i.text, &p).map(|d| d.0)
            }),
        ),
    ];
    let mut summary = Vec::new();
    let mut table_a = String::from("| candidate |");
    for l in LANGUAGES {
        table_a.push_str(&format!(" {l} |"));
    }
    table_a.push_str(" mean |\n|---|");
    table_a.push_str(&"---:|".repeat(LANGUAGES.len() + 1));
    table_a.push('\n');
    let mut table_b = table_a.clone();
    for (name, d) in &candidates {
        let acc_a = per_language(&a, d);
        let acc_b = per_language(&b, d);
        for (t, acc) in [(&mut table_a, &acc_a), (&mut table_b, &acc_b)] {
            t.push_str(&format!("| {name} |"));
            for l in LANGUAGES {
                t.push_str(&format!(" {:.0} |", 100.0 * acc.get(l).copied().unwrap_or(0.0)));
            }
            t.push_str(&format!(" **{:.1}** |\n", 100.0 * mean(acc)));
        }
        let min_a = acc_a.iter().min_by(|x, y| x.1.total_cmp(y.1)).map(|(l, v)| format!("{l} {:.0}", 100.0 * v));
        summary.push(format!(
            "| {name} | {:.1} | {} | {:.1} | {:.1} |",
            100.0 * mean(&acc_a),
            min_a.unwrap_or_default(),
            100.0 * mean(&acc_b),
            time(&kb, d)
        ));
    }
    println!("| candidate | (a) sentences, mean % | (a) lowest | (b) short and mixed, mean % | µs per 1 KB |");
    println!("|---|---:|---|---:|---:|");
    for l in summary {
        println!("{l}");
    }
    println!("\n(a) per language, %:\n\n{table_a}\n(b) per language, %:\n\n{table_b}");
    // What the final detector still gets wrong on (b), with priors.
    println!("meridian with priors, wrong on (b):");
    for i in &b {
        let p = Priors { tenant: &i.tenant, locale: i.locale, earlier: i.earlier };
        let got = language::detect_with(i.text, &p).map(|d| d.0);
        if got.as_deref() != Some(i.code) {
            println!("- {} → {:?}: {}", i.code, got, i.text);
        }
    }
}
