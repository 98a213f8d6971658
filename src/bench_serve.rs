//! `ancrage bench serve`: what running the platform costs — cold bootstrap, warm start, store
//! size, resident memory after start, and the latency of a SPARQL query counting initiatives
//! per région — measured on a real server process.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Options of the serve benchmark.
#[derive(Debug, clap::Args)]
pub struct ServeBenchArgs {
    /// How many times the per-région query is sent.
    #[arg(long, default_value_t = 30)]
    pub queries: usize,
}

/// Starts the binary on an empty data directory (cold), stops it, starts it again (warm), and
/// measures each step.
pub fn bench_serve(args: &ServeBenchArgs) -> anyhow::Result<String> {
    let scratch = std::env::temp_dir().join(format!("ancrage-bench-serve-{}", std::process::id()));
    let data = scratch.join("data");
    let port = free_port()?;

    let cold = Instant::now();
    let server = start(&data, port)?;
    let cold_seconds = cold.elapsed().as_secs_f64();
    drop(server);

    let warm = Instant::now();
    let server = start(&data, port)?;
    let warm_seconds = warm.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let resident = process_status(server.child.id(), "VmRSS:").unwrap_or(0) * 1024;
    let store_bytes = directory_size(&data.join("store"));
    let all_bytes = directory_size(&data);

    let query = include_str!("../queries/examples/01-initiatives-par-region.rq");
    let mut latencies = Vec::with_capacity(args.queries);
    for _ in 0..args.queries {
        let clock = Instant::now();
        let answer = ureq::post(&format!("http://127.0.0.1:{port}/sparql"))
            .header("Content-Type", "application/sparql-query")
            .header("Accept", "application/sparql-results+json")
            .send(query.as_bytes())?;
        let _ = answer.into_body().read_to_vec()?;
        latencies.push(clock.elapsed());
    }
    latencies.sort();
    let at =
        |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    drop(server);
    let _ = std::fs::remove_dir_all(&scratch);

    Ok(format!(
        "| Measure | Value |\n|---|---|\n\
         | Cold bootstrap (empty data directory to first answer) | {cold_seconds:.1} s |\n\
         | Warm start (existing store to first answer) | {warm_seconds:.2} s |\n\
         | Store on disk (RocksDB) | {:.1} MB |\n\
         | Data directory (store, search index, dumps) | {:.1} MB |\n\
         | Resident memory after start | {:.0} MB |\n\
         | Initiatives per région (SPARQL over HTTP), {} runs | p50 {:.1} ms, p99 {:.1} ms |",
        store_bytes as f64 / 1e6,
        all_bytes as f64 / 1e6,
        resident as f64 / 1e6,
        args.queries,
        at(0.5),
        at(0.99),
    ))
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ancrage serve` and waits for its first answer.
fn start(data: &Path, port: u16) -> anyhow::Result<Server> {
    let child = Command::new(std::env::current_exe()?)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server { child };
    let probe = format!("http://127.0.0.1:{port}/sparql?query=ASK%7B%7D");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1800) {
        if ureq::get(&probe).call().is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    anyhow::bail!("the server did not answer")
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A numeric field of `/proc/<pid>/status`, in the unit the file uses.
pub fn process_status(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Bytes of the files under a directory.
pub fn directory_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.metadata() {
            Ok(metadata) if metadata.is_dir() => directory_size(&entry.path()),
            Ok(metadata) => metadata.len(),
            Err(_) => 0,
        })
        .sum()
}
