//! What the tests that drive real processes share: `ancrage serve` processes started on a free
//! port, a headless Chromium, JavaScript read back as JSON, and waits on a page's state.
//!
//! Also compiled into `benches/first_markers.rs` (through `#[path]`), so it only uses what
//! both have: the dev-dependencies and the `ancrage` binary.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};

/// Where Debian installs Chromium; `CHROMIUM` overrides it.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Flags that keep a headless Chromium quiet and local, as root in a container.
const CHROMIUM_FLAGS: [&str; 6] = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=fr-FR",
];
/// How long a page may take to reach a state a step waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to start: a cold start bootstraps the reference data.
const START_TIMEOUT: Duration = Duration::from_secs(900);

/// The Chromium to drive; panics with what to install when there is none.
pub fn chromium_path() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from);
    assert!(
        path.is_file(),
        "the browser tests need Chromium at {} (install Debian's `chromium`, as .ci/run does, \
         or set CHROMIUM to its path)",
        path.display()
    );
    path
}

/// A headless Chromium with its own profile directory and a window `width` pixels wide.
pub fn launch_browser(profile: &Path, width: u32) -> Browser {
    let args: Vec<&OsStr> = CHROMIUM_FLAGS.iter().map(OsStr::new).collect();
    let options = LaunchOptions::default_builder()
        .path(Some(chromium_path()))
        .sandbox(false)
        .headless(true)
        .window_size(Some((width, 900)))
        .user_data_dir(Some(profile.to_path_buf()))
        .idle_browser_timeout(Duration::from_secs(600))
        .args(args)
        .build()
        .unwrap();
    Browser::new(options).expect("Chromium starts")
}

/// The value of a JavaScript expression, read back through JSON (`null` for `undefined`).
pub fn evaluate(tab: &Tab, expression: &str) -> serde_json::Value {
    let wrapped = format!("JSON.stringify({expression})");
    let result = tab
        .evaluate(&wrapped, false)
        .unwrap_or_else(|error| panic!("{expression}: {error}"));
    match result.value {
        Some(serde_json::Value::String(text)) => serde_json::from_str(&text).unwrap(),
        _ => serde_json::Value::Null,
    }
}

/// Waits until a JavaScript condition holds on the tab, or panics after [`PAGE_TIMEOUT`].
pub fn wait_for(tab: &Tab, condition: &str) {
    let started = Instant::now();
    loop {
        let holds = tab
            .evaluate(&format!("Boolean({condition})"), false)
            .ok()
            .and_then(|result| result.value);
        if holds == Some(serde_json::Value::Bool(true)) {
            return;
        }
        assert!(
            started.elapsed() < PAGE_TIMEOUT,
            "timed out waiting for {condition} on {}",
            tab.get_url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An `ancrage serve` process, stopped when dropped; the tail of its log is printed when the
/// test that owns it fails.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    log: PathBuf,
}

impl Server {
    /// Starts `ancrage serve` on `data` (bootstrapped when empty) on a free port, its log in
    /// `log`, and waits until `ready_path` answers.
    pub fn start(data: &Path, log: &Path, ready_path: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_ancrage"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .env("RUST_LOG", "warn")
            .env_remove("ANCRAGE_TUILES")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
        };

        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if ureq::get(&format!("{}{ready_path}", server.address))
                .call()
                .is_ok()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("the server did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("last lines of the server's log:");
            for line in tail.into_iter().rev() {
                eprintln!("  {line}");
            }
        }
    }
}
