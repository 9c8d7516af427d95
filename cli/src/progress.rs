//! Download progress bars (`indicatif`) on stderr, shown only when stderr is a terminal.

use std::cell::RefCell;
use std::io::IsTerminal as _;

use fpl_registry::progress::{Progress, Silent};
use indicatif::{ProgressBar, ProgressStyle};

/// A bar per download.
#[derive(Debug, Default)]
struct Bars {
    current: RefCell<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, url: &str, total: Option<u64>) {
        let bar = match total {
            Some(total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg} {spinner} {bytes}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_message(format!("downloading {url}"));
        *self.current.borrow_mut() = Some(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &*self.current.borrow() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

/// Progress bars when stderr is a terminal, else nothing.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::default())
    } else {
        Box::new(Silent)
    }
}
