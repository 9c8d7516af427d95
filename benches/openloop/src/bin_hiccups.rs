//! `hiccups --seconds 10`: spins on its core and prints how often, and for how long, the core
//! was taken away. Run one per core, each pinned (`taskset -c N`), to see what the host takes
//! while every core is busy.

use std::time::Duration;

use clap::Parser;
use fpl_openloop::hiccups::{BOUNDS, spin};

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(about = "Spin on one core and count the gaps: the time the core was taken away")]
struct Args {
    /// Seconds to spin for.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn main() {
    let args = Args::parse();
    let hiccups = spin(Duration::from_secs(args.seconds));
    for (bound, count) in BOUNDS.iter().zip(hiccups.longer_than) {
        println!("gaps over {bound:?}:\t{count}");
    }
    println!("longest gap:\t{:?}", hiccups.longest);
    println!(
        "time lost:\t{:?} in {:?} ({:.2} %)",
        hiccups.lost,
        hiccups.spun,
        100.0 * hiccups.lost.as_secs_f64() / hiccups.spun.as_secs_f64()
    );
}
