//! One watcher thread for every running query in the process.
//!
//! Each evaluation registers its cancellation token with a deadline; the single watcher thread
//! cancels tokens whose deadline passed. While queries run, it also watches the resident memory
//! of the process and cancels them all when it passes the configured bound, so that a query
//! building a huge intermediate result gets an error instead of taking the server down.
//! Dropping the returned guard unregisters the token. Once no query has run for a moment, the
//! watcher hands the memory the allocator kept from them back to the system, so that resident
//! memory comes back to its level after a burst of heavy queries and the bound above measures
//! what is in use.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use oxigraph::sparql::CancellationToken;

/// How often the watcher looks at memory while queries run.
const MEMORY_CHECK_PERIOD: Duration = Duration::from_millis(100);

/// How long no query must run before free memory is handed back to the system.
const QUIET_BEFORE_RELEASE: Duration = Duration::from_secs(1);

/// Resident memory (bytes) past which running queries are cancelled; 0 disables the check.
static MEMORY_LIMIT: AtomicU64 = AtomicU64::new(0);

/// Sets the resident-memory bound of the process for running queries (0: no bound).
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT.store(bytes, Ordering::Relaxed);
}

/// Keeps a deadline registered until dropped.
pub struct DeadlineGuard {
    id: u64,
    deadline: Instant,
}

impl DeadlineGuard {
    /// When the token will be cancelled.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the query was cancelled because the process ran short of memory.
    pub fn hit_memory_limit(&self) -> bool {
        let state = watcher()
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.memory_cancelled.contains(&self.id)
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        let watcher = watcher();
        let mut state = watcher
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.tokens.retain(|(id, _)| *id != self.id);
        state.memory_cancelled.remove(&self.id);
        if state.tokens.is_empty() {
            state.release_at = Some(Instant::now() + QUIET_BEFORE_RELEASE);
            watcher.wakeup.notify_one();
        }
    }
}

/// Cancels `token` once `timeout` has passed, unless the guard was dropped before.
pub fn cancel_after(timeout: Duration, token: CancellationToken) -> DeadlineGuard {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let deadline = Instant::now() + timeout;
    let watcher = watcher();
    let mut state = watcher
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    state.tokens.push((id, token));
    state.release_at = None;
    state.deadlines.push(Reverse((deadline, id)));
    watcher.wakeup.notify_one();
    DeadlineGuard { id, deadline }
}

#[derive(Default)]
struct WatcherState {
    deadlines: BinaryHeap<Reverse<(Instant, u64)>>,
    tokens: Vec<(u64, CancellationToken)>,
    memory_cancelled: HashSet<u64>,
    /// When to release free memory, set when the last running query ends.
    release_at: Option<Instant>,
}

struct Watcher {
    state: Mutex<WatcherState>,
    wakeup: Condvar,
}

fn watcher() -> &'static Watcher {
    static WATCHER: OnceLock<&'static Watcher> = OnceLock::new();
    WATCHER.get_or_init(|| {
        let watcher: &'static Watcher = Box::leak(Box::new(Watcher {
            state: Mutex::default(),
            wakeup: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("query-deadlines".into())
            .spawn(move || watch(watcher))
            .expect("the deadline thread starts");
        watcher
    })
}

fn watch(watcher: &'static Watcher) {
    let mut state = watcher
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let now = Instant::now();
        while let Some(Reverse((deadline, id))) = state.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            state.deadlines.pop();
            if let Some(position) = state
                .tokens
                .iter()
                .position(|(token_id, _)| *token_id == id)
            {
                state.tokens.swap_remove(position).1.cancel();
            }
        }
        if !state.tokens.is_empty() && memory_exceeded() {
            let cancelled: Vec<(u64, CancellationToken)> = std::mem::take(&mut state.tokens);
            for (id, token) in cancelled {
                token.cancel();
                state.memory_cancelled.insert(id);
            }
        }

        if state.release_at.is_some_and(|release_at| release_at <= now) {
            state.release_at = None;
            drop(state);
            release_free_memory();
            state = watcher
                .state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            continue;
        }

        let next_wakeup = state
            .deadlines
            .peek()
            .map(|Reverse((deadline, _))| *deadline)
            .into_iter()
            .chain(state.release_at)
            .min();
        let mut wait = next_wakeup.map(|wakeup| wakeup.saturating_duration_since(now));
        if !state.tokens.is_empty() && MEMORY_LIMIT.load(Ordering::Relaxed) > 0 {
            wait = Some(wait.map_or(MEMORY_CHECK_PERIOD, |wait| wait.min(MEMORY_CHECK_PERIOD)));
        }
        state = match wait {
            Some(wait) => match watcher.wakeup.wait_timeout(state, wait) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            },
            None => watcher
                .wakeup
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        };
    }
}

/// Hands the pages the allocator keeps free back to the system. glibc's allocator keeps what
/// large queries freed in its arenas, which would otherwise stay resident.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: `malloc_trim` takes the allocator's own locks and only returns pages that hold no
    // allocation; it has no precondition on its caller.
    unsafe {
        malloc_trim(0);
    }
}

/// Other allocators return memory on their own terms.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// Whether the resident memory of the process is past the bound.
fn memory_exceeded() -> bool {
    let limit = MEMORY_LIMIT.load(Ordering::Relaxed);
    limit > 0 && resident_bytes().is_some_and(|resident| resident > limit)
}

/// Resident memory of the process, from `/proc/self/status` (Linux).
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_cancelled_after_its_deadline_and_not_before() {
        let token = CancellationToken::new();
        let _guard = cancel_after(Duration::from_millis(50), token.clone());
        assert!(!token.is_cancelled());
        let started = Instant::now();
        while !token.is_cancelled() && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(token.is_cancelled());
    }

    #[test]
    fn a_dropped_guard_leaves_its_token_alone() {
        let token = CancellationToken::new();
        drop(cancel_after(Duration::from_millis(10), token.clone()));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!token.is_cancelled());
    }
}
