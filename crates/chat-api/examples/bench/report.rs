//! The table: each figure through the server beside PostgreSQL alone in the same run (medians of
//! the rounds), their ratio, and the target the ratio is judged by.

use crate::measure::Sample;

/// What a work's ratios must reach.
#[derive(Clone, Copy, Debug, Default)]
pub struct Targets {
    pub throughput: Option<f64>,
    pub p99: Option<f64>,
    pub db_cpu: Option<f64>,
    /// The longest p99 through the server, in ms, whatever pgbench does.
    pub p99_ms_max: Option<f64>,
    /// The most of the server's own CPU a request may take, in µs.
    pub server_cpu_us_max: Option<f64>,
}

/// Rows of `work | PostgreSQL alone | through the server | ratio | target`.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<[String; 5]>,
    /// Comparisons with a reference statement, printed under the table.
    comparisons: Vec<String>,
}

impl Table {
    /// Adds the rows of one work from its rounds on either side.
    pub fn add(&mut self, work: &str, unit: &str, targets: Targets, alone: &[Sample], served: &[Sample]) {
        let (a, s) = (|f: fn(&Sample) -> f64| median(alone, f), |f: fn(&Sample) -> f64| median(served, f));
        let mut row = |what: String, alone: String, served: String, ratio: Option<f64>, target: String| {
            let ratio = ratio.map_or(String::new(), |ratio| format!("{ratio:.2}"));
            self.rows.push([what, alone, served, ratio, target]);
        };
        let (tput_a, tput_s) = (a(|x| x.throughput), s(|x| x.throughput));
        let judge = |ratio: f64, goal: Option<f64>, at_least: bool| match goal {
            None => String::new(),
            Some(goal) if (ratio >= goal) == at_least => {
                format!("{} {goal:.2} met", if at_least { ">=" } else { "<=" })
            }
            Some(goal) => format!("{} {goal:.2} MISSED", if at_least { ">=" } else { "<=" }),
        };
        let ratio = tput_s / tput_a;
        row(
            format!("{work}: throughput"),
            rate(tput_a),
            rate(tput_s),
            Some(ratio),
            judge(ratio, targets.throughput, true),
        );
        let (p50_a, p50_s) = (a(|x| x.p50_ms), s(|x| x.p50_ms));
        row("  p50 latency".into(), ms(p50_a), ms(p50_s), Some(p50_s / p50_a), String::new());
        let (p99_a, p99_s) = (a(|x| x.p99_ms), s(|x| x.p99_ms));
        row(
            "  p99 latency".into(),
            ms(p99_a),
            ms(p99_s),
            Some(p99_s / p99_a),
            match targets.p99_ms_max {
                Some(limit) if p99_s <= limit => format!("<= {limit:.0} ms met"),
                Some(limit) => format!("<= {limit:.0} ms MISSED"),
                None => judge(p99_s / p99_a, targets.p99, false),
            },
        );
        let (db_a, db_s) = (a(|x| x.db_cpu_per_op_us), s(|x| x.db_cpu_per_op_us));
        let db_ratio = db_s / db_a;
        row(
            format!("  database CPU per {unit}"),
            us(db_a),
            us(db_s),
            Some(db_ratio),
            judge(db_ratio, targets.db_cpu, false),
        );
        let (client_a, client_s) = (a(|x| x.client_cores), s(|x| x.client_cores));
        row("  client CPU (pgbench / load generator)".into(), cores(client_a), cores(client_s), None, String::new());
        let server = served.iter().all(|x| x.server_cores.is_some()).then(|| s(|x| x.server_cores.unwrap_or_default()));
        let per_request = server.map(|server| server * 1e6 / tput_s);
        row(
            "  server CPU".into(),
            String::new(),
            server
                .zip(per_request)
                .map_or("?".into(), |(server, per)| format!("{}, {} a {unit}", cores(server), us(per))),
            None,
            match (targets.server_cpu_us_max, per_request) {
                (Some(limit), Some(per)) if per <= limit => format!("<= {limit:.0} µs met"),
                (Some(limit), _) => format!("<= {limit:.0} µs MISSED"),
                (None, _) => String::new(),
            },
        );
    }

    /// Notes the database CPU of a work's statement (`alone`) against a `reference` statement,
    /// both in pgbench, judged by `target`; and through the server (`served`), whose difference
    /// is what the server's requests and background work add.
    pub fn compare(
        &mut self,
        label: &str,
        unit: &str,
        target: f64,
        reference: &[Sample],
        alone: &[Sample],
        served: &[Sample],
    ) {
        let cpu = |samples: &[Sample]| median(samples, |x| x.db_cpu_per_op_us);
        let (reference, alone, served) = (cpu(reference), cpu(alone), cpu(served));
        let ratio = alone / reference;
        let verdict = if ratio <= target { "met" } else { "MISSED" };
        self.comparisons.push(format!(
            "{label}: database CPU per {unit} {} against {} ({ratio:.2}, target <= {target:.2} {verdict}); \
             through the server {} ({:.2}: the statement and what follows it in the background)",
            us(alone),
            us(reference),
            us(served),
            served / reference,
        ));
    }

    /// Prints the table as Markdown, columns aligned, and the comparisons under it.
    pub fn print(&self) {
        print_rows(["work", "PostgreSQL alone", "through the server", "ratio", "target"], &self.rows);
        for comparison in &self.comparisons {
            println!("\n{comparison}");
        }
    }
}

/// `rows` under `header` as a Markdown table, columns aligned.
fn print_rows(header: [&str; 5], rows: &[[String; 5]]) {
    let header = header.map(String::from);
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(
                |(n, (cell, width))| {
                    if n == 0 || n == 4 { format!("{cell:<width$}") } else { format!("{cell:>width$}") }
                },
            )
            .collect();
        println!("| {} |", padded.join(" | "));
    };
    line(&header);
    line(&widths.map(|width| "-".repeat(width)));
    rows.iter().for_each(line);
}

/// What a growth row's target bounds: the grown work's database CPU per request, or its p99
/// latency, as a multiple of the base work's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    DbCpu,
    P99,
}

/// Rows of `growth | base | grown | ratio | target`: what the same request costs through the
/// server when the data it reads has grown, from the two works' rounds in this run.
#[derive(Debug, Default)]
pub struct GrowthTable {
    rows: Vec<[String; 5]>,
}

impl GrowthTable {
    /// Adds one comparison; what `judged` names is held to `target`.
    pub fn add(&mut self, label: &str, unit: &str, (judged, target): (Judged, f64), base: &[Sample], grown: &[Sample]) {
        let (b, g) = (|f: fn(&Sample) -> f64| median(base, f), |f: fn(&Sample) -> f64| median(grown, f));
        let verdict = |of: Judged, ratio: f64| match of == judged {
            true if ratio <= target => format!("<= {target:.2} met"),
            true => format!("<= {target:.2} MISSED"),
            false => String::new(),
        };
        let (tput_b, tput_g) = (b(|x| x.throughput), g(|x| x.throughput));
        self.rows.push([
            format!("{label}: throughput"),
            rate(tput_b),
            rate(tput_g),
            format!("{:.2}", tput_b / tput_g),
            String::new(),
        ]);
        let (p99_b, p99_g) = (b(|x| x.p99_ms), g(|x| x.p99_ms));
        let ratio = p99_g / p99_b;
        self.rows.push([
            "  p99 latency".into(),
            ms(p99_b),
            ms(p99_g),
            format!("{ratio:.2}"),
            verdict(Judged::P99, ratio),
        ]);
        let (db_b, db_g) = (b(|x| x.db_cpu_per_op_us), g(|x| x.db_cpu_per_op_us));
        let ratio = db_g / db_b;
        self.rows.push([
            format!("  database CPU per {unit}"),
            us(db_b),
            us(db_g),
            format!("{ratio:.2}"),
            verdict(Judged::DbCpu, ratio),
        ]);
    }

    pub fn print(&self) {
        print_rows(["how cost grows", "base", "grown", "ratio", "target"], &self.rows);
    }
}

fn median(samples: &[Sample], field: fn(&Sample) -> f64) -> f64 {
    let mut values: Vec<f64> = samples.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

fn rate(per_second: f64) -> String {
    let whole = per_second.round() as u64;
    let (thousands, rest) = (whole / 1000, whole % 1000);
    if thousands > 0 { format!("{thousands},{rest:03}/s") } else { format!("{rest}/s") }
}

fn ms(value: f64) -> String {
    format!("{value:.2} ms")
}

fn us(value: f64) -> String {
    format!("{value:.0} µs")
}

fn cores(value: f64) -> String {
    format!("{:.0}% of a core", value * 100.0)
}
