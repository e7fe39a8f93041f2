//! Runs the real-time QC over the NERRS SWMP Apalachicola Cat Point 15-minute sonde record
//! (`data/demo/`) and compares our flags with the file's own NERRS QA/QC flags, an
//! independent reference. Prints markdown tables (used for docs/QC.md).
//!
//! Run: `scripts/qc-eval.sh` (= `cargo run --release --no-default-features --example qc_eval`).

use chrono::{DateTime, Utc};
use purehealth_lib::model::QcFlag;
use purehealth_lib::qc::{QcConfig, SeriesQc};
use purehealth_lib::{demo, units};
use std::collections::BTreeMap;

/// NERRS CDMO flag classes (domain.md §11.2).
fn nerrs_class(flag: &str) -> &'static str {
    let code = flag.split_whitespace().next().unwrap_or("");
    match code {
        "<0>" | "<3>" | "<4>" | "<5>" => "pass",
        "<1>" => "suspect",
        "<-3>" => "rejected",
        "<-4>" | "<-5>" => "out_of_range",
        "<-2>" | "<-1>" => "missing",
        _ => "other",
    }
}

fn main() {
    let text = demo::swmp_csv().expect("bundled SWMP data");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().expect("headers").clone();
    let col = |n: &str| headers.iter().position(|h| h == n).expect(n);
    let t_col = col("datetime_utc");
    let fields = demo::SWMP_COLUMNS;
    // (parameter, nerrs class, our flag) -> count; and (parameter, test) -> count
    let mut confusion: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
    let mut by_test: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
    // Window and climatology learned online from the values accepted so far, as the hub does.
    let mut series: Vec<SeriesQc> = vec![SeriesQc::default(); fields.len()];
    let configs: Vec<QcConfig> = fields.iter().map(|f| QcConfig::defaults(f.1)).collect();
    for row in rdr.records() {
        let row = row.expect("row");
        let Ok(t) = row[t_col].parse::<DateTime<Utc>>() else {
            continue;
        };
        for (i, (name, p, unit)) in fields.iter().enumerate() {
            let Some(raw) = row
                .get(col(name))
                .and_then(|s| s.trim().parse::<f64>().ok())
            else {
                continue;
            };
            let Some(v) = units::to_canonical(*p, raw, unit) else {
                continue;
            };
            let nerrs = nerrs_class(row.get(col(&format!("f_{name}"))).unwrap_or(""));
            let (flag, tests) = series[i].check(&configs[i], t, v);
            let ours = match flag {
                QcFlag::Fail => "fail",
                QcFlag::Suspect => "suspect",
                _ => "pass",
            };
            *confusion.entry((name, nerrs, ours)).or_default() += 1;
            for test in tests {
                *by_test.entry((name, test, nerrs)).or_default() += 1;
            }
        }
    }
    println!("## Confusion: NERRS flag class (rows) × Pure Health QC flag (columns)\n");
    println!("| parameter | NERRS | pass | suspect | fail | total |");
    println!("|---|---|---|---|---|---|");
    for (name, _, _) in &fields {
        for class in [
            "pass",
            "suspect",
            "rejected",
            "out_of_range",
            "missing",
            "other",
        ] {
            let get = |o: &str| confusion.get(&(*name, class, o)).copied().unwrap_or(0);
            let total = get("pass") + get("suspect") + get("fail");
            if total > 0 {
                println!(
                    "| {name} | {class} | {} | {} | {} | {total} |",
                    get("pass"),
                    get("suspect"),
                    get("fail")
                );
            }
        }
    }
    println!("\n## Agreement per parameter\n");
    println!(
        "| parameter | values | NERRS bad (suspect+rejected+out of range) | caught by us | recall | we flagged | also bad for NERRS | precision |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, _, _) in &fields {
        let sum = |pred: &dyn Fn(&str, &str) -> bool| -> u64 {
            confusion
                .iter()
                .filter(|((n, c, o), _)| n == name && pred(c, o))
                .map(|(_, v)| *v)
                .sum()
        };
        let bad = |c: &str| matches!(c, "suspect" | "rejected" | "out_of_range");
        let total = sum(&|_, _| true);
        let nerrs_bad = sum(&|c, _| bad(c));
        let caught = sum(&|c, o| bad(c) && o != "pass");
        let ours = sum(&|_, o| o != "pass");
        let pct = |a: u64, b: u64| {
            if b == 0 {
                "-".to_string()
            } else {
                format!("{:.1} %", 100.0 * a as f64 / b as f64)
            }
        };
        println!(
            "| {name} | {total} | {nerrs_bad} | {caught} | {} | {ours} | {caught} | {} |",
            pct(caught, nerrs_bad),
            pct(caught, ours)
        );
    }
    println!("\n## Which tests fired, by NERRS class\n");
    println!("| parameter | test | NERRS class | count |");
    println!("|---|---|---|---|");
    for ((name, test, class), n) in &by_test {
        println!("| {name} | {test} | {class} | {n} |");
    }
}
