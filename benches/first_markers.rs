//! Time to first markers of the map in a real browser, on indexes of synthetic initiatives.
//!
//! ```text
//! cargo bench --bench first_markers -- [SIZES]
//! ```
//!
//! For each size (default `100000,1000000`), `ancrage bench map --sizes SIZE --serve ADDR`
//! builds the index and serves it; headless Chromium then opens the map of France and the map
//! of a département six times each. The page records, in `window.ancrageCarte.firstMarkersMs`,
//! the milliseconds from navigation to its first markers drawn. The first load is cold (no
//! cache); the median of the five others is the warm figure. Prints a Markdown table, after
//! the table `ancrage bench map` prints for each index (server time and payload of the map
//! endpoint).

#[allow(dead_code)]
#[path = "../tests/it/chrome.rs"]
mod chrome;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Pages timed: the whole of France, then Bordeaux and its surroundings at zoom 9.
const PAGES: [&str; 2] = ["/carte", "/carte#9/44.88/-0.57"];
/// Loads of each page; the first is cold.
const LOADS: usize = 6;
/// How long building and serving an index may take (a million initiatives take minutes).
const INDEX_TIMEOUT: Duration = Duration::from_secs(3600);

/// `ancrage bench map --serve`, stopped when dropped.
struct MapServer(Child);

impl Drop for MapServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .find(|argument| !argument.starts_with('-'))
        .unwrap_or_else(|| "100000,1000000".to_owned())
        .split(',')
        .map(|size| size.parse().expect("sizes are numbers, comma-separated"))
        .collect();
    let work = tempfile::tempdir().unwrap();
    let browser = chrome::launch_browser(&work.path().join("profil"), 1280);
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(chrome::PAGE_TIMEOUT);

    let mut table = format!(
        "| Initiatives | Page | Cold | Warm (median of {}) |\n|---|---|---|---|\n",
        LOADS - 1
    );
    for size in sizes {
        let (_server, base) = serve_index(size, work.path());
        for page in PAGES {
            let mut runs: Vec<f64> = (0..LOADS)
                .map(|_| first_markers_ms(&tab, &format!("{base}{page}")))
                .collect();
            let cold = runs.remove(0);
            runs.sort_by(f64::total_cmp);
            let warm = runs[runs.len() / 2];
            table.push_str(&format!(
                "| {size} | `{page}` | {cold:.0} ms | {warm:.0} ms |\n"
            ));
        }
    }
    println!("\nTime to first markers:\n\n{table}");
}

/// Starts `ancrage bench map` on an index of `size` initiatives and waits until it serves.
fn serve_index(size: usize, work: &std::path::Path) -> (MapServer, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(work.join(format!("bench-map-{size}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ancrage"))
        .args(["bench", "map", "--sizes", &size.to_string()])
        .args(["--serve", &address])
        .stdout(Stdio::inherit())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = MapServer(child);

    let base = format!("http://{address}");
    let started = Instant::now();
    while ureq::get(&format!("{base}/carte")).call().is_err() {
        assert!(
            started.elapsed() < INDEX_TIMEOUT,
            "the index of {size} initiatives was not served in time"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    (server, base)
}

/// Loads `url` after a blank page and reads how long the first markers took.
fn first_markers_ms(tab: &headless_chrome::Tab, url: &str) -> f64 {
    tab.navigate_to("about:blank")
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.navigate_to(url).unwrap();
    chrome::wait_for(tab, "window.ancrageCarte && window.ancrageCarte.loads >= 1");
    chrome::evaluate(tab, "window.ancrageCarte.firstMarkersMs")
        .as_f64()
        .expect("the map page records when its first markers were drawn")
}
