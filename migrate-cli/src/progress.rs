//! A progress bar on stderr for runs longer than a moment, only on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a run goes before the bar appears: short runs print their lines and nothing else.
const DELAY: Duration = Duration::from_millis(400);
const TICK: Duration = Duration::from_millis(100);
const WIDTH: usize = 24;

#[derive(Debug)]
struct State {
    total: usize,
    done: usize,
    label: String,
    start: Instant,
    shown: bool,
}

impl State {
    fn draw(&mut self) {
        if self.start.elapsed() < DELAY {
            return;
        }
        let filled = (self.done * WIDTH).checked_div(self.total).unwrap_or(0);
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled.min(WIDTH))
        );
        let mut err = std::io::stderr().lock();
        // A failed write to the terminal leaves nothing to report it to.
        let _ = write!(
            err,
            "\r\x1b[2K[{bar}] {}/{} {:.1}s {}",
            self.done,
            self.total,
            self.start.elapsed().as_secs_f32(),
            self.label
        );
        let _ = err.flush();
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

/// A bar over `total` steps; lines printed through it do not tear it.
pub struct Progress {
    state: Option<Arc<Mutex<State>>>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// A bar that shows itself after a moment, when stderr is a terminal.
    pub fn start(total: usize) -> Self {
        if !std::io::stderr().is_terminal() || total == 0 {
            return Self {
                state: None,
                ticker: None,
            };
        }
        let state = Arc::new(Mutex::new(State {
            total,
            done: 0,
            label: String::new(),
            start: Instant::now(),
            shown: false,
        }));
        let ticking = Arc::clone(&state);
        // The run awaits the database, so a task on the same thread keeps the clock moving.
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                if let Ok(mut state) = ticking.lock() {
                    state.draw();
                }
            }
        });
        Self {
            state: Some(state),
            ticker: Some(ticker),
        }
    }

    /// `done` steps are finished; `label` is the one running.
    pub fn set(&self, done: usize, label: &str) {
        if let Some(Ok(mut state)) = self.state.as_ref().map(|s| s.lock()) {
            state.done = done;
            state.label = label.to_owned();
            state.draw();
        }
    }

    /// Prints a line on stdout above the bar.
    pub fn println(&self, line: &str) {
        self.above(|| println!("{line}"));
    }

    /// Runs `print` with the bar cleared (stdout or stderr): the next step or tick draws the
    /// bar again, below what it printed.
    pub fn above(&self, print: impl FnOnce()) {
        match self.state.as_ref().map(|s| s.lock()) {
            Some(Ok(mut state)) => {
                state.clear();
                print();
            }
            _ => print(),
        }
    }

    /// Removes the bar.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(Ok(mut state)) = self.state.take().as_ref().map(|s| s.lock()) {
            state.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}
