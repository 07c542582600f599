//! Progress for long runs: an indicatif bar on a terminal, plain lines otherwise (logs, CI).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(steps: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(steps);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}")
                    .expect("valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// A step begins: the previous one is done.
    pub fn step(&self, message: &str) {
        match &self.bar {
            Some(bar) => {
                if !bar.message().is_empty() {
                    bar.inc(1);
                }
                bar.set_message(message.to_string());
            }
            None => eprintln!("{message}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
