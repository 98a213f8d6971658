//! Progress shown on a terminal during long operations; silent when stderr is not a terminal.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for a known number of steps.
pub fn bar(length: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(length).with_message(message.to_owned());
    let style = ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} ({elapsed})")
        .expect("valid template")
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// A spinner for a step of unknown length.
pub fn spinner(message: &str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message(message.to_owned());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}
